from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "shequ.places"
    label = "places"
    verbose_name = _("Places")

    def ready(self) -> None:
        from shequ.core import imports
        from shequ.places.importers import PlaceImporter

        imports.register(PlaceImporter)
