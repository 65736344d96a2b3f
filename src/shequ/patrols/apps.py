"""The patrols app's configuration (label `patrols`, 巡查消杀): disinfection areas on a
schedule, the rounds recorded there and patrol findings with their follow-up. Its missed
rounds job joins the worker's periodic jobs, and its figures the daily reports."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatrolsConfig(AppConfig):
    name = "shequ.patrols"
    label = "patrols"
    verbose_name = _("Disinfection and patrols")

    def ready(self) -> None:
        from shequ.core.workers import PERIODIC
        from shequ.patrols import reports
        from shequ.patrols.missed import flag_missed
        from shequ.reports.figures import Figure, Provider, register

        if flag_missed not in PERIODIC:
            PERIODIC.append(flag_missed)
        register(
            Provider(
                "patrols",
                (
                    Figure("rounds_done", _("Disinfection rounds done")),
                    Figure(
                        "rounds_missed",
                        _("Disinfection rounds missed"),
                        lambda f: max(f.get("rounds_missed", 0), 0),
                    ),
                    Figure(
                        "findings_open",
                        _("Patrol findings open"),
                        lambda f: max(f.get("findings_open", 0), 0),
                    ),
                ),
                reports.daily_figures,
            )
        )
