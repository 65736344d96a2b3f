"""The inspections app's configuration (label `inspections`): supervision visits (督导检查)
with checklists, findings and rectification tasks; its overdue reminders join the worker's
periodic jobs."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "shequ.inspections"
    label = "inspections"
    verbose_name = _("Inspections")

    def ready(self) -> None:
        from shequ.core.workers import PERIODIC
        from shequ.inspections.reminders import notify_overdue

        if notify_overdue not in PERIODIC:
            PERIODIC.append(notify_overdue)
