"""Figures of help requests per community or per street, by kind: opened, delivered, overdue,
median and 90th-percentile hours from opening to delivery, over the last N days."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Q
from django.utils import timezone

from shequ.assistance.models import DONE_STATES, OPEN_STATES, HelpKind, HelpStatus
from shequ.assistance.selectors import requests_for
from shequ.places.models import Place

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User

LEVELS = ("community", "street")


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile (share in 0–1) of `values`; None for none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Counts:
    opened: int = 0
    delivered: int = 0
    overdue: int = 0
    hours: list[float] = field(default_factory=list)

    @property
    def median(self) -> float | None:
        found = percentile(self.hours, 0.5)
        return None if found is None else round(found, 1)

    @property
    def p90(self) -> float | None:
        found = percentile(self.hours, 0.9)
        return None if found is None else round(found, 1)


@dataclass
class PlaceFigures:
    place: Place
    total: Counts
    kinds: dict[str, Counts]

    def by_kind(self) -> list[tuple[str, Counts]]:
        return [(str(HelpKind(k).label), c) for k, c in sorted(self.kinds.items())]


def help_figures(
    user: User | AnonymousUser, *, days: int = 30, level: str = "community"
) -> list[PlaceFigures]:
    """One row per community (or street) in the user's scope with requests opened in the
    last `days` days; one query for the requests, one for the places."""
    now = timezone.now()
    since = now - dt.timedelta(days=days)
    rows = (
        requests_for(user)
        .filter(created_at__gte=since)
        .values_list(
            "community_id",
            "community__parent_id",
            "kind",
            "status",
            "created_at",
            "delivered_at",
            "due_at",
        )
        .order_by()
    )
    by_place: dict[int, PlaceFigures] = {}
    places: dict[int, dict[str, Counts]] = {}
    totals: dict[int, Counts] = {}
    for community_id, street_id, kind, status, created, delivered, due in rows.iterator():
        key = community_id if level != "street" else street_id
        kinds = places.setdefault(key, {})
        for counts in (kinds.setdefault(kind, Counts()), totals.setdefault(key, Counts())):
            counts.opened += 1
            if status in DONE_STATES and delivered is not None:
                counts.delivered += 1
                counts.hours.append((delivered - created).total_seconds() / 3600)
                if delivered > due:
                    counts.overdue += 1
            elif status in OPEN_STATES and due < now:
                counts.overdue += 1
    for place in Place.objects.filter(pk__in=list(places)).order_by("path"):
        by_place[place.pk] = PlaceFigures(place, totals[place.pk], places[place.pk])
    return list(by_place.values())


def backlog(user: User | AnonymousUser) -> dict[str, int]:
    """Open requests in the user's scope: all, new (not yet claimed), overdue. One query."""
    now = timezone.now()
    return (
        requests_for(user)
        .filter(status__in=OPEN_STATES)
        .aggregate(
            open=Count("pk"),
            new=Count("pk", filter=Q(status=HelpStatus.NEW)),
            overdue=Count("pk", filter=Q(due_at__lt=now)),
        )
    )


def by_day(user: User | AnonymousUser, days: list[dt.date]) -> dict[dt.date, dict[str, int]]:
    """Requests opened and delivered on each of `days` (local days) in the user's scope. One
    query, for the requests opened or delivered in the span."""
    out = {day: {"opened": 0, "delivered": 0} for day in days}
    if not days:
        return out
    start = timezone.make_aware(dt.datetime.combine(min(days), dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(max(days) + dt.timedelta(days=1), dt.time.min))
    rows = (
        requests_for(user)
        .filter(Q(created_at__gte=start, created_at__lt=end) | Q(delivered_at__gte=start))
        .filter(created_at__lt=end)
        .values_list("created_at", "delivered_at", "status")
        .order_by()
    )
    for created, delivered, status in rows.iterator():
        opened_on = timezone.localdate(created)
        if opened_on in out:
            out[opened_on]["opened"] += 1
        if delivered is not None and status in DONE_STATES:
            delivered_on = timezone.localdate(delivered)
            if delivered_on in out:
                out[delivered_on]["delivered"] += 1
    return out
