"""The outreach app's configuration (label `outreach`): door-to-door campaigns (入户排查,
vaccination drives, notice delivery, missed-test and home-sampling visits) with a task per
household or resident, outcomes recorded on the phone, and registry proposals for staff."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "shequ.outreach"
    label = "outreach"
    verbose_name = _("Door-to-door")
