"""Writes on door-to-door campaigns, each one transaction and one audit row (or one per
object in a bulk write): making a campaign and its tasks, giving buildings to teams or
cadres, recording what happened at a door, closing a campaign. Registry proposals (a new
arrival, a returnee) are outreach/registry.py.

Who may: MANAGE (EDIT_RESIDENTS: community staff, street officers, the HQ) over the community
runs its campaigns and records at any door; the people on the team a building is given to
(or the cadre it is given to) record that building's doors (selectors.require_record)."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.access import require
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.scopes import scope_for
from shequ.outreach import registry, selectors
from shequ.outreach.models import (
    OUTCOMES,
    Assignment,
    Campaign,
    CampaignKind,
    CampaignStatus,
    CampaignUnit,
    Task,
    TaskStatus,
    Visit,
)
from shequ.outreach.questions import bad_text, check_answers, check_questions, check_revision
from shequ.places import selectors as places
from shequ.places.households import room_key, room_of
from shequ.places.models import PlaceKind
from shequ.residents import selectors as residents

if TYPE_CHECKING:
    from shequ.core.models import User
    from shequ.mobilization.models import Staff, Team
    from shequ.places.models import Place
    from shequ.testing.models import Round

NAME_MAX = 100
NOTE_MAX = 500
SCOPE_KINDS = (PlaceKind.COMPOUND, PlaceKind.BUILDING)
OFFLINE_DAYS = 7  # how old an outcome recorded offline may be when it is synced
FLOOR_DIGITS = re.compile(r"(\d+)")


def walking_keys(household: Place) -> tuple[str, int, str]:
    """(unit, floor, room) of a household, for the walking order: '1单元801室' → ('1', 8,
    '801'); a room without a number → floor 0, in name order."""
    room = room_key(room_of(household.name, household.unit))
    match = FLOOR_DIGITS.search(room)
    floor = 0
    if match:
        digits = match.group(1)
        floor = int(digits[:-2]) if len(digits) >= 3 else int(digits) if len(digits) == 1 else 0
    return household.unit, min(floor, 999), room.rjust(6)[:20]


def _scope_places(actor: User, community: Place, places_in: Sequence[Place]) -> list[Place]:
    bad = [
        p for p in places_in if p.kind not in SCOPE_KINDS or not p.path.startswith(community.path)
    ]
    if bad:
        raise ValidationError(
            {"places": _("Choose compounds or buildings of %(community)s (not %(place)s).")
             % {"community": community.name, "place": bad[0].name}}
        )  # fmt: skip
    return list(places_in)


@transaction.atomic
def campaign_create(
    *,
    actor: User,
    name: str,
    kind: str,
    community: Place,
    places: Sequence[Place] = (),
    unit: str = CampaignUnit.HOUSEHOLD,
    questions: Any = None,
    round: Round | None = None,
    status: str = CampaignStatus.OPEN,
) -> Campaign:
    """A campaign over a community (or some of its compounds and buildings) with its
    questions, and its tasks: one per household (or per resident) in scope."""
    if community.kind != PlaceKind.COMMUNITY:
        raise ValidationError(
            {"community": _("Choose a community: a campaign is one community's.")}
        )
    require(
        actor,
        selectors.MANAGE,
        community,
        reason=_("Only the staff of %s run its door-to-door campaigns.") % community.name,
    )
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name or bad_text(name):
        errors["name"] = _("Give the campaign a name.")
    elif len(name) > NAME_MAX:
        errors["name"] = _("Keep the name under %d characters.") % NAME_MAX
    if kind not in CampaignKind.values:
        errors["kind"] = _("Choose what the campaign is for.")
    if unit not in CampaignUnit.values:
        errors["unit"] = _("Choose one task per household or per resident.")
    if status not in (CampaignStatus.DRAFT, CampaignStatus.OPEN):
        errors["status"] = _("A new campaign is a draft or open.")
    if errors:
        raise ValidationError(errors)
    cleaned = check_questions(questions)
    scope = _scope_places(actor, community, places)
    campaign = Campaign.objects.create(
        name=name,
        kind=kind,
        unit=unit,
        community=community,
        questions=cleaned,
        round=round,
        status=status,
        created_by=actor,
        created_at=timezone.now(),
    )
    campaign.places.set(scope)
    created = _add_tasks(actor, campaign)
    audit.record(
        actor=actor,
        action="outreach.campaign_create",
        obj=campaign,
        place=community,
        changes={"kind": kind, "unit": unit, "places": [p.code for p in scope], "tasks": created},
    )
    return campaign


@transaction.atomic
def campaign_questions_set(*, actor: User, campaign: Campaign, questions: Any) -> Campaign:
    """Change a campaign's questions (a typo, a question the street adds on day two). Those
    already answered at some door stay readable (`questions.check_revision`); new ones are
    asked at the doors visited from now on. A testing round's campaigns have fixed outcomes."""
    require(
        actor,
        selectors.MANAGE,
        campaign.community,
        reason=_("Only the staff of %s run its door-to-door campaigns.") % campaign.community.name,
    )
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.round_id is not None:
        raise ValidationError(
            {"questions": _("A testing round's door list records outcomes, not answers.")}
        )
    if campaign.status == CampaignStatus.CLOSED:
        raise ValidationError({"questions": _("The campaign is closed: reopen it first.")})
    cleaned = check_questions(questions)
    check_revision(campaign.questions, cleaned, selectors.answered_keys(campaign))
    before = [q["key"] for q in campaign.questions]
    campaign.questions = cleaned
    campaign.save(update_fields=["questions"])
    audit.record(
        actor=actor,
        action="outreach.campaign_questions_set",
        obj=campaign,
        place=campaign.community,
        changes={"questions": [before, [q["key"] for q in cleaned]]},
    )
    return campaign


def _add_tasks(actor: User, campaign: Campaign) -> int:
    """Tasks for the households (or residents) in scope that have none yet; how many."""
    roots = list(campaign.places.all()) or [campaign.community]
    where = Q()
    for root in roots:
        where |= Q(path__startswith=root.path)
    households = list(places.places_for(actor, kind=PlaceKind.HOUSEHOLD).filter(where))
    now = timezone.now()
    if campaign.unit == CampaignUnit.RESIDENT:
        by_id = {h.pk: h for h in households}
        done = set(Task.objects.filter(campaign=campaign).values_list("resident_id", flat=True))
        people = (
            residents.residents_for(actor)
            .filter(household_id__in=list(by_id))
            .exclude(pk__in=[p for p in done if p])
            .values_list("pk", "household_id")
        )
        pairs = [(by_id[hid], rid) for rid, hid in people]
    else:
        done = set(Task.objects.filter(campaign=campaign).values_list("household_id", flat=True))
        pairs = [(h, None) for h in households if h.pk not in done]
    tasks = []
    for household, resident_id in pairs:
        unit, floor, room = walking_keys(household)
        tasks.append(
            Task(
                campaign=campaign,
                building_id=household.parent_id,
                household=household,
                resident_id=resident_id,
                unit=unit,
                floor=floor,
                room=room,
                updated_at=now,
            )
        )
    # A second run at the same moment adds nothing twice: the unique constraints hold.
    Task.objects.bulk_create(tasks, batch_size=1000, ignore_conflicts=True)
    return len(tasks)


@transaction.atomic
def campaign_add_tasks(*, actor: User, campaign: Campaign) -> int:
    """Add tasks for households (or residents) registered in scope since the campaign was
    made; those that have one keep it (none twice). How many were added."""
    require(actor, selectors.MANAGE, campaign.community)
    if campaign.status == CampaignStatus.CLOSED:
        raise ValidationError({"status": _("The campaign is closed: open a new one.")})
    added = _add_tasks(actor, campaign)
    audit.record(
        actor=actor, action="outreach.campaign_add_tasks", obj=campaign,
        place=campaign.community, changes={"tasks": added},
    )  # fmt: skip
    return added


@transaction.atomic
def tasks_add(
    *,
    actor: User,
    campaign: Campaign,
    households: Sequence[Place] = (),
    residents: Sequence[Any] = (),
    reason: str = "",
    ref: str = "",
) -> list[Task]:
    """Tasks for chosen doors only (a missed-test list, home sampling): per household for a
    household campaign, per resident for a resident campaign, each with its `reason` and
    `ref`; a door that has its task keeps it (none twice). The tasks made, in order."""
    require(actor, selectors.MANAGE, campaign.community)
    if campaign.status == CampaignStatus.CLOSED:
        raise ValidationError({"status": _("The campaign is closed: open a new one.")})
    reason, ref = (reason or "").strip(), (ref or "").strip()
    if len(reason) > 200 or len(ref) > 64 or bad_text(reason) or bad_text(ref):
        raise ValidationError({"reason": _("Keep the reason under 200 characters.")})
    per_resident = campaign.unit == CampaignUnit.RESIDENT
    pairs = [(r.household, r.pk) for r in residents] if per_resident else [
        (h, None) for h in households
    ]  # fmt: skip
    if not pairs:
        raise ValidationError(
            {"residents" if per_resident else "households": _("Choose at least one door.")}
        )
    stray = [h for h, _r in pairs if not h.path.startswith(campaign.community.path)]
    if stray or any(h.kind != PlaceKind.HOUSEHOLD for h, _r in pairs):
        raise ValidationError(
            {"households": _("Choose households of %s.") % campaign.community.name}
        )
    now = timezone.now()
    tasks = []
    for household, resident_id in pairs:
        unit, floor, room = walking_keys(household)
        tasks.append(
            Task(
                campaign=campaign, building_id=household.parent_id, household=household,
                resident_id=resident_id, unit=unit, floor=floor, room=room, reason=reason,
                ref=ref, updated_at=now,
            )
        )  # fmt: skip
    Task.objects.bulk_create(tasks, batch_size=1000, ignore_conflicts=True)
    key = "resident_id__in" if per_resident else "household_id__in"
    ids = [r for _h, r in pairs] if per_resident else [h.pk for h, _r in pairs]
    made = list(Task.objects.filter(campaign=campaign, **{key: ids}).order_by("pk"))
    audit.record(
        actor=actor, action="outreach.tasks_add", obj=campaign, place=campaign.community,
        changes={"tasks": len(made), "reason": reason},
    )  # fmt: skip
    return made


@transaction.atomic
def campaign_set_status(*, actor: User, campaign: Campaign, status: str) -> Campaign:
    """Open a draft, or close a campaign (closed: no more outcomes)."""
    require(actor, selectors.MANAGE, campaign.community)
    if status not in CampaignStatus.values:
        raise ValidationError({"status": _("Choose draft, open or closed.")})
    before = campaign.status
    if before == status:
        return campaign
    campaign.status = status
    campaign.save(update_fields=["status"])
    audit.record(
        actor=actor, action="outreach.campaign_status", obj=campaign,
        place=campaign.community, changes={"status": [before, status]},
    )  # fmt: skip
    return campaign


@transaction.atomic
def buildings_assign(
    *,
    actor: User,
    campaign: Campaign,
    buildings: Iterable[Place],
    team: Team | None = None,
    cadre: Staff | None = None,
) -> int:
    """Give buildings of the campaign to one team (or one cadre); a building given before is
    given anew. How many buildings."""
    require(actor, selectors.MANAGE, campaign.community)
    buildings = list(buildings)
    if (team is None) == (cadre is None):
        raise ValidationError({"team": _("Choose a team or a cadre (one of the two).")})
    if team is not None and team.community_id != campaign.community_id:
        raise ValidationError(
            {
                "team": _("This team is not sent to %s: choose one of its teams.")
                % campaign.community.name
            }
        )
    if not buildings:
        raise ValidationError({"buildings": _("Choose at least one building.")})
    ours = {b.pk for b in selectors.campaign_buildings(campaign)}
    stray = [b for b in buildings if b.pk not in ours]
    if stray:
        raise ValidationError({"buildings": _("%s has no door in this campaign.") % stray[0].name})
    now = timezone.now()
    Assignment.objects.filter(campaign=campaign, building__in=buildings).delete()
    made = Assignment.objects.bulk_create(
        [
            Assignment(
                campaign=campaign, building=b, team=team, cadre=cadre,
                assigned_by=actor, assigned_at=now,
            )
            for b in buildings
        ]
    )  # fmt: skip
    audit.record_many(
        actor=actor,
        action="outreach.building_assign",
        objs=list(made),
        places=buildings,
        changes=[{"team": team.pk if team else None, "cadre": cadre.pk if cadre else None}]
        * len(made),
    )
    return len(made)


def _check_outcome(outcome: str, note: str) -> None:
    if bad_text(note):
        raise ValidationError({"note": _("Remove the NUL character (\\u0000) from the text.")})
    if outcome not in OUTCOMES:
        raise ValidationError(
            {"outcome": _("Choose what happened: done, nobody home, refused or moved away.")}
        )
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _("Keep the note under %d characters.") % NOTE_MAX})


@transaction.atomic
def outcome_record(
    *,
    actor: User,
    task: Task,
    outcome: str,
    answers: Any = None,
    note: str = "",
    people: Sequence[Any] = (),
    client_uuid: uuid.UUID | None = None,
    at: dt.datetime | None = None,
) -> Visit:
    """What happened at a door: done (with the answers), nobody home (one more visit; the
    door stays to knock again), refused, or moved away. `people` found there become registry
    proposals (new arrivals, returnees; registry.py) for staff to confirm."""
    campaign = task.campaign
    selectors.require_record(actor, campaign, task.building)
    note = (note or "").strip()
    _check_outcome(outcome, note)
    if campaign.status != CampaignStatus.OPEN:
        raise ValidationError({"outcome": _("The campaign is not open: nothing more is recorded.")})
    if task.status == TaskStatus.CANCELLED:
        raise ValidationError({"outcome": _("This door was taken off the campaign.")})
    cleaned = check_answers(campaign.questions, answers, complete=outcome == TaskStatus.DONE)
    found = registry.read_people(people) if outcome == TaskStatus.DONE else []
    at = at or timezone.now()
    # Lock the task: two phones at one door at once count one revisit each, none lost.
    locked = Task.objects.select_for_update().only("status", "visits").get(pk=task.pk)
    task.status, task.visits = locked.status, locked.visits
    before = task.status
    task.status = outcome
    if outcome == TaskStatus.NOBODY_HOME:
        task.visits += 1
    if cleaned or outcome == TaskStatus.DONE:
        task.answers = cleaned
    task.updated_at, task.updated_by = at, actor
    task.save(update_fields=["status", "visits", "answers", "updated_at", "updated_by"])
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                task=task, outcome=outcome, answers=cleaned, note=note, by=actor, at=at,
                client_uuid=client_uuid,
            )  # fmt: skip
    except IntegrityError:
        raise ValidationError(
            {"client_uuid": _("This outcome was recorded already (same client id).")}
        ) from None
    proposals = registry.propose(task=task, visit=visit, people=found)
    audit.record(
        actor=actor,
        action="outreach.outcome",
        obj=visit,
        place=task.household,
        changes={"task": task.pk, "status": [before, outcome], "proposals": len(proposals)},
    )
    return visit


@transaction.atomic
def task_cancel(*, actor: User, task: Task, reason: str = "") -> Task:
    """Take a door off the campaign (staff): it no longer counts."""
    require(actor, selectors.MANAGE, task.household)
    before = task.status
    task.status, task.reason = TaskStatus.CANCELLED, (reason or "").strip()[:200]
    task.updated_at, task.updated_by = timezone.now(), actor
    task.save(update_fields=["status", "reason", "updated_at", "updated_by"])
    audit.record(
        actor=actor, action="outreach.task_cancel", obj=task, place=task.household,
        changes={"status": [before, task.status]},
    )  # fmt: skip
    return task


def may_edit_scope(actor: User, place: Place) -> bool:
    return scope_for(actor, selectors.MANAGE).covers(place)


__all__ = [
    "PermissionDenied",
    "buildings_assign",
    "campaign_add_tasks",
    "campaign_create",
    "campaign_set_status",
    "outcome_record",
    "task_cancel",
    "tasks_add",
]
