"""The outreach app's configuration (label `outreach`): door-to-door campaigns (入户排查,
vaccination drives, notice delivery, missed-test and home-sampling visits) with a task per
household or resident, outcomes recorded on the phone, and registry proposals for staff."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutreachConfig(AppConfig):
    name = "shequ.outreach"
    label = "outreach"
    verbose_name = _("Door-to-door")

    def ready(self) -> None:
        # Testing asks for home visits by signal (it sits below outreach): outreach answers.
        from shequ.outreach import rounds
        from shequ.testing import signals

        signals.home_sampling_wanted.connect(rounds.on_home_sampling_wanted, dispatch_uid="hs")
        signals.home_visits_lookup.connect(rounds.on_home_visits_lookup, dispatch_uid="hv")
        signals.home_swabs_recorded.connect(rounds.on_home_swabs_recorded, dispatch_uid="hd")
