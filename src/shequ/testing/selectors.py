"""Reads for mass testing: rounds and sites a user sees, who is in a round's scope, sampled,
exempt and missed, coverage per building / grid / community / street, and recall lists."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.duty.changes import active_assignments
from shequ.mobilization.models import ACTIVE_STATES, Enlistment
from shequ.places.models import Place, PlaceKind
from shequ.residents.models import HealthStatus, Resident
from shequ.testing.models import Exemption, Round, Sample, Site

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User

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
