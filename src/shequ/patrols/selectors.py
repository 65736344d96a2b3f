"""Reads on disinfection and patrols, narrowed to the user's places (view_patrols): the
areas and their day's slots (due / done / missed), rounds, the week's done-vs-missed, and
patrol findings with their follow-up."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from shequ.core.access import get_for, require
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for, scope_for_any, users_with
from shequ.patrols import schedule
from shequ.patrols.models import Area, Finding, Round
from shequ.places.models import Place, PlaceKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User

SEEING = (Capability.VIEW_PATROLS, Capability.RECORD_ROUNDS, Capability.MANAGE_PATROLS)


def city_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _seen(user: User | AnonymousUser) -> Any:
    return scope_for_any(user, SEEING)


def may_see(user: User | AnonymousUser) -> bool:
    """Whether the user sees any community's disinfection and patrols."""
    return not _seen(user).is_empty


def may_record(user: User | AnonymousUser) -> bool:
    return not scope_for(user, Capability.RECORD_ROUNDS).is_empty


def may_manage(user: User | AnonymousUser) -> bool:
    return not scope_for(user, Capability.MANAGE_PATROLS).is_empty


def communities_for(user: User | AnonymousUser, capability: str = "") -> QuerySet[Place]:
    """The communities whose checklist the user opens (all they see, or where they may do
    `capability`)."""
    scope = scope_for(user, capability) if capability else _seen(user)
    # A role bound below a community (a compound) still opens its community's checklist.
    inside = Place.objects.filter(scope.q(), kind=PlaceKind.COMMUNITY)
    return inside.order_by("path")


def get_community_for(user: User | AnonymousUser, pk: Any) -> Place:
    """A community the user sees disinfection in; 404 otherwise."""
    return get_for(communities_for(user), pk, what="community")


def areas_for(user: User | AnonymousUser) -> QuerySet[Area]:
    """The areas at the user's places."""
    return Area.objects.filter(_seen(user).q("place")).select_related(
        "place", "community", "agent", "warehouse"
    )


def get_area_for(user: User | AnonymousUser, pk: Any, capability: str = "") -> Area:
    """One area the user sees (404 otherwise); with `capability`, 403 unless they may."""
    area = get_for(areas_for(user), pk, what="area")
    if capability:
        require(user, capability, area.place)
    return area


def areas_of(community: Place) -> list[Area]:
    """The community's areas on the schedule, in walking order."""
    return list(
        Area.objects.filter(community=community, active=True)
        .select_related("place", "agent", "warehouse")
        .order_by("position", "pk")
    )


def done_times(area_ids: Collection[int], start: dt.datetime, end: dt.datetime) -> dict[int, list]:
    """{area id: sorted times of its rounds within [start, end]}: one query."""
    found: dict[int, list] = defaultdict(list)
    rows = (
        Round.objects.filter(area_id__in=list(area_ids), done_at__gte=start, done_at__lte=end)
        .order_by("done_at")
        .values_list("area_id", "done_at")
    )
    for area_id, at in rows:
        found[area_id].append(at)
    return found


@dataclass
class SlotState:
    slot: schedule.Slot
    status: str


@dataclass
class AreaDay:
    area: Area
    slots: list[SlotState] = field(default_factory=list)

    @property
    def next_due(self) -> SlotState | None:
        return next((s for s in self.slots if s.status in (schedule.DUE, schedule.LATER)), None)

    def count(self, status: str) -> int:
        return sum(1 for s in self.slots if s.status == status)

    @property
    def has_missed(self) -> bool:
        return any(s.status == schedule.MISSED for s in self.slots)


def _day_bounds(day: dt.date, tz: ZoneInfo, pad: int) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), tzinfo=tz) - dt.timedelta(minutes=pad)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz)
    return start, end + dt.timedelta(minutes=pad)


def area_days(
    areas: list[Area], days: Iterable[dt.date], now: dt.datetime | None = None
) -> dict[dt.date, list[AreaDay]]:
    """Each day's slots of each area with its status: two queries at most."""
    now = now or timezone.now()
    tz = city_zone()
    days = sorted(days)
    if not areas or not days:
        return {d: [] for d in days}
    pad = max(a.tolerance for a in areas)
    start, _e = _day_bounds(days[0], tz, pad)
    _s, end = _day_bounds(days[-1], tz, pad)
    done = done_times([a.pk for a in areas], start, end)
    out: dict[dt.date, list[AreaDay]] = {}
    for day in days:
        rows = []
        for area in areas:
            if timezone.localtime(area.created_at, tz).date() > day:
                rows.append(AreaDay(area))
                continue
            slots = [
                s
                for s in schedule.slots_on(area.times, area.tolerance, day, tz)
                if s.closes >= area.created_at
            ]
            times = done.get(area.pk, [])
            rows.append(
                AreaDay(area, [SlotState(s, schedule.status(s, times, now)) for s in slots])
            )
        out[day] = rows
    return out


def checklist(community: Place, day: dt.date | None = None) -> list[AreaDay]:
    """The community's areas in walking order, each with the day's slots and their status."""
    day = day or timezone.localdate()
    return area_days(areas_of(community), [day])[day]


@dataclass(frozen=True)
class DayCount:
    day: dt.date
    done: int
    missed: int


def week(community: Place, days: int = 7) -> list[DayCount]:
    """Done vs missed rounds per day, the last `days` days up to today."""
    today = timezone.localdate()
    span = [today - dt.timedelta(days=n) for n in range(days - 1, -1, -1)]
    by_day = area_days(areas_of(community), span)
    return [
        DayCount(
            d,
            sum(a.count(schedule.DONE) for a in by_day[d]),
            sum(a.count(schedule.MISSED) for a in by_day[d]),
        )
        for d in span
    ]


def rounds_for(user: User | AnonymousUser, community: Place | None = None) -> QuerySet[Round]:
    """Rounds at the user's places (of one community), newest first."""
    rows = Round.objects.filter(_seen(user).q("area__place"))
    if community is not None:
        rows = rows.filter(area__community=community)
    return rows.select_related("area", "area__community", "by", "agent").order_by("-done_at", "-pk")


def get_round_for(user: User | AnonymousUser, pk: Any) -> Round:
    """One round the user sees; 404 otherwise."""
    return get_for(rounds_for(user), pk, what="round")


def rounds_by_uuid(uuids: Collection[Any]) -> dict[Any, Round]:
    """Rounds recorded before under these client UUIDs (by anyone: a UUID names one round)."""
    if not uuids:
        return {}
    return {r.client_uuid: r for r in Round.objects.filter(client_uuid__in=list(uuids))}


def findings_for(
    user: User | AnonymousUser, *, open_only: bool = False, community: Place | None = None
) -> QuerySet[Finding]:
    """Findings at the user's places (or assigned to them), open ones first, newest first."""
    mine = Q(assignee_id=getattr(user, "pk", None) or 0)  # the anonymous: no one's
    rows = Finding.objects.filter(_seen(user).q("place") | mine)
    if open_only:
        rows = rows.filter(resolved_at__isnull=True)
    if community is not None:
        rows = rows.filter(community=community)
    return rows.select_related("place", "community", "by", "assignee", "resolved_by").order_by(
        "-found_at", "-pk"
    )


def get_finding_for(user: User | AnonymousUser, pk: Any) -> Finding:
    """One finding the user sees; 404 otherwise."""
    return get_for(findings_for(user), pk, what="finding")


def may_resolve(user: User | AnonymousUser, finding: Finding) -> bool:
    return finding.is_open and (
        getattr(user, "pk", None) == finding.assignee_id
        or scope_for(user, Capability.MANAGE_PATROLS).covers(finding.place)
    )


def open_count(user: User | AnonymousUser) -> int:
    return findings_for(user, open_only=True).count()


def places_for(user: User | AnonymousUser, capability: str, kinds: Collection[str]) -> list[Place]:
    """Places of `kinds` where the user may do `capability` (the forms' choices; at most 500)."""
    return list(
        Place.objects.filter(scope_for(user, capability).q(), kind__in=list(kinds))
        .select_related("parent")
        .order_by("path")[:500]
    )


def get_place_for(user: User | AnonymousUser, pk: Any, capability: str) -> Place:
    """A place the user sees (404 otherwise) where they may do `capability` (403 otherwise)."""
    place = get_for(Place.objects.filter(scope_for(user).q()), pk, what="place")
    require(user, capability, place)
    return place


def assignees(place: Place) -> QuerySet[Any]:
    """Who may follow a finding up at `place`: its staff and cadres (with a login)."""
    staff = users_with(Capability.MANAGE_PATROLS, place)
    cadres = users_with(Capability.RECORD_ROUNDS, place)
    return (staff | cadres).distinct().order_by("username")


def get_assignee_for(place: Place, pk: Any) -> Any:
    """One of `assignees(place)`; 404 otherwise."""
    return get_for(assignees(place), pk, what="user")


def agents() -> QuerySet[Any]:
    """The catalogue's items an area may use (supplies)."""
    from shequ.supplies.selectors import items

    return items().order_by("name")


def get_agent(pk: Any) -> Any:
    from shequ.supplies.selectors import get_item

    return get_item(pk)


def warehouses_near(place: Place) -> QuerySet[Any]:
    """The warehouses an area at `place` may draw from: its community's and those above."""
    from shequ.supplies.selectors import warehouses_serving

    return warehouses_serving(place)


def get_warehouse_near(place: Place, pk: Any) -> Any:
    return get_for(warehouses_near(place), pk, what="warehouse")


def areas_listed(user: User | AnonymousUser, community: Place | None = None) -> QuerySet[Area]:
    """The areas at the user's places (of one community), in walking order."""
    rows = areas_for(user)
    if community is not None:
        rows = rows.filter(community=community)
    return rows.order_by("community__path", "-active", "position", "pk")


def first_community(user: User | AnonymousUser, capability: str = "") -> Place | None:
    return communities_for(user, capability).first()


def community_choice(user: User | AnonymousUser, pk: Any) -> Place | None:
    """The community a page asks for (`?community=`), else the user's first; 404 for one
    they do not see."""
    if pk:
        return get_community_for(user, pk)
    return first_community(user)


def scope_covers(user: User | AnonymousUser, capability: str, place: Place) -> bool:
    return scope_for(user, capability).covers(place)
