"""Reads used only by the testing pages: what a sampling station keeps on the phone for
offline work (running rounds over its community, the residents they cover there without full
ID numbers, its open tubes) and who may take it, the figures of a round's dashboard (tubes by
status, sample→result turnaround) narrowed to the places the user sees, and the lists the
pages show (the lab's transfers, a community's closed tubes). Reads the API shares with the
pages are in `selectors`."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.bidi import neutral
from shequ.core.errors import PermissionDenied
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.duty.selectors import OFFLINE_DATA_LEAD, on_duty_at_until
from shequ.places.models import Place, PlaceKind
from shequ.residents.models import Resident, watch_tags
from shequ.testing import selectors
from shequ.testing.models import (
    Outcome,
    Recall,
    Round,
    RoundStatus,
    Sample,
    Station,
    Transfer,
    Tube,
    TubeResult,
    TubeStatus,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User
    from shequ.core.scopes import Scope

# The models' labels carry a context ("door outcome", "tube status"): the bare words already
# mean other things in the catalogue (an order open for sign-up, a refused import, …).
OUTCOME_LABELS = dict(Outcome.choices)
TUBE_STATUS_LABELS = dict(TubeStatus.choices)

# The level a drill-down shows under a place of each kind.
NEXT_LEVEL = {
    PlaceKind.CITY: PlaceKind.STREET,
    PlaceKind.DISTRICT: PlaceKind.STREET,
    PlaceKind.STREET: PlaceKind.COMMUNITY,
    PlaceKind.COMMUNITY: PlaceKind.GRID,
    PlaceKind.GRID: PlaceKind.BUILDING,
    PlaceKind.COMPOUND: PlaceKind.BUILDING,
    PlaceKind.BUILDING: PlaceKind.BUILDING,
}


def overlap_q(community: Place) -> Q:
    """Rounds whose scope covers the community or lies inside it."""
    parts = [int(p) for p in community.path.strip("/").split("/") if p]
    return Q(places__path__startswith=community.path) | Q(places__pk__in=parts)


def running_rounds(community: Place) -> QuerySet[Round]:
    """Running rounds over (part of) a community, newest first."""
    return (
        Round.objects.filter(overlap_q(community), status=RoundStatus.RUNNING)
        .distinct()
        .order_by("-starts_on", "-id")
    )


def station_snapshot_until(user: User | AnonymousUser, station: Station) -> dt.datetime | None:
    """Whether `user` may take the station's residents list now, and until when: those who
    run testing in the site's community at any time (None); anyone else only while on a shift
    at the site's post (from OFFLINE_DATA_LEAD before it to its end: the end is returned).
    PermissionDenied otherwise: sampling there (a station anyone on duty in the community may
    use) does not take the list of its residents home."""
    site = station.site
    if scope_for(user, Capability.RUN_TESTING).covers(site.community):
        return None
    until = None
    if site.post_id is not None:
        until = on_duty_at_until(user, site.post, at=timezone.now())
    if until is None:
        raise PermissionDenied(
            _(
                "You have no shift at %(site)s now: its residents list comes to your phone "
                "from %(minutes)d minutes before your shift there until it ends."
            )
            % {"site": site.name, "minutes": OFFLINE_DATA_LEAD.seconds // 60}
        )
    return until


def station_snapshot(station: Station, *, until: dt.datetime | None = None) -> dict[str, Any]:
    """What a station's phone keeps to work offline: the running rounds over its community
    (with who was sampled already), the residents those rounds cover in the community (id,
    name, last 4 of the ID number, building and household — never the full number, nor a
    phone) and the tubes open here. `until`: when the phone must drop it."""
    community = station.site.community
    rounds = list(running_rounds(community))
    covered = Q(pk__in=[])
    for round_ in rounds:
        covered |= selectors.in_scope(round_)
    residents = (
        Resident.objects.filter(covered, household__path__startswith=community.path)
        .select_related("household", "household__parent")
        .only(
            "pk",
            "name",
            "document_number",
            "tags",
            "household__name",
            "household__path",
            "household__parent__name",
        )
        .order_by("household__path", "name")
    )
    sampled = {r.pk: [] for r in rounds}
    for round_id, resident_id in Sample.objects.filter(
        round__in=rounds, retest=False, resident__household__path__startswith=community.path
    ).values_list("round_id", "resident_id"):
        sampled[round_id].append(resident_id)
    tubes = (
        Tube.objects.filter(round__in=rounds, station=station, status=TubeStatus.OPEN)
        .annotate(n=Count("samples"))
        .values("round_id", "barcode", "pool_size", "n")
    )
    return {
        "station_id": station.pk,
        "generated_at": timezone.now().isoformat(),
        "rounds": [
            {"id": r.pk, "name": r.name, "pool_size": r.pool_size, "sampled": sampled[r.pk]}
            for r in rounds
        ],
        "residents": [
            {
                "id": r.pk,
                "name": neutral(r.name),  # shown by the station's script: no bidi controls
                "last4": (r.document_number or "")[-4:],
                "building": r.household.parent.name if r.household.parent else "",
                "household": r.household.name,
                "tags": watch_tags(r.tags),  # at risk: badges by the name (station.js)
            }
            for r in residents
        ],
        "open_tubes": list(tubes),
        "expires_at": until.isoformat() if until else None,
    }


def within_choices(round_: Round, scope: Scope) -> list[Place]:
    """Where a user's view of a round starts: the round's places they cover, else the roots of
    their own area that lie in the round."""
    mine = [p for p in round_.places.order_by("path") if scope.covers(p)]
    if mine:
        return mine
    roots = Place.objects.filter(path__in=scope.paths).order_by("path")
    return [p for p in roots if selectors.path_in_scope(round_, p.path)]


@dataclass
class TubeFigures:
    by_status: list[tuple[str, str, int]]  # (status, label, count)
    total: int
    results: dict[str, int]
    median_hours: float | None
    p90_hours: float | None
    resulted: int


def tube_figures(round_: Round, scope: Scope) -> TubeFigures:
    """Tubes of the round in the user's places by status and result, and the hours from the
    first swab into a tube to its result (median and 90th percentile of resulted tubes)."""
    tubes = Tube.objects.filter(scope.q("community"), round=round_)
    counts = dict(
        tubes.values("status").annotate(n=Count("id")).order_by().values_list("status", "n")
    )
    by_status = [
        (s.value, str(TUBE_STATUS_LABELS[s.value]), counts.get(s.value, 0)) for s in TubeStatus
    ]
    results = dict(
        tubes.exclude(result="")
        .values("result")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("result", "n")
    )
    hours = sorted(
        (done - first).total_seconds() / 3600
        for done, first in tubes.filter(status=TubeStatus.RESULTED, result_at__isnull=False)
        .annotate(first=Min("samples__sampled_at"))
        .exclude(first=None)
        .values_list("result_at", "first")
    )
    median = round(statistics.median(hours), 1) if hours else None
    p90 = round(hours[max(0, math.ceil(0.9 * len(hours)) - 1)], 1) if hours else None
    return TubeFigures(
        by_status=by_status,
        total=sum(counts.values()),
        results={r.value: results.get(r.value, 0) for r in TubeResult if r.value},
        median_hours=median,
        p90_hours=p90,
        resulted=len(hours),
    )


@dataclass
class RecallLine:
    recall: Recall
    members: int
    retested: int


def recall_lines(round_: Round, scope: Scope) -> QuerySet[Recall]:
    """The round's recalls in the user's places, newest first (a queryset: pages slice it)."""
    return (
        Recall.objects.filter(scope.q("tube__community"), round=round_)
        .select_related("tube", "tube__community")
        .order_by("-created_at", "-id")
    )


def with_counts(recalls: list[Recall]) -> list[RecallLine]:
    """Each recall with its members and how many of them were retested since."""
    if not recalls:
        return []
    members: dict[int, set[int]] = {r.tube_id: set() for r in recalls}
    for tube_id, resident_id in Sample.objects.filter(
        tube_id__in=list(members), retest=False
    ).values_list("tube_id", "resident_id"):
        members[tube_id].add(resident_id)
    everyone = set().union(*members.values())
    retested = set(
        Sample.objects.filter(
            round_id__in={r.round_id for r in recalls}, retest=True, resident_id__in=everyone
        ).values_list("resident_id", flat=True)
    )
    return [
        RecallLine(r, len(members[r.tube_id]), len(members[r.tube_id] & retested)) for r in recalls
    ]


# -- lists the pages show --------------------------------------------------------------------


def places_of_kinds(scope: Scope, kinds: Sequence[str], limit: int) -> list[Place]:
    """The places of `kinds` in `scope` in tree order, at most `limit` (a form's choices)."""
    return list(Place.objects.filter(scope.q(), kind__in=kinds).order_by("path")[:limit])


def crumbs(within: Place, scope: Scope) -> list[Place]:
    """The places above `within` (and itself) that lie in `scope`, from the top."""
    above = Place.objects.filter(pk__in=within.ancestor_ids()).order_by("depth")
    return [p for p in above if scope.covers(p)]


def lab_rounds(user: User | AnonymousUser) -> list[Round]:
    """The 50 newest rounds the user records results for."""
    rounds = selectors.rounds_for(user, Capability.RECORD_RESULTS).order_by("-starts_on", "-id")
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
        if selectors.path_in_scope(round_, c.path)
        or any(p.startswith(c.path) for p in selectors.scope_paths(round_))
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
