from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "shequ.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from shequ.core import bulk  # noqa: F401 - registers the `__any` lookup on every field
