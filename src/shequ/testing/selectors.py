"""Reads for mass testing: rounds and sites a user sees, who is in a round's scope, sampled,
exempt and missed, coverage per building / grid / community / street, and recall lists; one
`get_<model>_for` per model a page or the API fetches by id (404 out of sight,
docs/access.md), and the lists the pages show (missed people's outcomes, home-sampling
routes, the lab's transfers, a community's closed tubes)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection, connections, router
from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet
from django.http import Http404

from shequ.core.access import get_for
from shequ.core.replica import replica_reads
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.duty.changes import active_assignments
from shequ.mobilization.models import ACTIVE_STATES, Enlistment
from shequ.places.addresses import address_labels
from shequ.places.models import Place, PlaceKind
from shequ.places.selectors import get_place_for
from shequ.residents.models import HealthStatus, Resident
from shequ.testing import counts
from shequ.testing.models import (
    Exemption,
    Recall,
    Round,
    RoundStatus,
    Sample,
    Site,
    Station,
    Transfer,
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
    cached: list[str] | None = vars(round_).get("_scope_paths")
    if cached is None:
        cached = sorted(round_.places.values_list("path", flat=True))
        vars(round_)["_scope_paths"] = cached  # kept on this instance, like a cached_property
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
    def pk(self) -> int:
        """The place's id: a row is labelled like a place (places/addresses.py)."""
        return self.place_id

    @property
    def missed(self) -> int:
        return self.residents - self.sampled - self.exempt

    @property
    def percent(self) -> float:
        due = self.residents - self.exempt
        return round(100 * self.sampled / due, 1) if due else 100.0


LEVELS = (PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.GRID, PlaceKind.BUILDING)


def _per_building(
    round_: Round, residents: QuerySet[Resident]
) -> list[tuple[int, str, int, int, int]]:
    """(building id, its path, residents, sampled, exempt) for `residents`, in one pass: the
    residents joined to their households, LEFT JOINed to the round's first samples and its
    exemption rows (at most one of each per resident: `one_sample_per_round`,
    `one_exemption_per_round`), counted per building, then the buildings' paths. Exempt: not
    sampled, and an exemption row or in hospital / centralized isolation (once). At a
    million residents this reads each resident once (bench/README.md, "The HQ's today");
    grouped counts (all, then sampled through a semi-join, then the exempt) read them more."""
    q = connection.ops.quote_name
    inner, params = (
        residents.values(rid=F("pk"), bid=F("household__parent_id"), hs=F("health_status"))
        .order_by()
        .query.sql_with_params()
    )
    sample, exemption = q(Sample._meta.db_table), q(Exemption._meta.db_table)
    place = q(Place._meta.db_table)
    statuses = ", ".join(["%s"] * len(EXEMPT_STATUSES))
    # Only names from the models' metadata and the ORM's own SQL go into the text; values are
    # parameters.
    sql = f"""
        SELECT g.bid, b.path, g.n, g.s, g.e FROM (
            SELECT r.bid AS bid, COUNT(*) AS n, COUNT(s.resident_id) AS s,
                SUM(CASE WHEN s.resident_id IS NULL
                    AND (x.resident_id IS NOT NULL OR r.hs IN ({statuses}))
                    THEN 1 ELSE 0 END) AS e
            FROM ({inner}) AS r
            LEFT JOIN {sample} AS s
                ON s.round_id = %s AND s.retest = %s AND s.resident_id = r.rid
            LEFT JOIN {exemption} AS x ON x.round_id = %s AND x.resident_id = r.rid
            GROUP BY r.bid
        ) AS g JOIN {place} AS b ON b.id = g.bid
    """  # noqa: S608
    # On the replica when the caller reads from it (core/replica.py), as the ORM's reads do.
    with connections[router.db_for_read(Sample)].cursor() as cursor:
        cursor.execute(sql, (*EXEMPT_STATUSES, *params, round_.pk, False, round_.pk))
        return [tuple(row) for row in cursor.fetchall()]


@replica_reads()
def coverage(
    round_: Round, within: Place, level: str = PlaceKind.BUILDING, *, exact: bool = False
) -> list[Coverage]:
    """Residents, sampled, exempt and missed per place of `level` under `within` (a street,
    community, grid, compound or building), per building from the counts the database keeps
    (testing/counts.py) and summed up; `exact` counts every resident instead (the tests'
    reference: `_per_building`)."""
    base = scope_residents(round_, within)
    per_building: dict[int, dict[str, int]] = {}
    paths: dict[int, str] = {}
    by_tally = not exact and within.kind != PlaceKind.HOUSEHOLD
    found = counts.per_building(round_, within, base) if by_tally else _per_building(round_, base)
    for building_id, path, n, s, e in found:
        per_building[building_id] = {"n": n, "s": s, "e": int(e or 0)}
        paths[building_id] = path
    buildings = list(paths.items())
    targets = {
        p.path: Coverage(p.pk, p.name, p.kind, p.path)
        for p in Place.objects.filter(path__startswith=within.path, kind=level)
    }
    if within.kind == level:
        targets = {within.path: Coverage(within.pk, within.name, within.kind, within.path)}
    by_prefix: dict[str, Coverage] = targets
    for building_id, path in buildings:
        parts = path.strip("/").split("/")
        row = per_building[building_id]
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


def recall_members(recall: Recall) -> list[dict]:
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
    samples = list(samples)
    # Pooled tubes take people of several compounds: each member's address says which.
    addresses = address_labels(
        [s.resident.household for s in samples], within=[recall.tube.community]
    )
    return [
        {
            "resident": s.resident,
            "sample": s,
            "retests": retests[s.resident_id],
            "address": addresses.get(s.resident.household_id, ""),
        }
        for s in samples
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


def get_testing_place_for(user: User | AnonymousUser, pk: Any) -> Place:
    """A place the user sees testing in (the API's `place_id`); 404 otherwise."""
    place = get_place_for(user, pk)
    if not scope_for(user, Capability.VIEW_TESTING).covers(place):
        raise Http404("place")
    return place


def runs_testing_at(user: User | AnonymousUser, place: Place) -> bool:
    """Whether a page offers the round's work at `place` (door-to-door outcomes, home visits):
    the part of a round in the user's RUN_TESTING scope, not the whole round."""
    return scope_for(user, Capability.RUN_TESTING).covers(place)


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


# -- the home page ---------------------------------------------------------------------------


def stations_at_posts(post_ids: list[int]) -> list[Station]:
    """The stations of the open sites whose duty post is one of these (a sampler's shift
    there opens their station)."""
    if not post_ids:
        return []
    return list(
        Station.objects.filter(site__post_id__in=post_ids, site__active=True)
        .select_related("site")
        .order_by("site__name", "name")[:10]
    )


def transfers_waiting(user: User | AnonymousUser) -> dict[str, Any]:
    """Transfers to the user's lab not received yet: how many, and when the oldest was sent."""
    scope = scope_for(user, Capability.RECORD_RESULTS)
    if scope.is_empty:
        return {"n": 0, "oldest": None}
    return Transfer.objects.filter(scope.q("community"), received_at__isnull=True).aggregate(
        n=Count("id"), oldest=Min("sent_at")
    )


@dataclass
class Missed:
    round: Round
    community: Place
    n: int


def missed_counts(user: User | AnonymousUser, communities: list[Place]) -> list[Missed]:
    """For each of the communities (the first three), residents not yet sampled in each
    running round (the newest three) that covers it."""
    rounds = list(
        rounds_for(user).filter(status=RoundStatus.RUNNING).order_by("-starts_on", "-id")[:3]
    )
    found = []
    for community in communities[:3]:
        for round_ in rounds:
            paths = scope_paths(round_)
            if any(community.path.startswith(p) or p.startswith(community.path) for p in paths):
                found.append(Missed(round_, community, missed(round_, community).count()))
    return found
