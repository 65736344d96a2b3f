"""Reads for mass testing: rounds and sites a user sees, who is in a round's scope, sampled,
exempt and missed, coverage per building / grid / community / street, and recall lists."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404

from shequ.core.access import get_for
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.duty.changes import active_assignments
from shequ.mobilization.models import ACTIVE_STATES, Enlistment, Team
from shequ.places.models import Place, PlaceKind
from shequ.residents.models import HealthStatus, Resident
from shequ.testing.models import (
    DoorOutcome,
    DoorTask,
    Exemption,
    HomeStatus,
    HomeTask,
    Recall,
    Round,
    Sample,
    Site,
    Station,
    Transfer,
    Tube,
    TubeStatus,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User
    from shequ.core.scopes import Scope
    from shequ.duty.models import Post

# Residents with these statuses need not be sampled at a site (exempt without a row).
EXEMPT_STATUSES = (HealthStatus.HOSPITAL, HealthStatus.CENTRAL_ISOLATION)


def scope_paths(round_: Round) -> list[str]:
    """The materialized paths of the round's places (cached on the round)."""
    cached = getattr(round_, "_scope_paths", None)
    if cached is None:
        cached = sorted(round_.places.values_list("path", flat=True))
        round_._scope_paths = cached  # type: ignore[attr-defined]
    return cached


def in_scope(round_: Round, field: str = "household") -> Q:
    """Rows whose place (through `field`) lies in the round's scope."""
    q = Q(pk__in=[])
    for path in scope_paths(round_):
        q |= Q(**{f"{field}__path__startswith": path})
    return q


def path_in_scope(round_: Round, path: str) -> bool:
    return any(path.startswith(p) for p in scope_paths(round_))


def rounds_for(
    user: User | AnonymousUser, capability: str = Capability.VIEW_TESTING
) -> QuerySet[Round]:
    """Rounds with any place the user covers (or that cover the user's places)."""
    scope = scope_for(user, capability)
    if scope.is_empty:
        return Round.objects.none()
    q = Q(pk__in=[])
    for path in scope.paths:
        # The round covers part of my area, or my area lies inside the round.
        q |= Q(places__path__startswith=path)
        parts = [p for p in path.strip("/").split("/") if p]
        q |= Q(places__pk__in=[int(p) for p in parts])
    return Round.objects.filter(q).distinct()


def sampling_sites(user: User | AnonymousUser) -> QuerySet[Site]:
    """Sites where the user may sample: any in their testing scope, every site of a
    community they are on duty in, and sites whose post they have a shift at."""
    if not getattr(user, "is_authenticated", False):
        return Site.objects.none()
    here = Enlistment.objects.filter(staff__user=user, state__in=ACTIVE_STATES).values(
        "community_id"
    )
    planned = active_assignments().filter(staff__user=user).values("shift__post_id")
    allowed = (
        Q(community_id__in=here)
        | Q(post_id__in=planned)
        | scope_for(user, Capability.RUN_TESTING).q("community")
    )
    return Site.objects.filter(allowed, active=True).select_related("community")


def community_id_of(place: Place) -> int | None:
    """The id of the community a place lies in (itself when it is one)."""
    if place.kind == PlaceKind.COMMUNITY:
        return place.pk
    return (
        Place.objects.filter(pk__in=place.ancestor_ids(), kind=PlaceKind.COMMUNITY)
        .values_list("pk", flat=True)
        .first()
    )


def scope_residents(round_: Round, within: Place | None = None) -> QuerySet[Resident]:
    if within is not None and path_in_scope(round_, within.path):
        # All of `within` is in scope: one prefix match, which the planner estimates well.
        return Resident.objects.filter(household__path__startswith=within.path)
    qs = Resident.objects.filter(in_scope(round_))
    if within is not None:
        qs = qs.filter(household__path__startswith=within.path)
    return qs


def sampled_ids(round_: Round) -> QuerySet:
    return Sample.objects.filter(round=round_, retest=False).values("resident_id")


# Correlated EXISTS rather than `pk IN (subquery)`: PostgreSQL turns `NOT EXISTS` into an
# anti-join probing the (round, resident) index for just the residents asked about, where
# `NOT IN` hashes (or, past work_mem, rescans) every sample of the round.
def was_sampled(round_: Round) -> Exists:
    """True for a resident (the outer row) sampled in this round (retests not counted)."""
    return Exists(Sample.objects.filter(round=round_, retest=False, resident_id=OuterRef("pk")))


def exempt_q(round_: Round) -> Q:
    return Q(health_status__in=EXEMPT_STATUSES) | Q(
        Exists(Exemption.objects.filter(round=round_, resident_id=OuterRef("pk")))
    )


def missed(round_: Round, within: Place | None = None) -> QuerySet[Resident]:
    """Residents in scope (optionally within a place) neither sampled nor exempt."""
    return (
        scope_residents(round_, within)
        .filter(~was_sampled(round_))
        .exclude(exempt_q(round_))
        .select_related("household", "household__parent")
        .order_by("household__path", "name", "id")
    )


def exempt(round_: Round, within: Place | None = None) -> QuerySet[Resident]:
    """Residents in scope not sampled and exempt (a row, or hospital / centralized isolation)."""
    return scope_residents(round_, within).filter(~was_sampled(round_)).filter(exempt_q(round_))


def sampled(round_: Round, within: Place | None = None) -> QuerySet[Resident]:
    """Residents in scope sampled this round (retests not counted)."""
    return scope_residents(round_, within).filter(was_sampled(round_))


@dataclass
class Coverage:
    place_id: int
    name: str
    kind: str
    path: str
    residents: int = 0
    sampled: int = 0
    exempt: int = 0

    @property
    def missed(self) -> int:
        return self.residents - self.sampled - self.exempt

    @property
    def percent(self) -> float:
        due = self.residents - self.exempt
        return round(100 * self.sampled / due, 1) if due else 100.0


LEVELS = (PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.GRID, PlaceKind.BUILDING)


def coverage(round_: Round, within: Place, level: str = PlaceKind.BUILDING) -> list[Coverage]:
    """Residents, sampled, exempt and missed per place of `level` under `within` (a street,
    community, grid or compound), counted by the database per building and summed up."""
    base = scope_residents(round_, within)
    # Grouped counts, each a plain join the planner can walk by index: a per-row subquery
    # (IN or EXISTS) inside one aggregate makes PostgreSQL hash every sample of the round (or
    # probe per resident past work_mem) and, costed high, JIT-compile the query.
    per_building: dict[int, dict[str, int]] = defaultdict(lambda: {"n": 0, "s": 0, "e": 0})
    for building_id, n in (
        base.values("household__parent_id")
        .annotate(n=Count("*"))
        .order_by()
        .values_list("household__parent_id", "n")
    ):
        per_building[building_id]["n"] = n
    # Sampled (retests aside): a semi-join on the (round, resident) index.
    for building_id, n in (
        base.filter(was_sampled(round_))
        .values("household__parent_id")
        .annotate(n=Count("*"))
        .order_by()
        .values_list("household__parent_id", "n")
    ):
        per_building[building_id]["s"] = n
    # The exempt are few: those in hospital or centralized isolation and those with an
    # exemption row, each found by its own index, not sampled; a person in both counts once.
    not_sampled = base.filter(~was_sampled(round_))
    exempt_people = set(
        not_sampled.filter(health_status__in=EXEMPT_STATUSES).values_list(
            "pk", "household__parent_id"
        )
    ) | set(
        not_sampled.filter(
            pk__in=Exemption.objects.filter(round=round_).values("resident_id")
        ).values_list("pk", "household__parent_id")
    )
    for _pk, building_id in exempt_people:
        per_building[building_id]["e"] += 1
    counts = per_building
    buildings = Place.objects.filter(pk__in=counts).values_list("pk", "path")
    targets = {
        p.path: Coverage(p.pk, p.name, p.kind, p.path)
        for p in Place.objects.filter(path__startswith=within.path, kind=level)
    }
    if within.kind == level:
        targets = {within.path: Coverage(within.pk, within.name, within.kind, within.path)}
    by_prefix: dict[str, Coverage] = targets
    for building_id, path in buildings:
        parts = path.strip("/").split("/")
        row = counts[building_id]
        for depth in range(1, len(parts) + 1):
            prefix = "/" + "/".join(parts[:depth]) + "/"
            c = by_prefix.get(prefix)
            if c is not None:
                c.residents += row["n"]
                c.sampled += row["s"]
                c.exempt += row["e"]
                break
    return sorted(by_prefix.values(), key=lambda c: c.path)


def totals(rows: list[Coverage]) -> Coverage:
    total = Coverage(0, "", "", "")
    for r in rows:
        total.residents += r.residents
        total.sampled += r.sampled
        total.exempt += r.exempt
    return total


def recall_members(recall) -> list[dict]:  # type: ignore[no-untyped-def]
    """The members of a recalled tube with their household, building and retest state."""
    samples = (
        Sample.objects.filter(tube=recall.tube, retest=False)
        .select_related("resident", "resident__household", "resident__household__parent")
        .order_by("resident__household__path", "resident__name")
    )
    retests = defaultdict(list)
    for s in Sample.objects.filter(
        round=recall.round, retest=True, resident__in=[x.resident_id for x in samples]
    ).select_related("tube"):
        retests[s.resident_id].append(s)
    return [
        {"resident": s.resident, "sample": s, "retests": retests[s.resident_id]} for s in samples
    ]


# -- one object by id, for the pages and the API (docs/access.md: 404 out of sight) ---------


def get_round_for(
    user: User | AnonymousUser, pk: Any, capability: str = Capability.VIEW_TESTING
) -> Round:
    """The round with id `pk` among those with a place in the user's `capability` scope; 404
    for any other id (never says it exists)."""
    return get_for(rounds_for(user, capability), pk, what="round")


def get_recall_for(user: User | AnonymousUser, pk: Any) -> Recall:
    """A recall of a tube of a community the user sees testing in; 404 otherwise."""
    scope = scope_for(user, Capability.VIEW_TESTING)
    recalls = Recall.objects.filter(scope.q("tube__community")).select_related(
        "tube", "round", "tube__community"
    )
    return get_for(recalls, pk, what="recall")


def get_station_for(user: User | AnonymousUser, pk: Any) -> Station:
    """A station of a site where the user may sample (`sampling_sites`); 404 otherwise."""
    stations = Station.objects.filter(site__in=sampling_sites(user)).select_related(
        "site", "site__community"
    )
    return get_for(stations, pk, what="station")


def get_home_task_for(user: User | AnonymousUser, pk: Any) -> HomeTask:
    """A home-sampling task in the user's RUN_TESTING places, or given to a team they are in;
    404 otherwise."""
    scope = scope_for(user, Capability.RUN_TESTING)
    tasks = HomeTask.objects.filter(
        scope.q("building") | Q(team__members__staff__user=user)
    ).select_related("round", "resident", "resident__household", "building")
    return get_for(tasks.distinct(), pk, what="home task")


def get_transfer_for(user: User | AnonymousUser, pk: Any, *, pending: bool = False) -> Transfer:
    """A transfer to a lab that records results for its community (with `pending`, one not
    received yet); 404 otherwise."""
    transfers = Transfer.objects.filter(scope_for(user, Capability.RECORD_RESULTS).q("community"))
    if pending:
        transfers = transfers.filter(received_at__isnull=True)
    return get_for(transfers, pk, what="transfer")


def get_site_for(user: User | AnonymousUser, pk: Any) -> Site:
    """A site where the user may sample, with its stations; 404 otherwise."""
    return get_for(sampling_sites(user).prefetch_related("stations"), pk, what="site")


def get_post_of(community: Place, pk: Any) -> Post:
    """A duty post of `community` (a site may name the post whose shifts sample there)."""
    from shequ.duty.models import Post

    return get_for(Post.objects.filter(community=community), pk, what="post")


def round_place(round_: Round, scope: Scope, value: Any, kind: str | None = None) -> Place | None:
    """The place named by a page's parameter (`?place=`, `?building=`): None when the
    parameter is empty; 404 unless it is a place (of `kind`) in the user's scope that lies in
    the round or holds part of it."""
    if value in (None, ""):
        return None
    if not str(value).isdigit():
        raise Http404("place")
    place = Place.objects.filter(scope.q(), pk=int(value)).select_related("parent").first()
    if place is None or (kind and place.kind != kind):
        raise Http404("place")
    inside = path_in_scope(round_, place.path)
    around = any(p.startswith(place.path) for p in scope_paths(round_))
    if not (inside or around):
        raise Http404("place")
    return place


def get_round_resident_for(round_: Round, scope: Scope, pk: Any) -> Resident:
    """A resident of the round's places whose household lies in `scope`; 404 otherwise."""
    residents = (
        Resident.objects.filter(scope.q("household"))
        .filter(in_scope(round_))
        .select_related("household", "household__parent")
    )
    return get_for(residents, pk, what="resident")


# -- lists the pages show --------------------------------------------------------------------


def rounds_with_places(user: User | AnonymousUser, status: str | None = None) -> QuerySet[Round]:
    """The rounds the user sees (with their places), newest first; of one status if given."""
    rounds = rounds_for(user).prefetch_related("places")
    return rounds.filter(status=status) if status else rounds


def sites_with_stations(user: User | AnonymousUser) -> QuerySet[Site]:
    """The sites where the user may sample, with their stations, by community and name."""
    return (
        sampling_sites(user).prefetch_related("stations").order_by("community__path", "name", "id")
    )


def may_sample_somewhere(user: User | AnonymousUser) -> bool:
    return sampling_sites(user).exists()


def places_of_kinds(scope: Scope, kinds: Sequence[str], limit: int) -> list[Place]:
    """The places of `kinds` in `scope` in tree order, at most `limit` (a form's choices)."""
    return list(Place.objects.filter(scope.q(), kind__in=kinds).order_by("path")[:limit])


def crumbs(within: Place, scope: Scope) -> list[Place]:
    """The places above `within` (and itself) that lie in `scope`, from the top."""
    above = Place.objects.filter(pk__in=within.ancestor_ids()).order_by("depth")
    return [p for p in above if scope.covers(p)]


def latest_outcomes(round_: Round, residents: Sequence[Resident]) -> dict[int, DoorOutcome]:
    """Each resident's latest door-to-door outcome in the round."""
    latest: dict[int, DoorOutcome] = {}
    for row in DoorOutcome.objects.filter(
        task__round=round_, resident__in=[r.pk for r in residents]
    ).order_by("resident_id", "-at", "-id"):
        latest.setdefault(row.resident_id, row)
    return latest


def home_requested(round_: Round, residents: Sequence[Resident]) -> set[int]:
    """The ids of these residents with an open home-sampling task in the round."""
    return set(
        HomeTask.objects.filter(
            round=round_, resident__in=residents, status=HomeStatus.OPEN
        ).values_list("resident_id", flat=True)
    )


def door_task_of(round_: Round, building: Place) -> DoorTask | None:
    return DoorTask.objects.filter(round=round_, building=building).first()


def home_route_buildings(round_: Round, scope: Scope) -> list[int]:
    """The buildings (ids, in tree order) with open home-sampling tasks in `scope`."""
    tasks = HomeTask.objects.filter(scope.q("building"), round=round_, status=HomeStatus.OPEN)
    return list(tasks.order_by("building__path").values_list("building_id", flat=True).distinct())


@dataclass
class Route:
    """One building's open home-sampling tasks and the teams of its community."""

    building: Place
    tasks: list[HomeTask]
    teams: list[Team]


def home_routes(round_: Round, scope: Scope, building_ids: Sequence[int]) -> list[Route]:
    """A route per building of `building_ids` (in that order): its open tasks in `scope` with
    their resident and team, and the teams its community may give them to."""
    buildings = {
        b.pk: b for b in Place.objects.filter(pk__in=list(building_ids)).select_related("parent")
    }
    tasks = HomeTask.objects.filter(
        scope.q("building"),
        round=round_,
        status=HomeStatus.OPEN,
        building_id__in=list(buildings),
    ).select_related("resident", "resident__household", "team", "team__leader")
    communities = {
        c.path: c
        for c in Place.objects.filter(
            kind=PlaceKind.COMMUNITY,
            pk__in={a for b in buildings.values() for a in b.ancestor_ids()},
        )
    }
    teams_by_community: dict[int, list[Team]] = {}
    for team in Team.objects.filter(community__in=communities.values()).select_related("leader"):
        teams_by_community.setdefault(team.community_id, []).append(team)
    routes: dict[int, Route] = {}
    for b_id in building_ids:
        b = buildings[b_id]
        community = next((c for p, c in communities.items() if b.path.startswith(p)), None)
        teams = teams_by_community.get(community.pk, []) if community else []
        routes[b_id] = Route(building=b, tasks=[], teams=teams)
    for t in tasks:
        routes[t.building_id].tasks.append(t)
    return list(routes.values())


def community_team(building: Place, team_id: Any) -> Team | None:
    """The team `team_id` of the building's community, or None."""
    if not str(team_id).isdigit():
        return None
    return Team.objects.filter(community_id=community_id_of(building), pk=int(team_id)).first()


def open_home_tasks(round_: Round, building: Place) -> list[HomeTask]:
    return list(HomeTask.objects.filter(round=round_, building=building, status=HomeStatus.OPEN))


def lab_rounds(user: User | AnonymousUser) -> list[Round]:
    """The 50 newest rounds the user records results for."""
    rounds = rounds_for(user, Capability.RECORD_RESULTS).order_by("-starts_on", "-id")
    return list(rounds[:50])


def lab_pending(scope: Scope) -> QuerySet[Transfer]:
    """Transfers to the lab not received yet, oldest first (a queryset: the page slices it)."""
    return (
        Transfer.objects.filter(scope.q("community"), received_at__isnull=True)
        .select_related("round", "community")
        .order_by("sent_at", "id")
    )


def lab_received(scope: Scope, limit: int = 10) -> list[Transfer]:
    """The latest transfers the lab received."""
    return list(
        Transfer.objects.filter(scope.q("community"), received_at__isnull=False)
        .select_related("round", "community")
        .order_by("-received_at")[:limit]
    )


def transfer_communities(user: User | AnonymousUser, round_: Round) -> list[Place]:
    """The communities the user runs testing for that lie in the round (or hold part of it),
    by name: where they pack tubes for the lab."""
    run = scope_for(user, Capability.RUN_TESTING)
    if run.is_empty:
        return []
    return [
        c
        for c in Place.objects.filter(run.q(), kind=PlaceKind.COMMUNITY).order_by("name")[:200]
        if path_in_scope(round_, c.path) or any(p.startswith(c.path) for p in scope_paths(round_))
    ]


def closed_tubes(round_: Round, community: Place, limit: int = 2000) -> list[Tube]:
    """The community's closed tubes of the round not sent yet, with their number of swabs."""
    return list(
        Tube.objects.filter(round=round_, community=community, status=TubeStatus.CLOSED)
        .annotate(swabs=Count("samples"))
        .order_by("closed_at", "barcode")[:limit]
    )


def transfers_of(round_: Round, community: Place, limit: int = 100) -> list[Transfer]:
    """The community's transfers of the round, newest first."""
    transfers = Transfer.objects.filter(round=round_, community=community).order_by("-sent_at")
    return list(transfers[:limit])
