"""The gate page's offline data: what a phone keeps to decide with no network at one gate,
and who may take it until when."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.checkpoints.decisions import REASONS, reason_label
from shequ.checkpoints.models import Decision, Direction, EntryPass, Passage
from shequ.checkpoints.passes import pass_token
from shequ.checkpoints.services import current_rules
from shequ.core.bidi import neutral
from shequ.core.errors import PermissionDenied
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.duty.selectors import OFFLINE_DATA_LEAD, on_duty_at_until
from shequ.places.addresses import address_labels
from shequ.places.models import ZoneDesignation
from shequ.residents.models import Resident, watch_tags

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User
    from shequ.duty.models import Post


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
        .only(
            "pk",
            "name",
            "health_status",
            "tags",
            "household_id",
            "household__path",
            "household__name",
            "household__kind",
            "document_number",
        )
    )
    residents = list(residents)
    # Addresses within the community: "甲小区 1号楼 101室" (gate.js shows and searches them).
    addresses = address_labels(
        [*(p.household for p in passes), *(r.household for r in residents)], within=[community]
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
            code: {"effect": effect, "alert": alert, "label": reason_label(code, rules)}
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
                "address": addresses.get(p.household_id, ""),
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
                "tags": watch_tags(r.tags),  # at risk: badges by the name (gate.js)
                "household_id": r.household_id,
                "path": r.household.path,
                "address": addresses.get(r.household_id, ""),
            }
            for r in residents
        ],
        "generated_at": now.isoformat(),
        "expires_at": until.isoformat() if until else None,
    }
