"""The assistance app's configuration (label `assistance`): residents' help requests. Its
escalation of overdue requests, its messages of late isolation reports and the watch list's
daily checks (made, and escalated in the evening) join the worker's periodic jobs."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "shequ.assistance"
    label = "assistance"
    verbose_name = _("Help requests")

    def ready(self) -> None:
        from shequ.assistance.escalation import escalate_overdue
        from shequ.assistance.late_reports import notify_late_reports
        from shequ.assistance.watch_jobs import watch_run
        from shequ.core.workers import PERIODIC

        for job in (escalate_overdue, notify_late_reports, watch_run):
            if job not in PERIODIC:
                PERIODIC.append(job)
