"""The notices app's configuration (label `notices`): notices to residents with their
channels, the city's policy answers and the hotline log; its notices join the residents'
public compound page (core.public_pages), and the worker sends their texts."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "shequ.notices"
    label = "notices"
    verbose_name = _("Notices and answers")

    def ready(self) -> None:
        from shequ.core import public_pages
        from shequ.core.workers import PERIODIC
        from shequ.notices.public import compound_notices_section
        from shequ.notices.texts import send_notice_texts

        public_pages.register_compound_section(compound_notices_section)
        if send_notice_texts not in PERIODIC:
            PERIODIC.append(send_notice_texts)
