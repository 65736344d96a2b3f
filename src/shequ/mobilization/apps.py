from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MobilizationConfig(AppConfig):
    name = "shequ.mobilization"
    label = "mobilization"
    verbose_name = _("Mobilization")
