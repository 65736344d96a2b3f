"""The assistance app's configuration (label `assistance`): residents' help requests."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssistanceConfig(AppConfig):
    name = "shequ.assistance"
    label = "assistance"
    verbose_name = _("Help requests")
