"""The duty app's configuration (label `duty`); its dead roster jobs' check joins the worker's
periodic jobs."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutyConfig(AppConfig):
    name = "shequ.duty"
    label = "duty"
    verbose_name = _("Duty")

    def ready(self) -> None:
        from shequ.core.workers import PERIODIC
        from shequ.duty.planning.jobs import fail_dead_roster_jobs

        if fail_dead_roster_jobs not in PERIODIC:
            PERIODIC.append(fail_dead_roster_jobs)
