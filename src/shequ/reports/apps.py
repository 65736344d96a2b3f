"""The reports app: its set-hour compile joins the worker's periodic jobs."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "shequ.reports"
    label = "reports"
    verbose_name = _("Daily reports")

    def ready(self) -> None:
        from shequ.core.workers import PERIODIC
        from shequ.reports.services import compile_if_due

        if compile_if_due not in PERIODIC:
            PERIODIC.append(compile_if_due)
