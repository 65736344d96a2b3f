"""The mobilization board's reads: need vs. signed up vs. reported in vs. assigned, per
community, street or district within the user's places, and report-ins and sign-ups per hour
for its chart (the board page and GET …/orders/{id}/board)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count
from django.db.models.functions import TruncHour
from django.utils import timezone

from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.mobilization.models import Enlistment, EnlistmentState, Need, Order
from shequ.places.addresses import attach_addresses
from shequ.places.models import Place, PlaceKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User


@dataclass
class BoardRow:
    place: Place
    need: int = 0
    signed_up: int = 0
    reported: int = 0
    assigned: int = 0
    # The place as the viewer tells it apart: "一街道 甲社区" on a district's board.
    address: str = ""

    @property
    def gap(self) -> int:
        return max(self.need - self.reported - self.assigned, 0)

    @property
    def surplus(self) -> int:
        return max(self.reported + self.assigned - self.need, 0)


@dataclass
class Board:
    level: str
    rows: list[BoardRow] = field(default_factory=list)
    total: BoardRow | None = None
    per_hour: list[tuple[dt.datetime, int]] = field(default_factory=list)


LEVEL_DEPTH = {PlaceKind.DISTRICT: 1, PlaceKind.STREET: 2, PlaceKind.COMMUNITY: 3}


def board(
    user: User | AnonymousUser,
    *,
    order: Order,
    level: str = PlaceKind.COMMUNITY,
    on: dt.date | None = None,
) -> Board:
    """Need vs. signed up vs. reported in vs. assigned, per community, street or district,
    within the user's places; and report-ins per hour for the chart."""
    scope = scope_for(user, Capability.VIEW_MOBILIZATION)
    on = on or timezone.localdate()
    depth = LEVEL_DEPTH.get(level, 3)
    groups = {
        p.pk: BoardRow(place=p)
        for p in Place.objects.filter(scope.q(), kind=level).order_by("path")
    }
    if not groups:
        return Board(level=level, total=BoardRow(place=order.scope))

    def group_of(path: str) -> int | None:
        parts = path.strip("/").split("/")
        return int(parts[depth]) if len(parts) > depth else None

    needs = Need.objects.filter(
        scope.q("community"), starts_on__lte=on, ends_on__gte=on
    ).values_list("community__path", "people_per_day")
    for path, people in needs:
        key = group_of(path)
        if key in groups:
            groups[key].need += people
    counts = (
        Enlistment.objects.filter(scope.q("community"), order=order)
        .values_list("community__path", "state")
        .annotate(n=Count("id"))
    )
    for path, state, n in counts:
        row = groups.get(group_of(path))
        if row is None:
            continue
        if state == EnlistmentState.SIGNED_UP:
            row.signed_up += n
        elif state == EnlistmentState.REPORTED_IN:
            row.reported += n
        elif state == EnlistmentState.ASSIGNED:
            row.assigned += n
    # Worst gap first (then in the tree's order): the board is read for where people are short.
    rows = sorted(groups.values(), key=lambda r: (-r.gap, r.place.path))
    attach_addresses(rows, lambda r: r.place, within=scope.paths)
    total = BoardRow(
        place=order.scope,
        need=sum(r.need for r in rows),
        signed_up=sum(r.signed_up for r in rows),
        reported=sum(r.reported for r in rows),
        assigned=sum(r.assigned for r in rows),
    )
    per_hour = list(
        Enlistment.objects.filter(scope.q("community"), order=order, reported_at__isnull=False)
        .annotate(hour=TruncHour("reported_at"))
        .values_list("hour")
        .annotate(n=Count("id"))
        .order_by("hour")
    )
    return Board(level=level, rows=rows, total=total, per_hour=per_hour)


def hour_labels(per_hour: Iterable[tuple[dt.datetime, int]]) -> dict[str, int]:
    """(hour, count) rows → {"11-28 09:00": count} in the city's time, for the chart."""
    series: dict[str, int] = defaultdict(int)
    for hour, n in per_hour:
        series[timezone.localtime(hour).strftime("%m-%d %H:00")] += n
    return dict(series)


def signups_by_hour(user: User | AnonymousUser, order: Order) -> dict[str, int]:
    """Sign-ups per local hour (heading to the user's places), for the board's chart."""
    scope = scope_for(user, Capability.VIEW_MOBILIZATION)
    rows = (
        Enlistment.objects.filter(
            scope.q("community") | scope.q("staff__residence_community"),
            order=order,
            signed_up_at__isnull=False,
        )
        .annotate(hour=TruncHour("signed_up_at"))
        .values_list("hour")
        .annotate(n=Count("id"))
        .order_by("hour")
    )
    return hour_labels(rows)
