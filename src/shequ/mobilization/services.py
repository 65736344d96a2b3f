"""Writes for mobilization: staff, orders, enlisting and sign-up, report-in, release, needs,
moves.

Each is one transaction with its audit rows. Report-in is built batch-first (a gate phone may
send hundreds at once, and resend them; `core.batches` is the contract; the checks and writes
are in report_ins.py): the single report-in is a batch of one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit, pii
from shequ.core.batches import (
    CREATED,
    DUPLICATE,
    REJECTED,
    read_batch,
    retried,
)
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
    Staff,
    StaffKind,
    Vetting,
    skills_to_bits,
)
from shequ.mobilization.report_ins import ReportIn, ReportInResult, read_report_in, report_ins
from shequ.mobilization.rules import staff_problems
from shequ.notify import notify
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
    # The order reaches each enlisted person who has a login: inbox, and their phone by push.
    notify(
        [s.user_id for s in staff if s.pk not in existing],
        kind="order",
        title=_("Order: %(title)s, report by %(deadline)s")
        % {"title": order.title, "deadline": city_time(order.deadline).strftime("%m-%d %H:%M")},
        url=reverse("mobilization:me"),
    )
    return created


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


@retried
@transaction.atomic
def report_in_batch(*, actor: User, items: Sequence[Any]) -> list[ReportInResult]:
    """Record report-ins from a device exactly once each, in order: a resent UUID gets its
    first answer back (a refusal stays a refusal).

    The whole batch is one transaction; each item is answered created, duplicate or rejected
    with the field and the fix (`core.batches`).
    """
    batch = read_batch(items, read_report_in, ReportInResult, timezone.now())
    if batch.fresh:
        report_ins(actor, batch.answers, batch.fresh)
    return batch.finish()


@transaction.atomic
def report_in(*, actor: User, enlistment: Enlistment, community: Place | None = None) -> Enlistment:
    """Community staff confirm one arrival (scan or search); a repeat is not an error."""
    item = ReportIn(uuid.uuid4(), enlistment.token, community.pk if community else None)
    results = [ReportInResult(str(item.client_uuid), CREATED)]
    report_ins(actor, results, [(0, item)])
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
