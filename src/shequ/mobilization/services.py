"""Writes for mobilization: staff, orders, sign-up, report-in, release, needs, moves.

Each is one transaction with its audit rows. Report-in is built batch-first (a gate phone may
send hundreds at once, and resend them; `core.batches` is the contract): the single
report-in is a batch of one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit, pii
from shequ.core.batches import (
    CREATED,
    DUPLICATE,
    REJECTED,
    ItemAnswer,
    insert_each,
    read_batch,
)
from shequ.core.bulk import insert_rows
from shequ.core.device_items import BadItem, id_field, text_field
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.roles import Capability
from shequ.core.scopes import agency_scope_for, scope_for
from shequ.core.times import city_time
from shequ.mobilization import selectors
from shequ.mobilization.models import (
    ACTIVE_STATES,
    Agency,
    Enlistment,
    EnlistmentState,
    Fitness,
    Need,
    Order,
    Posting,
    Rank,
    ReportInEvent,
    Staff,
    StaffKind,
    Vetting,
    skills_to_bits,
)
from shequ.mobilization.rules import staff_problems
from shequ.places.models import Place, PlaceKind

if TYPE_CHECKING:
    from shequ.core.models import User

__all__ = ["CREATED", "DUPLICATE", "REJECTED"]


def _may_manage_agency(actor: User, agency: Agency | None) -> bool:
    return agency_scope_for(actor, Capability.MANAGE_STAFF).covers(agency)


@transaction.atomic
def staff_register(
    *,
    actor: User | None,
    kind: str,
    name: str,
    id_number: str,
    birth_year: int | None,
    gender: str,
    agency: Agency | None = None,
    phone: str = "",
    rank: str = Rank.OTHER,
    party_member: bool = False,
    skills: Iterable[str] = (),
    residence_community: Place | None = None,
    fitness: str = Fitness.FIT,
) -> Staff:
    """Add a cadre (by their agency's coordinator or HQ) or a volunteer.

    Volunteers registered by community staff are approved; self-registered ones (actor is
    the volunteer's own login, or None) wait for vetting.
    """
    skills = list(skills)
    if kind == StaffKind.CADRE and actor is not None and not _may_manage_agency(actor, agency):
        raise PermissionDenied(
            _("Only the agency's coordinator or the HQ may register its cadres.")
        )
    errors = staff_problems(
        kind=kind,
        name=name,
        id_number=id_number,
        phone=phone,
        has_agency=agency is not None,
        rank=rank,
        birth_year=birth_year,
        gender=gender,
        skills=skills,
        fitness=fitness,
    )
    if residence_community is not None and residence_community.kind != PlaceKind.COMMUNITY:
        errors["residence_community"] = _("Choose a community.")
    digest = pii.blind_index(pii.normalize_document(id_number), kind="document")
    if "id_number" not in errors and Staff.objects.filter(id_hmac=digest).exists():
        errors["id_number"] = _("Someone with this ID number is already registered.")
    if errors:
        raise ValidationError(errors)
    vetted = kind == StaffKind.CADRE or (
        actor is not None
        and residence_community is not None
        and scope_for(actor, Capability.CHECK_IN).covers(residence_community)
    )
    staff = Staff.objects.create(
        kind=kind,
        name=name.strip(),
        id_number=id_number,
        phone=phone,
        agency=agency,
        rank=rank,
        party_member=party_member,
        birth_year=birth_year,
        gender=gender,
        skills=skills_to_bits(skills),
        residence_community=residence_community,
        fitness=fitness,
        vetting=Vetting.APPROVED if vetted else Vetting.PENDING,
        vetted_by=actor if vetted and kind == StaffKind.VOLUNTEER else None,
    )
    audit.record(
        actor=actor,
        action="mobilization.staff.register",
        obj=staff,
        place=residence_community,
        changes={"kind": kind, "id_number": pii.mask(staff.id_number)},
    )
    return staff


@transaction.atomic
def volunteer_vet(*, actor: User, volunteer: Staff, approve: bool) -> Staff:
    """Community staff approve or reject a self-registered volunteer of their community."""
    community = volunteer.residence_community
    if community is None or not scope_for(actor, Capability.CHECK_IN).covers(community):
        raise PermissionDenied(_("Only the volunteer's community may vet them."))
    if volunteer.kind != StaffKind.VOLUNTEER:
        raise ValidationError({"volunteer": _("Only volunteers are vetted.")})
    volunteer.vetting = Vetting.APPROVED if approve else Vetting.REJECTED
    volunteer.vetted_by = actor
    volunteer.save(update_fields=["vetting", "vetted_by"])
    audit.record(
        actor=actor,
        action="mobilization.volunteer.vet",
        obj=volunteer,
        place=community,
        changes={"vetting": volunteer.vetting},
    )
    return volunteer


@transaction.atomic
def order_issue(
    *, actor: User, title: str, scope: Place, deadline: dt.datetime, message: str = ""
) -> Order:
    """HQ or a district orders staff to report to their communities by `deadline`."""
    if not scope_for(actor, Capability.ISSUE_ORDERS).covers(scope):
        raise PermissionDenied(_("Only the HQ or a district may issue orders here."))
    deadline = city_time(deadline)
    errors: dict[str, str] = {}
    if not title.strip() or len(title) > 100:
        errors["title"] = _("Give a title of 1–100 characters.")
    if deadline <= timezone.now():
        errors["deadline"] = _("The deadline must be in the future.")
    if scope.kind not in (PlaceKind.CITY, PlaceKind.DISTRICT, PlaceKind.STREET):
        errors["scope"] = _("An order covers a city, a district or a street.")
    if errors:
        raise ValidationError(errors)
    order = Order.objects.create(
        title=title.strip(), message=message, scope=scope, deadline=deadline, issued_by=actor
    )
    audit.record(actor=actor, action="mobilization.order.issue", obj=order, place=scope)
    return order


@transaction.atomic
def order_close(*, actor: User, order: Order) -> Order:
    """No more report-ins under this order from now on."""
    if not scope_for(actor, Capability.ISSUE_ORDERS).covers(order.scope):
        raise PermissionDenied(_("Only the HQ or a district may close orders here."))
    if order.closed_at is not None:
        raise ValidationError({"order": _("This order is already closed.")})
    order.closed_at = timezone.now()
    order.save(update_fields=["closed_at"])
    audit.record(actor=actor, action="mobilization.order.close", obj=order, place=order.scope)
    return order


@transaction.atomic
def enlist(
    *, actor: User, order: Order, staff: Sequence[Staff], signed_up: bool = True
) -> list[Enlistment]:
    """An agency coordinator puts their staff under an order (signed up, or just notified).

    Already enlisted people are left as they are, so registering a list twice is harmless.
    """
    if not order.is_open():
        raise ValidationError({"order": _("This order is closed.")})
    managed = agency_scope_for(actor, Capability.MANAGE_STAFF)
    foreign = [s.name for s in staff if not managed.covers(s.agency_id)]
    if foreign:
        raise PermissionDenied(
            _("These people are not your agency's staff: %s.") % "、".join(foreign[:5])
        )
    existing = set(
        Enlistment.objects.filter(order=order, staff__in=staff).values_list("staff_id", flat=True)
    )
    now = timezone.now()
    state = EnlistmentState.SIGNED_UP if signed_up else EnlistmentState.NOTIFIED
    fresh = [
        Enlistment(
            order=order,
            staff=s,
            state=state,
            community_id=s.residence_community_id,
            signed_up_at=now if signed_up else None,
        )
        for s in staff
        if s.pk not in existing
    ]
    created = Enlistment.objects.bulk_create(fresh, batch_size=1000)
    if created and created[0].pk is None:  # backends that do not return ids
        created = list(Enlistment.objects.filter(order=order, staff__in=[e.staff for e in fresh]))
    audit.record_many(
        actor=actor,
        action="mobilization.enlistment.create",
        objs=created,
        changes=[{"state": state}] * len(created),
    )
    return created


@transaction.atomic
def enlist_chosen(
    *, actor: User, order: Order, staff_ids: Sequence[int], signed_up: bool = True
) -> list[Enlistment]:
    """`enlist` the people chosen by id (ticked on the staff page, listed to the API): an id
    the actor does not see is refused, never skipped, so both give the same answer."""
    wanted = set(staff_ids)
    staff = list(selectors.staff_for(actor).filter(pk__in=wanted))
    missing = wanted - {s.pk for s in staff}
    if missing:
        raise ValidationError(
            {
                "staff_ids": _("Unknown or not yours: %s.")
                % ", ".join(map(str, sorted(missing)[:10]))
            }
        )
    return enlist(actor=actor, order=order, staff=staff, signed_up=signed_up)


@transaction.atomic
def sign_up(*, actor: User, enlistment: Enlistment) -> Enlistment:
    """The cadre answers the order (请战): notified → signed up."""
    if enlistment.staff.user_id != actor.pk:
        raise PermissionDenied(_("Only the person themselves may sign up."))
    if not enlistment.order.is_open():
        raise ValidationError({"order": _("This order is closed.")})
    if enlistment.state != EnlistmentState.NOTIFIED:
        return enlistment  # already signed up or further along: same answer
    enlistment.state = EnlistmentState.SIGNED_UP
    enlistment.signed_up_at = timezone.now()
    enlistment.save(update_fields=["state", "signed_up_at"])
    audit.record(actor=actor, action="mobilization.enlistment.sign_up", obj=enlistment)
    return enlistment


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


@transaction.atomic
def report_in_batch(*, actor: User, items: Sequence[Any]) -> list[ReportInResult]:
    """Record report-ins from a device exactly once each, in order: a resent UUID gets its
    first answer back (a refusal stays a refusal).

    The whole batch is one transaction; each item is answered created, duplicate or rejected
    with the field and the fix (`core.batches`).
    """
    batch = read_batch(items, read_report_in, ReportInResult, timezone.now())
    if batch.fresh:
        _report_ins(actor, batch.answers, batch.fresh)
    return batch.finish()


def _report_ins(
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


@transaction.atomic
def report_in(*, actor: User, enlistment: Enlistment, community: Place | None = None) -> Enlistment:
    """Community staff confirm one arrival (scan or search); a repeat is not an error."""
    item = ReportIn(uuid.uuid4(), enlistment.token, community.pk if community else None)
    results = [ReportInResult(str(item.client_uuid), CREATED)]
    _report_ins(actor, results, [(0, item)])
    [result] = results
    if result.status == REJECTED:
        raise ValidationError({"enlistment": result.message})
    enlistment.refresh_from_db()
    return enlistment


def _close_posting(staff_id: int, at: dt.datetime) -> None:
    Posting.objects.filter(staff_id=staff_id, ends_at__isnull=True).update(ends_at=at)


@transaction.atomic
def release(*, actor: User, enlistment: Enlistment, note: str = "") -> Enlistment:
    """Send a person home from their community under this order."""
    if enlistment.community is None or not scope_for(actor, Capability.CHECK_IN).covers(
        enlistment.community
    ):
        raise PermissionDenied(_("Only their community may release them."))
    if enlistment.state not in ACTIVE_STATES:
        raise ValidationError({"enlistment": _("Only people on duty can be released.")})
    now = timezone.now()
    enlistment.state = EnlistmentState.RELEASED
    enlistment.released_at = now
    enlistment.save(update_fields=["state", "released_at"])
    _close_posting(enlistment.staff_id, now)
    audit.record(
        actor=actor,
        action="mobilization.enlistment.release",
        obj=enlistment,
        place=enlistment.community,
        changes={"note": note[:200]},
    )
    return enlistment


@transaction.atomic
def need_declare(
    *,
    actor: User,
    community: Place,
    people_per_day: int,
    starts_on: dt.date,
    ends_on: dt.date,
    skills: Iterable[str] = (),
    note: str = "",
) -> Need:
    """A community says how many hands it needs, with which skills, over which days."""
    if community.kind != PlaceKind.COMMUNITY:
        raise ValidationError({"community": _("Needs are declared by a community.")})
    if not scope_for(actor, Capability.MANAGE_NEEDS).covers(community):
        raise PermissionDenied(_("You may not declare needs for this community."))
    errors: dict[str, str] = {}
    if not 1 <= people_per_day <= 10_000:
        errors["people_per_day"] = _("Ask for 1 to 10,000 people a day.")
    if ends_on < starts_on:
        errors["ends_on"] = _("The last day cannot be before the first.")
    skills = list(skills)
    try:
        bits = skills_to_bits(skills)
    except KeyError as exc:
        errors["skills"] = _("Unknown skill: %s.") % exc.args[0]
        bits = 0
    if len(note) > 200:
        errors["note"] = _("Keep the note under 200 characters.")
    if errors:
        raise ValidationError(errors)
    need = Need.objects.create(
        community=community,
        people_per_day=people_per_day,
        skills=bits,
        starts_on=starts_on,
        ends_on=ends_on,
        note=note,
        created_by=actor,
    )
    audit.record(actor=actor, action="mobilization.need.declare", obj=need, place=community)
    return need


@transaction.atomic
def redistribute(
    *, actor: User, enlistments: Sequence[Enlistment], to_community: Place, note: str = ""
) -> list[Enlistment]:
    """Move people on duty from one community to another that lacks hands (audited each)."""
    if to_community.kind != PlaceKind.COMMUNITY:
        raise ValidationError({"to_community": _("Move people to a community.")})
    # A move spans the communities it takes people from and the one it sends them to: the
    # actor must cover all of them (someone not on duty anywhere has no community to cover).
    sources = [e.community for e in enlistments]
    if any(c is None for c in sources) or not scope_for(actor, Capability.MANAGE_NEEDS).covers_all(
        [to_community, *sources]
    ):
        raise PermissionDenied(_("You must cover both communities to move people between them."))
    not_on_duty = [e.staff.name for e in enlistments if e.state not in ACTIVE_STATES]
    if not_on_duty:
        raise ValidationError(
            {"enlistments": _("Not on duty, cannot be moved: %s.") % "、".join(not_on_duty[:5])}
        )
    now = timezone.now()
    moved: list[Enlistment] = []
    froms: list[dict[str, Any]] = []
    for e in enlistments:
        if e.community_id == to_community.pk:
            continue
        froms.append({"community": [e.community.code, to_community.code], "note": note[:200]})
        _close_posting(e.staff_id, now)
        e.community = to_community
        moved.append(e)
    Enlistment.objects.bulk_update(moved, ["community"])
    Posting.objects.bulk_create(
        [
            Posting(
                staff_id=e.staff_id, place=to_community, starts_at=now, reason="moved", by=actor
            )
            for e in moved
        ]
    )
    audit.record_many(
        actor=actor,
        action="mobilization.enlistment.move",
        objs=moved,
        places=[to_community] * len(moved),
        changes=froms,
    )
    return moved
