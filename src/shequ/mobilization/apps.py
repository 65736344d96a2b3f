from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MobilizationConfig(AppConfig):
    name = "shequ.mobilization"
    label = "mobilization"
    verbose_name = _("Mobilization")

    def ready(self) -> None:
        from shequ.core import imports
        from shequ.mobilization.agency_import import AgencyImporter
        from shequ.mobilization.importers import StaffImporter

        imports.register(StaffImporter)
        imports.register(AgencyImporter)
