"""The supplies app's configuration (label `supplies`): items, warehouses, stock, movements.
Its stock alerts join the worker's periodic jobs and its "stock issued" figure the daily
reports."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliesConfig(AppConfig):
    name = "shequ.supplies"
    label = "supplies"
    verbose_name = _("Supplies")

    def ready(self) -> None:
        from shequ.core.workers import PERIODIC
        from shequ.reports.figures import Figure, Provider, register
        from shequ.supplies import reports
        from shequ.supplies.alerts import periodic_alerts

        if periodic_alerts not in PERIODIC:
            PERIODIC.append(periodic_alerts)
        register(
            Provider("supplies", (Figure("stock_issued", _("Stock issued (units)")),),
                     reports.daily_figures)
        )  # fmt: skip
