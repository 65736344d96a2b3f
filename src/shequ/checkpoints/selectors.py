"""Reads for checkpoints: which gates a user guards, passes and passages in scope, the gate
page's offline snapshot, and the figures (per gate per hour, who went out, who is not back)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.checkpoints.decisions import REASONS, reason_text
from shequ.checkpoints.models import Decision, Direction, EntryPass, Passage
from shequ.checkpoints.passes import pass_token
from shequ.checkpoints.services import current_rules
from shequ.core.bidi import neutral
from shequ.core.errors import PermissionDenied
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.duty.changes import active_assignments
from shequ.duty.models import Post, PostKind
from shequ.duty.selectors import OFFLINE_DATA_LEAD, on_duty_at_until
from shequ.mobilization.models import ACTIVE_STATES, Enlistment
from shequ.places.models import Place, ZoneDesignation
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


def passes_for(user: User | AnonymousUser) -> QuerySet[EntryPass]:
    """Entry passes of households the user issues passes for."""
    return EntryPass.objects.filter(
        scope_for(user, Capability.ISSUE_PASSES).q("household")
    ).select_related("household", "household__parent")


def passages_for(user: User | AnonymousUser) -> QuerySet[Passage]:
    """The passage log of the communities the user sees passages for."""
    return Passage.objects.filter(scope_for(user, Capability.VIEW_PASSAGES).q("community"))


def local_day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, start + dt.timedelta(days=1)


def gate_snapshot_until(user: User | AnonymousUser, gate: Post) -> dt.datetime | None:
    """Whether `user` may take `gate`'s offline data now, and until when: those who guard
    gates over the gate's place (community staff and up) at any time (None); a cadre or
    volunteer only while on a shift there (from OFFLINE_DATA_LEAD before it to its end: the end
    is returned). PermissionDenied otherwise: being on duty elsewhere, or in the community
    with no shift at this gate, is not enough."""
    if scope_for(user, Capability.GUARD_GATES).covers(gate.place):
        return None
    until = on_duty_at_until(user, gate, at=timezone.now())
    if until is None:
        raise PermissionDenied(
            _(
                "You have no shift at %(gate)s now: its data comes to your phone from "
                "%(minutes)d minutes before your shift there until it ends."
            )
            % {"gate": gate.name, "minutes": OFFLINE_DATA_LEAD.seconds // 60}
        )
    return until


def gate_snapshot(gate: Post, *, until: dt.datetime | None = None) -> dict[str, Any]:
    """What the gate page keeps on the phone to decide with no network, for the people of the
    place the gate serves (its compound, or the whole community for a community's gate): the
    rules, passes (with the exact text of their QR codes), residents (name, last 4 of the ID
    number, status: no phone, no full number), zones in force, and each pass's exits of the
    last 14 days. `until`: when the phone must drop it (the end of the holder's shift)."""
    community = gate.community
    served = gate.place.path
    version, rules = current_rules(community)
    now = timezone.now()
    passes = list(
        EntryPass.objects.filter(community=community, household__path__startswith=served)
        .select_related("household", "household__parent")
        .order_by("pk")
    )
    pass_ids = [p.pk for p in passes]
    holders: dict[int, list[int]] = defaultdict(list)
    for pass_id, resident_id in EntryPass.holders.through.objects.filter(
        entrypass_id__in=pass_ids
    ).values_list("entrypass_id", "resident_id"):
        holders[pass_id].append(resident_id)
    exits: dict[int, list[str]] = defaultdict(list)
    for pass_id, when in Passage.objects.filter(
        community=community,
        entry_pass_id__in=pass_ids,
        direction=Direction.OUT,
        decision=Decision.ALLOW,
        device_time__gte=now - dt.timedelta(days=15),
    ).values_list("entry_pass_id", "device_time"):
        exits[pass_id].append(timezone.localdate(when).isoformat())
    residents = (
        Resident.objects.filter(household__path__startswith=served)
        .select_related("household")
        .only("pk", "name", "health_status", "household_id", "household__path", "document_number")
    )
    zones = ZoneDesignation.objects.filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=now),
        place__path__startswith=served,
        starts_at__lte=now,
    ).values_list("place__path", "level")
    return {
        "gate": {"id": gate.pk, "name": gate.name, "path": gate.place.path},
        "community": {"id": community.pk, "name": community.name},
        "rules_version": version,
        "rules": rules,
        "reasons": {
            code: {"effect": effect, "alert": alert, "label": reason_text(code, rules)}
            for code, (effect, alert, _label) in REASONS.items()
        },
        "zones": [{"path": path, "level": level} for path, level in zones],
        "passes": [
            {
                "id": p.pk,
                "token": pass_token(p.pk, p.version),
                "version": p.version,
                "status": p.status,
                "valid_from": p.valid_from.isoformat(),
                "valid_until": p.valid_until.isoformat(),
                "household_id": p.household_id,
                "household": p.household.name,
                "building": p.household.parent.name if p.household.parent else "",
                "path": p.household.path,
                "holders": holders[p.pk],
                "exit_dates": exits[p.pk],
            }
            for p in passes
        ],
        "residents": [
            {
                "id": r.pk,
                "name": neutral(r.name),  # shown by gate.js: no bidi controls
                "last4": (r.document_number or "")[-4:],
                "status": r.health_status,
                "household_id": r.household_id,
                "path": r.household.path,
            }
            for r in residents
        ],
        "generated_at": now.isoformat(),
        "expires_at": until.isoformat() if until else None,
    }


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
    return sorted(
        (
            Outing(
                rid,
                neutral(by_id[rid].name),
                by_id[rid].household.name,
                by_id[rid].household.parent.name if by_id[rid].household.parent else "",
                when,
                back[rid],
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
