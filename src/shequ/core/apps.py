from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "shequ.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from shequ.core import bulk  # noqa: F401 - registers the `__any` lookup on every field
        from shequ.core.partitions import ensure_partitions_daily
        from shequ.core.workers import PERIODIC

        # The coming months' partitions of the event tables, made ahead (PostgreSQL only).
        if ensure_partitions_daily not in PERIODIC:
            PERIODIC.append(ensure_partitions_daily)
