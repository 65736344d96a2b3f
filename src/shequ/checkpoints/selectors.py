"""Reads for checkpoints, always narrowed to what the acting user may see: the gates a user
guards, communities, entry passes and the places they are issued for, gate rules' versions, the
passage log, and the figures (per gate per hour, who went
out, who is not back). The gate page's offline data is `snapshot.py`'s.

One `get_<model>_for` per model fetched by id (gate, pass, passage, community), used by the
pages and the API alike: 404 out of sight, 403 with the reason when seen but not allowed."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.checkpoints.decisions import changed_rules, rules_with_defaults
from shequ.checkpoints.models import Decision, Direction, EntryPass, GateRules, Passage, PassStatus
from shequ.core.access import get_for, require
from shequ.core.bidi import neutral
from shequ.core.errors import PermissionDenied
from shequ.core.models import AuditEvent
from shequ.core.roles import Capability
from shequ.core.scopes import Scope, scope_for
from shequ.duty.changes import active_assignments
from shequ.duty.models import Post, PostKind
from shequ.mobilization.models import ACTIVE_STATES, Enlistment
from shequ.places.addresses import address_labels
from shequ.places.models import Place, PlaceKind
from shequ.residents.models import Resident

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User


def gates_for(user: User | AnonymousUser) -> QuerySet[Post]:
    """Gates where the user may record passages: any in their scope for guarding gates, every
    gate of a community they are on duty in, and gates where they have a published shift."""
    if not getattr(user, "is_authenticated", False):
        return Post.objects.none()
    here = Enlistment.objects.filter(staff__user=user, state__in=ACTIVE_STATES).values(
        "community_id"
    )
    planned = active_assignments().filter(staff__user=user).values("shift__post_id")
    allowed = (
        Q(community_id__in=here)
        | Q(pk__in=planned)
        | scope_for(user, Capability.GUARD_GATES).q("community")
    )
    return (
        Post.objects.filter(allowed, kind=PostKind.CHECKPOINT, active=True)
        .select_related("community", "place")
        .order_by("community__name", "name")
    )


def get_gate_for(user: User | AnonymousUser, pk: Any) -> Post:
    """A gate where the user may record passages; 404 for any other."""
    return get_for(gates_for(user), pk, what="gate")


# -- communities ----------------------------------------------------------------------------


def communities_for(
    user: User | AnonymousUser, capability: str = Capability.VIEW_PASSAGES, *, by: str = "name"
) -> QuerySet[Place]:
    """The communities in the user's scope for `capability`, ordered `by` name or path."""
    return (
        Place.objects.filter(scope_for(user, capability).q(), kind=PlaceKind.COMMUNITY)
        .select_related("parent")
        .order_by(by)
    )


def get_community_for(
    user: User | AnonymousUser, pk: Any, capability: str = Capability.VIEW_PASSAGES
) -> Place:
    """A community whose passages and gate rules the user sees (404 for any other), for an
    action needing `capability` there (403 with the reason)."""
    community = get_for(communities_for(user), pk, what="community")
    if capability != Capability.VIEW_PASSAGES:
        require(user, capability, community)
    return community


# -- entry passes ---------------------------------------------------------------------------


def passes_for(user: User | AnonymousUser) -> QuerySet[EntryPass]:
    """Entry passes of households the user issues passes for."""
    return EntryPass.objects.filter(
        scope_for(user, Capability.ISSUE_PASSES).q("household")
    ).select_related("household", "household__parent")


def _with_holders(qs: QuerySet[EntryPass]) -> QuerySet[EntryPass]:
    return qs.select_related("community", "household__parent__parent").prefetch_related(
        Prefetch("holders", queryset=Resident.objects.order_by("id").only("id", "name"))
    )


def get_pass_for(user: User | AnonymousUser, pk: Any) -> EntryPass:
    """An entry pass the user issues, with its holders; 404 for any other."""
    return get_for(_with_holders(passes_for(user)), pk, what="pass")


def issuer_scope(user: User | AnonymousUser) -> Scope:
    """The places the user issues passes for; 403 for anyone who issues none."""
    scope = scope_for(user, Capability.ISSUE_PASSES)
    if scope.is_empty:
        raise PermissionDenied(_("Your role does not issue entry passes."))
    return scope


def issued_places(user: User | AnonymousUser, kind: str) -> QuerySet[Place]:
    """Places of `kind` the user issues passes for, by path (403 for anyone who issues none)."""
    return (
        Place.objects.filter(issuer_scope(user).q(), kind=kind)
        .select_related("parent")
        .order_by("path")
    )


def get_issued_place_for(user: User | AnonymousUser, pk: Any, kind: str) -> Place:
    """The place of `kind` with id `pk` the user issues passes for: 403 for anyone who issues
    none, 404 for any other place (never says it exists)."""
    return get_for(issued_places(user, kind), pk, what=kind)


def pass_buildings(user: User | AnonymousUser, community: Place | None) -> QuerySet[Place]:
    """The buildings the user issues passes for (in `community` when given), by path."""
    buildings = issued_places(user, PlaceKind.BUILDING)
    if community is not None:
        buildings = buildings.filter(path__startswith=community.path)
    return buildings


def pass_list(
    user: User | AnonymousUser,
    *,
    community: Place | None = None,
    building: Place | None = None,
    status: str = "",
    text: str = "",
) -> QuerySet[EntryPass]:
    """Passes the user issues, of a building or else a community, with a status, whose
    household's name or code or a holder's name matches `text`; by household, with holders."""
    qs = passes_for(user)
    if building is not None:
        qs = qs.filter(household__parent=building)
    elif community is not None:
        qs = qs.filter(community=community)
    if status:
        qs = qs.filter(status=status)
    if text:
        qs = qs.filter(
            Q(household__name__icontains=text)
            | Q(household__code__istartswith=text)
            | Q(pk__in=EntryPass.objects.filter(holders__name__icontains=text).values("pk"))
        )
    return _with_holders(qs).order_by("household__path")


def passes_by_id(
    user: User | AnonymousUser, community_id: int | None = None
) -> QuerySet[EntryPass]:
    """Passes the user issues (of one community when given), by id, with their holders."""
    qs = passes_for(user).prefetch_related("holders").order_by("pk")
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    return qs


def active_passes(user: User | AnonymousUser, building: Place) -> QuerySet[EntryPass]:
    """The active passes of a building's households the user issues, by household."""
    return _with_holders(
        passes_for(user).filter(household__parent=building, status=PassStatus.ACTIVE)
    ).order_by("household__path")


def households_without_pass(building: Place) -> QuerySet[Place]:
    """The building's households that have no pass yet, by path."""
    return Place.objects.filter(
        parent=building, kind=PlaceKind.HOUSEHOLD, entry_pass__isnull=True
    ).order_by("path")


def pass_of_household(household: Place) -> EntryPass | None:
    return EntryPass.objects.filter(household=household).first()


def household_residents(household: Place) -> list[Resident]:
    """The residents of a household (who may hold its pass), in the order registered."""
    return list(Resident.objects.filter(household=household).order_by("id"))


def residents_by_id(ids: list[int], *, community: Place) -> list[Resident]:
    """The residents with these ids living in `community` (the pass's); 404 when any is unknown
    or lives elsewhere: the answer never names a resident of a place the issuer cannot see."""
    found = list(Resident.objects.filter(pk__in=ids, household__path__startswith=community.path))
    if len(found) != len(set(ids)):
        raise Http404("resident")
    return found


def pass_history(entry_pass: EntryPass, limit: int = 50) -> list[AuditEvent]:
    """The audit rows of a pass (issued, revoked, lost, reissued), newest first."""
    return list(
        AuditEvent.objects.filter(object_type="checkpoints.entrypass", object_id=str(entry_pass.pk))
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )


# -- gate rules -----------------------------------------------------------------------------


def rules_versions(community: Place) -> QuerySet[GateRules]:
    """Every version of a community's gate rules, newest first, with who set it."""
    return (
        GateRules.objects.filter(community=community).select_related("set_by").order_by("-version")
    )


def rules_in_force(community: Place) -> GateRules | None:
    """The community's latest version of its gate rules (None: the defaults, never changed)."""
    return rules_versions(community).first()


def may_set_rules(user: User | AnonymousUser, community: Place) -> bool:
    """Whether the rules page offers to change the community's gate rules."""
    return scope_for(user, Capability.ISSUE_PASSES).covers(community)


def rules_communities(user: User | AnonymousUser) -> QuerySet[Place]:
    """The communities whose gate rules the user sees, by path; 403 for anyone who sees none."""
    if scope_for(user, Capability.VIEW_PASSAGES).is_empty:
        raise PermissionDenied(_("Your role does not see gate rules."))
    return communities_for(user, by="path")


def rules_changes(community: Place, rows: list[GateRules]) -> list[tuple[GateRules, list[str]]]:
    """Each of these versions (newest first, as given) with the rules it changed from the
    version before it (keys in DEFAULT_RULES order)."""
    if not rows:
        return []
    oldest = rows[-1].version
    before_row = (
        GateRules.objects.filter(community=community, version__lt=oldest)
        .order_by("-version")
        .first()
    )
    previous = rules_with_defaults(before_row.rules if before_row else None)
    out = []
    for row in reversed(rows):
        full = rules_with_defaults(row.rules)
        out.append((row, changed_rules(previous, full)))
        previous = full
    out.reverse()
    return out


# -- the passage log ------------------------------------------------------------------------


def passages_for(user: User | AnonymousUser) -> QuerySet[Passage]:
    """The passage log of the communities the user sees passages for."""
    return Passage.objects.filter(scope_for(user, Capability.VIEW_PASSAGES).q("community"))


def passage_log(
    user: User | AnonymousUser,
    *,
    community_id: int | None = None,
    gate_id: int | None = None,
    day: dt.date | None = None,
    decision: str | None = None,
    alert: bool | None = None,
    disagrees: bool | None = None,
    direction: str | None = None,
) -> QuerySet[Passage]:
    """The passage log the user sees, newest first, narrowed by whichever filters are given
    (`day`: the local day of the device's time)."""
    qs = passages_for(user).select_related(
        "gate", "resident__household", "entry_pass__household", "recorded_by"
    )
    if community_id is not None:
        qs = qs.filter(community_id=community_id)
    if gate_id is not None:
        qs = qs.filter(gate_id=gate_id)
    if day is not None:
        qs = qs.filter(device_time__range=local_day_bounds(day))
    if decision:
        qs = qs.filter(decision=decision)
    if alert is not None:
        qs = qs.filter(alert=alert)
    if disagrees is not None:
        qs = qs.filter(disagrees=disagrees)
    if direction:
        qs = qs.filter(direction=direction)
    return qs.order_by("-device_time", "-id")


def home_of(passage: Passage) -> Place | None:
    """The household a passage is about: the resident's, else the pass's (none for visitors
    and vehicles). Select resident__household and entry_pass__household with the passages."""
    if passage.resident_id is not None:
        return passage.resident.household
    if passage.entry_pass_id is not None:
        return passage.entry_pass.household
    return None


def corrected_among(passages: list[Passage]) -> set[int]:
    """The ids of these passages that a later passage corrects."""
    return set(
        Passage.objects.filter(corrects__in=[p.pk for p in passages]).values_list(
            "corrects_id", flat=True
        )
    )


def get_passage_for(user: User | AnonymousUser, pk: Any) -> Passage:
    """A passage of a community whose log the user sees (404 for any other), with what its
    page shows."""
    return get_for(
        passages_for(user).select_related(
            "gate",
            "resident__household",
            "entry_pass__household",
            "recorded_by",
            "corrects",
        ),
        pk,
        what="passage",
    )


def corrections_of(passage: Passage) -> list[Passage]:
    """The passages recorded later to correct this one, oldest first."""
    return list(passage.corrections.select_related("recorded_by").order_by("server_time"))


def today_counts(user: User | AnonymousUser) -> dict[str, int]:
    """Today's passages the user sees: in all, refused, with an alert, with a disagreement."""
    start, end = local_day_bounds(timezone.localdate())
    return (
        passages_for(user)
        .filter(device_time__gte=start, device_time__lt=end)
        .aggregate(
            total=Count("id"),
            refused=Count("id", filter=Q(decision=Decision.REFUSE)),
            alerts=Count("id", filter=Q(alert=True)),
            disagree=Count("id", filter=Q(disagrees=True)),
        )
    )


def local_day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


@dataclass(frozen=True)
class GateHour:
    gate_id: int
    gate: str
    hour: dt.datetime  # local
    passages_in: int
    passages_out: int
    refused: int


def gate_hours(community: Place, day: dt.date) -> list[GateHour]:
    """Passages in and out and refusals per gate per local hour of `day` (corrected rows
    count once: a row that a later row corrects is left out)."""
    start, end = local_day_bounds(day)
    rows = (
        Passage.objects.filter(community=community, device_time__gte=start, device_time__lt=end)
        .exclude(pk__in=Passage.objects.filter(corrects__isnull=False).values("corrects_id"))
        .values_list("gate_id", "gate__name", "device_time", "direction", "decision")
    )
    counts: dict[tuple[int, str, dt.datetime], list[int]] = defaultdict(lambda: [0, 0, 0])
    for gate_id, name, when, direction, decision in rows:
        hour = timezone.localtime(when).replace(minute=0, second=0, microsecond=0)
        c = counts[(gate_id, name, hour)]
        if decision == Decision.REFUSE:
            c[2] += 1
        elif direction == Direction.IN:
            c[0] += 1
        else:
            c[1] += 1
    return [
        GateHour(gate_id, name, hour, *c)
        for (gate_id, name, hour), c in sorted(counts.items(), key=lambda kv: (kv[0][1], kv[0][2]))
    ]


@dataclass(frozen=True)
class Outing:
    resident_id: int
    name: str
    household: str
    building: str
    went_out: dt.datetime
    came_back: dt.datetime | None
    address: str = ""  # "甲小区 1号楼 101室" (places/addresses.py)


def outings(community: Place, first_day: dt.date, last_day: dt.date | None = None) -> list[Outing]:
    """Residents allowed out through the community's gates from `first_day` to `last_day`
    (default: that one day), each with their last time out and when they came back after it
    (None: not back yet), in the order they went out."""
    start = local_day_bounds(first_day)[0]
    end = local_day_bounds(last_day or first_day)[1]
    corrected = Passage.objects.filter(corrects__isnull=False).values("corrects_id")
    passages = (
        Passage.objects.filter(
            community=community,
            resident__isnull=False,
            decision=Decision.ALLOW,
            device_time__gte=start,
        )
        .exclude(pk__in=corrected)
        .order_by("device_time", "id")
        .values_list("resident_id", "direction", "device_time")
    )
    out: dict[int, dt.datetime] = {}
    back: dict[int, dt.datetime | None] = {}
    for resident_id, direction, when in passages:
        if direction == Direction.OUT and when < end:
            out[resident_id] = when
            back[resident_id] = None
        elif direction == Direction.IN and resident_id in back and back[resident_id] is None:
            back[resident_id] = when
    people = Resident.objects.filter(pk__in=out).select_related("household", "household__parent")
    by_id = {r.pk: r for r in people}
    addresses = address_labels([r.household for r in by_id.values()], within=[community])
    return sorted(
        (
            Outing(
                rid,
                neutral(by_id[rid].name),
                by_id[rid].household.name,
                by_id[rid].household.parent.name if by_id[rid].household.parent else "",
                when,
                back[rid],
                addresses.get(by_id[rid].household_id, ""),
            )
            for rid, when in out.items()
            if rid in by_id
        ),
        key=lambda o: o.went_out,
    )


def not_back(community: Place, today: dt.date, days: int = 14) -> list[Outing]:
    """Residents whose last passage through the community's gates in `days` days was out."""
    first = today - dt.timedelta(days=days - 1)
    return [o for o in outings(community, first, today) if o.came_back is None]


def daily_figures(community_ids: Collection[int], day: dt.date) -> dict[int, dict[str, int]]:
    """Per community on local day `day` (the gate's time): passages, refusals and alerts
    (corrected rows count once, as in `gate_hours`). One query for all the communities."""
    start, end = local_day_bounds(day)
    figures = {pk: {"passages": 0, "refusals": 0, "gate_alerts": 0} for pk in community_ids}
    rows = (
        Passage.objects.filter(
            community_id__in=community_ids, device_time__gte=start, device_time__lt=end
        )
        .exclude(pk__in=Passage.objects.filter(corrects__isnull=False).values("corrects_id"))
        .values("community_id")
        .annotate(
            total=Count("id"),
            refused=Count("id", filter=Q(decision=Decision.REFUSE)),
            alerts=Count("id", filter=Q(alert=True)),
        )
        .order_by()
    )
    for row in rows:
        figures[row["community_id"]].update(
            passages=row["total"], refusals=row["refused"], gate_alerts=row["alerts"]
        )
    return figures
