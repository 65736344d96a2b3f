"""The testing app's config: on start, the lab results importer is registered with core.imports."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TestingConfig(AppConfig):
    name = "shequ.testing"
    label = "testing"
    verbose_name = _("Mass testing")

    def ready(self) -> None:
        from shequ.core import imports
        from shequ.testing.importers import TubeResultImporter

        imports.register(TubeResultImporter)
