"""The supplies app's configuration (label `supplies`): items, warehouses, stock, movements."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliesConfig(AppConfig):
    name = "shequ.supplies"
    label = "supplies"
    verbose_name = _("Supplies")
