"""The assistance app's configuration (label `assistance`): residents' help requests. Its
escalation of overdue requests joins the worker's periodic jobs."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "shequ.assistance"
    label = "assistance"
    verbose_name = _("Help requests")

    def ready(self) -> None:
        from shequ.assistance.escalation import escalate_overdue
        from shequ.core.workers import PERIODIC

        if escalate_overdue not in PERIODIC:
            PERIODIC.append(escalate_overdue)
