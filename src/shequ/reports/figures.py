"""The registry of a daily report's figures: each figure's key and label, how far a
community is from where it should be on it (its "gap", for the roll-up's worst five), and
the provider that reads it: one bulk selector in the app that owns the data,
`read(community_ids, day) -> {community_id: {key: int}}`, a bounded number of queries for
any number of communities. `reports` never reads another app's tables itself.

Extension point: an app that comes later (help requests and isolation checks in
`assistance`, stock issued in `supplies`) adds its figures with `register(Provider(...))`
from its AppConfig.ready(); compiling, correcting, roll-ups, the pages and the API pick them
up with no change here (docs/reports.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from shequ.checkpoints import selectors as checkpoints
from shequ.duty import reports as duty
from shequ.mobilization import reports as mobilization
from shequ.residents import selectors as residents
from shequ.residents.models import HealthStatus
from shequ.testing import reports as testing

Read = Callable[[Collection[int], dt.date], dict[int, dict[str, int]]]
Gap = Callable[[dict[str, int]], int]


def _value(key: str) -> Gap:
    """The figure itself is the gap: every no-show, alert or open recall is one too many."""
    return lambda figures: max(figures.get(key, 0), 0)


def _short_of_need(figures: dict[str, int]) -> int:
    return max(figures.get("needed", 0) - figures.get("reported_in", 0), 0)


@dataclass(frozen=True)
class Figure:
    key: str
    label: Promise
    gap: Gap | None = None  # None: no "worst communities" list for this figure
    unit: str = ""  # "minutes": shown as hours


@dataclass(frozen=True)
class Provider:
    name: str  # the app that owns the data
    figures: tuple[Figure, ...]
    read: Read


PROVIDERS: list[Provider] = [
    Provider(
        "duty",
        (
            Figure("on_duty", _("People on duty")),
            Figure("duty_minutes", _("Hours on duty"), unit="minutes"),
            Figure("person_times", _("Person-times (人次)")),
            Figure("no_shows", _("No-shows"), _value("no_shows")),
        ),
        duty.daily_figures,
    ),
    Provider(
        "mobilization",
        (
            # One list for the shortfall, under "reported in" (not twice).
            Figure("reported_in", _("Reported in"), _short_of_need),
            Figure("needed", _("Needed")),
        ),
        mobilization.daily_figures,
    ),
    Provider(
        "checkpoints",
        (
            Figure("passages", _("Gate passages")),
            Figure("refusals", _("Refused at the gate"), _value("refusals")),
            Figure("gate_alerts", _("Gate alerts"), _value("gate_alerts")),
        ),
        checkpoints.daily_figures,
    ),
    Provider(
        "testing",
        (
            Figure("sampled", _("Residents sampled")),
            Figure("positives", _("Positive tubes"), _value("positives")),
            Figure("recalls_open", _("Recalls open"), _value("recalls_open")),
        ),
        testing.daily_figures,
    ),
    Provider(
        "residents",
        (
            *(
                Figure(f"status_{status}", HealthStatus(status).label)
                for status in residents.REPORTED_STATUSES
            ),
            Figure("status_changes", _("Health status changes")),
        ),
        residents.daily_figures,
    ),
]


def register(provider: Provider) -> None:
    """Add an app's figures (once: registering the same provider name again replaces it)."""
    PROVIDERS[:] = [p for p in PROVIDERS if p.name != provider.name]
    PROVIDERS.append(provider)


def all_figures() -> list[Figure]:
    """Every figure, in report order."""
    return [figure for provider in PROVIDERS for figure in provider.figures]


def figure_by_key() -> dict[str, Figure]:
    return {figure.key: figure for figure in all_figures()}


def read_all(community_ids: Collection[int], day: dt.date) -> dict[int, dict[str, int]]:
    """Every figure of `day` for these communities, from every provider (each in a bounded
    number of queries): community id → key → value, every key present."""
    ids = list(community_ids)
    out: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    if not ids:
        return out
    for provider in PROVIDERS:
        found = provider.read(ids, day)
        for pk in ids:
            values = found.get(pk, {})
            out[pk].update({f.key: int(values.get(f.key, 0)) for f in provider.figures})
    return out
