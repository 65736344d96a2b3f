"""Recording report-ins, built batch-first: a gate phone may send hundreds at once, and resend
them (`core.batches` is the contract). `services.report_in_batch` and `services.report_in` (a
batch of one) are the ways in; this module reads the items and checks and records them."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.batches import CREATED, DUPLICATE, REJECTED, ItemAnswer, insert_each
from shequ.core.bulk import insert_rows
from shequ.core.device_items import BadItem, id_field, text_field
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.mobilization.models import (
    ACTIVE_STATES,
    Enlistment,
    EnlistmentState,
    Fitness,
    Order,
    Posting,
    ReportInEvent,
    StaffKind,
    Vetting,
)
from shequ.places.models import Place, PlaceKind

if TYPE_CHECKING:
    from shequ.core.models import User


@dataclass(frozen=True)
class ReportIn:
    """One report-in as a device sends it."""

    client_uuid: uuid.UUID
    token: str
    community_id: int | None = None


@dataclass
class ReportInResult(ItemAnswer):
    """The batch's answer (`ItemAnswer`); `id` is the enlistment's."""


def read_report_in(raw: dict[str, Any], client_uuid: uuid.UUID, _now: dt.datetime) -> ReportIn:
    """One report-in as a device sends it, checked field by field (raises BadItem):
    {client_uuid, token (the person's report-in QR code), community_id?}."""
    token = text_field(raw, "token", 32)
    if not token:
        raise BadItem("token", _("Scan the person's report-in QR code."))
    return ReportIn(client_uuid, token, id_field(raw, "community_id"))


@dataclass(frozen=True, slots=True)
class _StaffFacts:
    fitness: str
    kind: str
    vetting: str
    residence_community_id: int | None
    user_id: int | None

    def get_fitness_display(self) -> str:
        return str(Fitness(self.fitness).label)


@dataclass(slots=True)
class _Arrival:
    """An enlistment as the report-in batch needs it (a row, not a model instance)."""

    pk: int
    token: str
    order_id: int
    state: str
    community_id: int | None
    staff_id: int
    signed_up_at: dt.datetime | None
    staff: _StaffFacts
    order: Order | None = None
    community: Place | None = None


def _problem(enlistment: Any, community: Place | None, active: Any) -> tuple[str, str]:
    """Why this person cannot report in at `community` now, and the item's field it is
    about (empty: they can)."""
    if community is None:
        return "community_id", _(
            "Say which community they report to (they have no residence community)."
        )
    if community.kind != PlaceKind.COMMUNITY:
        return "community_id", _("People report in to a community.")
    if not enlistment.order.is_open():
        return "token", _("The order “%s” is closed; no more report-ins.") % enlistment.order.title
    if enlistment.state == EnlistmentState.RELEASED:
        return "token", _("This person was released from this order.")
    staff = enlistment.staff
    if staff.fitness != Fitness.FIT:
        return "token", _("Not fit for duty (%s); they should not report in.") % (
            staff.get_fitness_display()
        )
    if staff.kind == StaffKind.VOLUNTEER and staff.vetting != Vetting.APPROVED:
        return "token", _("This volunteer has not been vetted by their community yet.")
    if active is not None and active.pk != enlistment.pk:
        return "token", _("Already on duty at %s; release them there first.") % (
            active.community.name
        )
    return "", ""


def report_ins(
    actor: User, results: list[ReportInResult], fresh: Sequence[tuple[int, ReportIn]]
) -> None:
    """Answer each item in `results` (at its position) and record the report-ins."""
    scope = scope_for(actor, Capability.CHECK_IN)
    items = [i for _n, i in fresh]
    known = {
        e.client_uuid: e
        for e in ReportInEvent.objects.filter(client_uuid__any=[i.client_uuid for i in items])
        .order_by()
        .only("client_uuid", "result", "field", "reason", "enlistment_id")
    }
    # Plain rows with only what the checks read: no model instances, and never the staff's
    # encrypted ID and phone (two AES-GCM decryptions per item for nothing).
    orders: dict[int, Order] = {}
    enlistments: dict[str, _Arrival] = {}
    for row in Enlistment.objects.filter(token__any=list({i.token for i in items})).values_list(
        "pk",
        "token",
        "order_id",
        "state",
        "community_id",
        "staff_id",
        "signed_up_at",
        "staff__fitness",
        "staff__kind",
        "staff__vetting",
        "staff__residence_community_id",
        "staff__user_id",
    ):
        enlistments[row[1]] = _Arrival(*row[:7], _StaffFacts(*row[7:]))
    # Orders and places are few per batch: load each once, not once per row.
    orders = Order.objects.in_bulk({e.order_id for e in enlistments.values()})
    for e in enlistments.values():
        e.order = orders[e.order_id]
    staff_ids = {e.staff_id for e in enlistments.values()}
    active = {
        e.staff_id: e
        for e in Enlistment.objects.filter(staff_id__in=staff_ids, state__in=ACTIVE_STATES)
        .select_related("community")
        .only("pk", "staff_id", "community__name")
    }
    wanted = (
        {i.community_id for i in items if i.community_id}
        | {e.community_id for e in enlistments.values() if e.community_id}
        | {
            e.staff.residence_community_id
            for e in enlistments.values()
            if e.staff.residence_community_id
        }
    )
    places = Place.objects.in_bulk(wanted)
    for e in enlistments.values():
        if e.community_id is not None:
            e.community = places[e.community_id]
    now = timezone.now()
    events: list[tuple] = []
    changed: list[_Arrival] = []
    for n, item in fresh:
        uid = str(item.client_uuid)
        if item.client_uuid in known:  # a resend gets its first answer back
            k = known[item.client_uuid]
            if k.result == REJECTED:
                results[n] = ReportInResult(uid, REJECTED, k.enlistment_id, k.field, k.reason)
            else:
                results[n] = ReportInResult(uid, DUPLICATE, k.enlistment_id)
            continue
        enlistment = enlistments.get(item.token)
        field_name, reason, enlistment_id = "", "", None
        if enlistment is None:
            field_name = "token"
            reason = _("Unknown report-in code; scan the person's own QR code again.")
        else:
            enlistment_id = enlistment.pk
            community = places.get(
                item.community_id
                or enlistment.community_id
                or enlistment.staff.residence_community_id
            )
            asked = item.community_id
            if asked and asked not in places:
                field_name, reason = "community_id", _("No community with id %d.") % asked
            elif community is not None and not scope.covers(community):
                field_name = "community_id"
                reason = _("You may not check people in at %s.") % community.name
            elif enlistment.staff.user_id == actor.pk:
                field_name, reason = "token", _("Someone else must confirm your arrival.")
            elif (
                enlistment.state in ACTIVE_STATES
                and community is not None
                and enlistment.community_id != community.pk
            ):
                where = places.get(enlistment.community_id)
                field_name = "token"
                reason = _("Already on duty at %s; move or release them first.") % (
                    where.name if where else "?"
                )
            elif (
                enlistment.state in ACTIVE_STATES
                and community is not None
                and (enlistment.community_id == community.pk)
            ):
                # Reported in here already: the same answer again, nothing new written.
                results[n] = ReportInResult(uid, DUPLICATE, enlistment_id)
                events.append((item.client_uuid, enlistment_id, DUPLICATE, "", "", now, actor.pk))
                continue
            else:
                here = active.get(enlistment.staff_id)
                field_name, reason = _problem(enlistment, community, here)
            if not reason:
                enlistment.state = EnlistmentState.REPORTED_IN
                enlistment.community = community
                enlistment.community_id = community.pk
                active[enlistment.staff_id] = enlistment
                changed.append(enlistment)
        status = REJECTED if reason else CREATED
        results[n] = ReportInResult(uid, status, enlistment_id, field_name, reason)
        events.append(
            (item.client_uuid, enlistment_id, status, field_name, reason[:200], now, actor.pk)
        )
    if changed:
        # One UPDATE per community (usually one per batch): bulk_update's CASE per row is
        # ten times slower at a thousand rows.
        by_community: dict[int, list[int]] = {}
        for e in changed:
            by_community.setdefault(e.community_id, []).append(e.pk)
        for community_id, ids in by_community.items():
            Enlistment.objects.filter(pk__any=ids).update(
                state=EnlistmentState.REPORTED_IN,
                community_id=community_id,
                reported_at=now,
                reported_by=actor,
                signed_up_at=Coalesce("signed_up_at", Value(now)),
            )
        insert_rows(
            Posting,
            ["staff", "place", "starts_at", "reason", "by"],
            [(e.staff_id, e.community_id, now, "report_in", actor.pk) for e in changed],
        )
        # One audit row per order and community the batch touched, naming every enlistment:
        # the batch is the unit of work, and a thousand rows per batch would double its cost.
        groups: dict[tuple[int, int], list[_Arrival]] = {}
        for e in changed:
            groups.setdefault((e.order_id, e.community_id), []).append(e)
        for group in groups.values():
            audit.record(
                actor=actor,
                action="mobilization.enlistment.report_in",
                obj=group[0].order,
                place=group[0].community,
                changes={
                    "state": EnlistmentState.REPORTED_IN,
                    "enlistments": [e.pk for e in group],
                },
            )
    # Keyed by the client UUID: a resend racing its first send is stored once.
    insert_each(
        ReportInEvent,
        ["client_uuid", "enlistment", "result", "field", "reason", "received_at", "by"],
        events,
        key="client_uuid",
    )
