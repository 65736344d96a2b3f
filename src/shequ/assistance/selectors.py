"""Reads on help requests, narrowed to what the user may see: the queue, one request and its
timeline, a cadre's tasks by building, the counts of a community's home card."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from shequ.assistance.models import (
    IN_HAND_STATES,
    OPEN_STATES,
    HelpKind,
    HelpRequest,
    HelpStatus,
    RequestEvent,
)
from shequ.core.access import get_for
from shequ.core.roles import Capability
from shequ.core.scopes import Scope, scope_for, scope_for_any
from shequ.places.models import KIND_ORDER, Place, PlaceKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User

SEEING = (Capability.VIEW_HELP, Capability.MANAGE_HELP, Capability.CLAIM_HELP)
STATUS_FILTERS = ("open", "overdue", "all", *HelpStatus.values)
# A community's path ("/city/district/street/community/") has this many slashes.
_COMMUNITY_SLASHES = KIND_ORDER.index(PlaceKind.COMMUNITY) + 2


def _help_scope(user: User | AnonymousUser) -> Scope:
    """The places where the user sees, manages or claims help, as one scope (community staff
    hold all three over the same community: one filter, not three)."""
    return scope_for_any(user, SEEING)


def _visible(user: User | AnonymousUser) -> Q:
    # Through the communities' ids, not a join on their paths: the planner then walks the
    # (community, status, due_at) index of the few communities instead of every request.
    # A role bound below a community (a grid, a compound, a building) sees the requests of the
    # buildings it covers, not the whole community's nor none at all.
    scope = _help_scope(user)
    if scope.is_empty:
        return Q(pk__in=[])
    communities = Place.objects.filter(scope.q(), kind=PlaceKind.COMMUNITY).values("pk")
    visible = Q(community_id__in=communities)
    below = Scope(tuple(p for p in scope.paths if p.count("/") > _COMMUNITY_SLASHES))
    return visible | below.q("building") if not below.is_empty else visible


def may_see_help(user: User | AnonymousUser) -> bool:
    """Whether the user sees any help request's place (the queue opens for them)."""
    return any(not scope_for(user, c).is_empty for c in SEEING)


def requests_for(user: User | AnonymousUser) -> QuerySet[HelpRequest]:
    """The requests of the communities the user sees, claims or manages help in."""
    return HelpRequest.objects.filter(_visible(user)).select_related(
        "community", "building", "household", "claimed_by"
    )


def get_request_for(user: User | AnonymousUser, pk: Any) -> HelpRequest:
    """One request the user may see; 404 otherwise."""
    return get_for(requests_for(user), pk, what="help request")


@dataclass(frozen=True)
class QueueFilter:
    community: int | None = None
    grid: int | None = None
    compound: int | None = None
    kind: str = ""
    status: str = "open"


def queue(user: User | AnonymousUser, filters: QueueFilter | None = None) -> QuerySet[HelpRequest]:
    """The queue: most urgent (soonest due) first, then oldest; filtered by place, kind and
    status ("open" by default; "overdue": open and past due)."""
    f = filters or QueueFilter()
    rows = requests_for(user)
    if f.community:
        rows = rows.filter(community_id=f.community)
    for place_id in (f.grid, f.compound):
        if place_id:
            place = Place.objects.filter(pk=place_id).only("path").first()
            rows = rows.filter(building__path__startswith=place.path) if place else rows.none()
    if f.kind in HelpKind.values:
        rows = rows.filter(kind=f.kind)
    if f.status == "open":
        rows = rows.filter(status__in=OPEN_STATES)
    elif f.status == "overdue":
        rows = rows.filter(status__in=OPEN_STATES, due_at__lt=timezone.now())
    elif f.status in HelpStatus.values:
        rows = rows.filter(status=f.status)
    # The page's 25 rows are sorted out of a community's open requests before their building
    # and household are read (two small queries by id): joined first, PostgreSQL looked up
    # every open request's building and household, then sorted (bench/README.md).
    return (
        rows.select_related(None)
        .select_related("community", "claimed_by")
        .prefetch_related("building", "household")
        .order_by("due_at", "created_at", "pk")
    )


def filter_places(user: User | AnonymousUser, kind: str, limit: int = 300) -> list[Place]:
    """Communities, grids or compounds in the user's help scope, for the queue's filters."""
    return list(Place.objects.filter(_visible_places(user), kind=kind).order_by("path")[:limit])


def _visible_places(user: User | AnonymousUser) -> Q:
    return _help_scope(user).q()


def _open_q(user: User | AnonymousUser, field: str = "") -> Q:
    """Where the user may open help requests: where they manage or claim help."""
    return scope_for(user, Capability.MANAGE_HELP).q(field) | scope_for(
        user, Capability.CLAIM_HELP
    ).q(field)


def household_for(user: User | AnonymousUser, code: str) -> Place | None:
    """A household (by code) where the user may open a help request."""
    return (
        Place.objects.filter(_open_q(user), kind=PlaceKind.HOUSEHOLD, code=code.strip())
        .select_related("parent")
        .first()
    )


@dataclass(frozen=True)
class Match:
    """One answer of the new request's picker: a resident (r<id>) or a flat (h<id>)."""

    value: str
    label: str


def household_matches(user: User | AnonymousUser, text: str, limit: int = 20) -> list[Match]:
    """Residents (by name) and flats (by household code, "1-101" or the room's name) where
    the user may open help requests; residents only where the user also sees residents."""
    from shequ.residents.models import Resident

    text = (text or "").strip()
    if not text or len(text) > 60:
        return []
    matches: list[Match] = []
    residents = (
        Resident.objects.filter(
            _open_q(user, "household"),
            scope_for(user, Capability.VIEW_RESIDENTS).q("household"),
            name__icontains=text,
        )
        .select_related("household", "household__parent")
        .order_by("household__path", "pk")[:limit]
    )
    for r in residents:
        where = f"{r.household.parent.name} {r.household.name}"
        matches.append(Match(f"r{r.pk}", f"{r.name} · {where} ({r.household.code})"))
    flats = (
        Place.objects.filter(
            Q(code__iexact=text) | Q(code__iendswith=f"-{text}") | Q(name__icontains=text),
            _open_q(user),
            kind=PlaceKind.HOUSEHOLD,
        )
        .select_related("parent")
        .order_by("path")[: max(limit - len(matches), 0)]
    )
    matches.extend(Match(f"h{h.pk}", f"{h.parent.name} {h.name} ({h.code})") for h in flats)
    return matches


def open_target(user: User | AnonymousUser, pick: str) -> tuple[Place | None, Any]:
    """The household (and resident, when one was picked) a picker value names, if the user
    may open help requests there; (None, None) otherwise."""
    from shequ.residents.models import Resident

    pick = (pick or "").strip()
    if len(pick) < 2 or len(pick) > 12 or not pick[1:].isdigit():
        return None, None
    if pick[0] == "r":
        resident = (
            Resident.objects.filter(
                _open_q(user, "household"),
                scope_for(user, Capability.VIEW_RESIDENTS).q("household"),
                pk=int(pick[1:]),
            )
            .select_related("household", "household__parent")
            .first()
        )
        return (resident.household, resident) if resident else (None, None)
    if pick[0] == "h":
        household = (
            Place.objects.filter(_open_q(user), kind=PlaceKind.HOUSEHOLD, pk=int(pick[1:]))
            .select_related("parent")
            .first()
        )
        return household, None
    return None, None


def timeline(request: HelpRequest) -> QuerySet[RequestEvent]:
    """Every step of the request, oldest first, with who took it."""
    return request.events.select_related("by").order_by("at", "id")


@dataclass
class BuildingTasks:
    building: Place
    requests: list[HelpRequest]


def my_tasks(user: User | AnonymousUser, limit: int = 200) -> list[BuildingTasks]:
    """The user's claimed and on-the-way requests, grouped by building (one trip serves
    several doors), the building with the soonest due first."""
    if not getattr(user, "is_authenticated", False):
        return []
    rows = (
        HelpRequest.objects.filter(claimed_by=user, status__in=IN_HAND_STATES)
        .select_related("building", "household", "community")
        .order_by("due_at", "pk")[:limit]
    )
    groups: dict[int, BuildingTasks] = {}
    for row in rows:
        groups.setdefault(row.building_id, BuildingTasks(row.building, [])).requests.append(row)
    return list(groups.values())


def claimable(user: User | AnonymousUser, limit: int = 5) -> list[HelpRequest]:
    """New requests the user may take (我来) in the communities where they claim help, the
    soonest due first: the cadre's home card."""
    scope = scope_for(user, Capability.CLAIM_HELP)
    if scope.is_empty:
        return []
    communities = Place.objects.filter(scope.q(), kind=PlaceKind.COMMUNITY).values("pk")
    return list(
        HelpRequest.objects.filter(community_id__in=communities, status=HelpStatus.NEW)
        .select_related("building", "household")
        .order_by("due_at", "pk")[:limit]
    )


def community_counts(user: User | AnonymousUser) -> dict[str, int]:
    """New and overdue requests in the communities the user manages help for."""
    scope = scope_for(user, Capability.MANAGE_HELP)
    if scope.is_empty:
        return {"new": 0, "overdue": 0}
    now = timezone.now()
    return HelpRequest.objects.filter(scope.q("community"), status__in=OPEN_STATES).aggregate(
        new=Count("pk", filter=Q(status=HelpStatus.NEW)),
        overdue=Count("pk", filter=Q(due_at__lt=now)),
    )


def may(user: User | AnonymousUser, capability: str, request: HelpRequest) -> bool:
    return scope_for(user, capability).covers(request.community)


def may_claim_somewhere(user: User | AnonymousUser) -> bool:
    return not scope_for(user, Capability.CLAIM_HELP).is_empty


def may_open_help(user: User | AnonymousUser) -> bool:
    """Whether the user may open help requests somewhere (manage or claim them)."""
    return not (
        scope_for(user, Capability.MANAGE_HELP).is_empty
        and scope_for(user, Capability.CLAIM_HELP).is_empty
    )


def poster_compound_for(user: User | AnonymousUser, pk: Any) -> Place:
    """A compound in a community whose help the user manages (its poster may be printed)."""
    scope = scope_for(user, Capability.MANAGE_HELP)
    return get_for(Place.objects.filter(scope.q(), kind=PlaceKind.COMPOUND), pk, what="compound")
