from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResidentsConfig(AppConfig):
    name = "shequ.residents"
    label = "residents"
    verbose_name = _("Residents")

    def ready(self) -> None:
        from shequ.core import imports
        from shequ.residents.importers import ResidentImporter

        imports.register(ResidentImporter)
