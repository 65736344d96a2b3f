"""The inspections app's configuration (label `inspections`): supervision visits (督导检查)
with checklists, findings and rectification tasks."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InspectionsConfig(AppConfig):
    name = "shequ.inspections"
    label = "inspections"
    verbose_name = _("Inspections")
