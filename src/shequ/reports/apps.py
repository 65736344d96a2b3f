"""The reports app: its set-hour compile, the delivery to subscribers and the city home's
warm-up join the worker's periodic jobs."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "shequ.reports"
    label = "reports"
    verbose_name = _("Daily reports")

    def ready(self) -> None:
        from shequ.core.workers import PERIODIC
        from shequ.reports.services import compile_if_due
        from shequ.reports.subscriptions import deliver_if_due
        from shequ.reports.warm import warm_city_homes

        # Delivered after the day's compile; the city's home kept fresh (reports/warm.py).
        for job in (compile_if_due, deliver_if_due, warm_city_homes):
            if job not in PERIODIC:
                PERIODIC.append(job)
