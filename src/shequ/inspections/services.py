"""Writes on inspections, each one transaction and one audit row: plans, premises, a visit
with its findings, rectification tasks, their follow-ups and closure.

Who may: INSPECT over the place (inspectors over their district, the city HQ) plans, visits,
sets and closes rectifications; RECTIFY over the place (community staff) or the task's own
owner follows a rectification up and reports it done."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import IO, TYPE_CHECKING

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.access import require
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.inspections import photos
from shequ.inspections.models import (
    Checklist,
    ChecklistItem,
    Finding,
    FindingPhoto,
    FollowUp,
    FollowUpKind,
    Plan,
    Premises,
    Rectification,
    Result,
    Section,
    TaskStatus,
    Visit,
)
from shequ.notify.services import notify
from shequ.places.models import Place, PlaceKind

if TYPE_CHECKING:
    from shequ.core.models import User
    from shequ.mobilization.models import Staff

TARGET_KINDS = (PlaceKind.COMMUNITY, PlaceKind.COMPOUND)
NOTE_MAX = 500
ITEMS_MAX = 60
OFFLINE_DAYS = 7  # how old a visit recorded offline may be when it is synced
TASK_KIND = "rectification"


@transaction.atomic
def checklist_create(*, actor: User, name: str, items: list[tuple[str, str]]) -> Checklist:
    """A checklist with its items, each `(section, text)` under 问 ask, 查 check records or
    看 look on site, in the order given."""
    if scope_for(actor, Capability.PLAN_INSPECTIONS).is_empty:
        raise PermissionDenied(
            _("Only the HQ, district and street officers and inspectors set up inspections.")
        )
    errors: dict[str, str] = {}
    if not (name or "").strip():
        errors["name"] = _("Give the checklist a name.")
    rows = [(section, (text or "").strip()) for section, text in items if (text or "").strip()]
    if not rows:
        errors["items"] = _("Write at least one item under ask, check records or look on site.")
    elif len(rows) > ITEMS_MAX:
        errors["items"] = _("Keep the checklist to %d items.") % ITEMS_MAX
    elif any(section not in Section.values for section, _text in rows):
        errors["items"] = _("Put each item under ask, check records or look on site.")
    elif any(len(text) > 200 for _section, text in rows):
        errors["items"] = _("Keep each item under 200 characters.")
    if errors:
        raise ValidationError(errors)
    checklist = Checklist.objects.create(name=name.strip()[:100])
    ChecklistItem.objects.bulk_create(
        [
            ChecklistItem(checklist=checklist, section=section, text=text, position=n)
            for n, (section, text) in enumerate(rows, 1)
        ]
    )
    audit.record(
        actor=actor, action="inspections.checklist_create", obj=checklist,
        changes={"items": len(rows)},
    )  # fmt: skip
    return checklist


@transaction.atomic
def plan_create(
    *,
    actor: User,
    name: str,
    checklist: Checklist,
    place: Place,
    starts_on: dt.date,
    ends_on: dt.date | None = None,
) -> Plan:
    """A plan over an area with its checklist."""
    require(actor, Capability.PLAN_INSPECTIONS, place)
    errors: dict[str, str] = {}
    if not (name or "").strip():
        errors["name"] = _("Give the plan a name.")
    if ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = _("The end comes before the start.")
    if errors:
        raise ValidationError(errors)
    plan = Plan.objects.create(
        name=name.strip(),
        checklist=checklist,
        place=place,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=actor,
    )
    audit.record(actor=actor, action="inspections.plan_create", obj=plan, place=place)
    return plan


@transaction.atomic
def premises_create(*, actor: User, name: str, address: str, place: Place) -> Premises:
    """Premises (a shop, a market…) in a community or compound, to inspect."""
    require(actor, Capability.PLAN_INSPECTIONS, place)
    if not (name or "").strip():
        raise ValidationError({"name": _("Give the premises a name.")})
    if place.kind not in TARGET_KINDS:
        raise ValidationError({"place": _("Choose a community or a compound.")})
    premises = Premises.objects.create(name=name.strip(), address=address.strip(), place=place)
    audit.record(actor=actor, action="inspections.premises_create", obj=premises, place=place)
    return premises


@transaction.atomic
def visit_record(
    *,
    actor: User,
    plan: Plan,
    place: Place | None = None,
    premises: Premises | None = None,
    results: dict[int, tuple[str, str]],
    notes: str = "",
    client_uuid: uuid.UUID | None = None,
    visited_at: dt.datetime | None = None,
) -> Visit:
    """A visit to `place` (a community or compound) or to `premises`, with a result per item
    of the plan's checklist: `results[item_id] = (ok|problem, note)`; a problem needs a note.

    Recorded offline on a phone and synced later: `client_uuid` names it (sent again, the
    same visit comes back and nothing is written twice) and `visited_at` is the phone's time
    (not in the future, at most OFFLINE_DAYS old)."""
    if client_uuid is not None:
        known = Visit.objects.filter(client_uuid=client_uuid).first()
        if known is not None:
            if known.inspector_id != actor.pk:
                raise ValidationError({"client_uuid": _("This id is another visit's.")})
            return known
    now = timezone.now()
    if visited_at is not None and not (
        now - dt.timedelta(days=OFFLINE_DAYS) <= visited_at <= now + dt.timedelta(minutes=5)
    ):
        raise ValidationError(
            {
                "visited_at": _("The time of the visit is not within the last %d days.")
                % OFFLINE_DAYS
            }
        )
    if premises is not None:
        place = premises.place
    if place is None:
        raise ValidationError({"place": _("Choose what was inspected.")})
    require(actor, Capability.INSPECT, place)
    errors: dict[str, str] = {}
    if place.kind not in TARGET_KINDS:
        errors["place"] = _("Choose a community or a compound.")
    elif not place.path.startswith(plan.place.path):
        errors["place"] = _("This place is outside the plan's area.")
    items = list(plan.checklist.items.all())
    for item in items:
        result, note = results.get(item.pk, ("", ""))
        if result not in Result.values:
            errors[f"item_{item.pk}"] = _("Say OK or problem.")
        elif result == Result.PROBLEM and not (note or "").strip():
            errors[f"item_{item.pk}"] = _("Say what the problem is.")
        elif len(note or "") > NOTE_MAX:
            errors[f"item_{item.pk}"] = _("Keep the note under %d characters.") % NOTE_MAX
    if not items:
        errors["plan"] = _("The plan's checklist has no items.")
    if errors:
        raise ValidationError(errors)
    visit = Visit.objects.create(
        plan=plan,
        place=place,
        premises=premises,
        inspector=actor,
        visited_at=visited_at or now,
        notes=(notes or "").strip(),
        client_uuid=client_uuid,
    )
    Finding.objects.bulk_create(
        [
            Finding(
                visit=visit,
                item=item,
                result=results[item.pk][0],
                note=(results[item.pk][1] or "").strip(),
            )
            for item in items
        ]
    )
    audit.record(actor=actor, action="inspections.visit_record", obj=visit, place=place)
    return visit


@transaction.atomic
def rectification_create(
    *,
    actor: User,
    visit: Visit,
    what: str,
    deadline: dt.date,
    finding: Finding | None = None,
    owner_user: User | None = None,
    owner_staff: Staff | None = None,
) -> Rectification:
    """A task to put a problem found on the visit right, by its owner, by the deadline."""
    require(actor, Capability.INSPECT, visit.place)
    errors: dict[str, str] = {}
    if not (what or "").strip():
        errors["what"] = _("Say what is to be put right.")
    if (owner_user is None) == (owner_staff is None):
        errors["owner"] = _("Choose one owner: a user or a person of the staff.")
    elif owner_user is not None and not (
        scope_for(owner_user, Capability.RECTIFY).covers(visit.place)
        or scope_for(owner_user, Capability.INSPECT).covers(visit.place)
    ):
        errors["owner"] = _("This user does not work at this place.")
    if deadline < timezone.localdate():
        errors["deadline"] = _("The deadline has passed already.")
    if finding is not None and finding.visit_id != visit.pk:
        errors["finding"] = _("This finding is from another visit.")
    if errors:
        raise ValidationError(errors)
    task = Rectification.objects.create(
        visit=visit,
        finding=finding,
        place=visit.place,
        what=what.strip()[:500],
        owner_user=owner_user,
        owner_staff=owner_staff,
        deadline=deadline,
        created_by=actor,
        created_at=timezone.now(),
    )
    audit.record(
        actor=actor, action="inspections.rectification_create", obj=task, place=visit.place
    )
    tell_owner(
        task,
        _("Rectification for you: %(what)s") % {"what": task.what},
        _("Put it right by %(day)s.") % {"day": task.deadline.isoformat()},
    )
    return task


def owner_login(task: Rectification) -> int | None:
    """The id of the task's owner's login: the user, or the person of the staff's, if any."""
    return task.owner_user_id or (task.owner_staff.user_id if task.owner_staff_id else None)


def tell_owner(task: Rectification, title: str, body: str, *also: int | None) -> int:
    """A message in the inbox of the task's owner (and of `also`), once each, in the caller's
    transaction."""
    url = reverse("inspections:task", args=[task.pk])
    return notify([owner_login(task), *also], kind=TASK_KIND, title=title, body=body, url=url)


@transaction.atomic
def finding_photo_add(*, actor: User, finding: Finding, upload: IO[bytes]) -> FindingPhoto:
    """A photo of a finding (JPEG, PNG or WebP under photos.PHOTO_MAX_MB; at most
    photos.PER_FINDING per finding), sealed on disk."""
    visit = finding.visit
    require(actor, Capability.INSPECT, visit.place)
    if FindingPhoto.objects.filter(finding=finding).count() >= photos.PER_FINDING:
        raise ValidationError({"photo": _("A finding has at most %d photos.") % photos.PER_FINDING})
    name, content_type = photos.store_photo(visit.pk, upload)
    photo = FindingPhoto.objects.create(
        finding=finding,
        path=name,
        content_type=content_type,
        uploaded_by=actor,
        uploaded_at=timezone.now(),
    )
    audit.record(actor=actor, action="inspections.photo_add", obj=photo, place=visit.place)
    return photo


def may_follow_up(user: User, task: Rectification) -> bool:
    """The owner, the place's staff (RECTIFY) and inspectors (INSPECT) follow a task up."""
    return (
        task.owner_user_id == user.pk
        or (task.owner_staff is not None and task.owner_staff.user_id == user.pk)
        or scope_for(user, Capability.RECTIFY).covers(task.place)
        or scope_for(user, Capability.INSPECT).covers(task.place)
    )


@transaction.atomic
def rectification_follow_up(
    *, actor: User, rectification: Rectification, note: str, done: bool = False
) -> FollowUp:
    """A note on progress; `done`: the owner reports it put right (an inspector then closes)."""
    task = Rectification.objects.select_for_update().get(pk=rectification.pk)
    if not may_follow_up(actor, task):
        raise PermissionDenied(_("Only the owner and the place's staff follow this task up."))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what was done.")})
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _("Keep the note under %d characters.") % NOTE_MAX})
    if task.status == TaskStatus.CLOSED:
        raise ValidationError({"note": _("This task is closed.")})
    if done:
        task.status = TaskStatus.REPORTED
        task.save(update_fields=["status"])
    entry = FollowUp.objects.create(
        rectification=task,
        kind=FollowUpKind.REPORTED if done else FollowUpKind.NOTE,
        note=note,
        by=actor,
        at=timezone.now(),
    )
    audit.record(
        actor=actor,
        action="inspections.rectification_follow_up",
        obj=task,
        place=task.place,
        changes={"done": done},
    )
    return entry


@transaction.atomic
def rectification_close(
    *, actor: User, rectification: Rectification, accept: bool, note: str = ""
) -> Rectification:
    """An inspector closes the task (checked put right) or sends it back open."""
    task = Rectification.objects.select_for_update().get(pk=rectification.pk)
    require(actor, Capability.INSPECT, task.place)
    if task.status == TaskStatus.CLOSED:
        raise ValidationError({"note": _("This task is closed.")})
    if not accept and not (note or "").strip():
        raise ValidationError({"note": _("Say why it is sent back.")})
    now = timezone.now()
    task.status = TaskStatus.CLOSED if accept else TaskStatus.OPEN
    task.closed_at = now if accept else None
    task.save(update_fields=["status", "closed_at"])
    FollowUp.objects.create(
        rectification=task,
        kind=FollowUpKind.CLOSED if accept else FollowUpKind.REOPENED,
        note=(note or "").strip()[:NOTE_MAX],
        by=actor,
        at=now,
    )
    audit.record(
        actor=actor,
        action="inspections.rectification_close",
        obj=task,
        place=task.place,
        changes={"accept": accept},
    )
    return task
