"""Writes for the door-to-door work of testing rounds (issue #21): the missed-test walk and
home sampling are campaigns like any other, one of each kind per (round, community), with a
task per resident.

- Missed (漏检): who is missed is still testing's (`testing.selectors.missed`: scope − sampled
  − exempt). Sending a building's missed to the door makes a task for each of them in the
  round's missed_test campaign and gives the building to a team (`Assignment`); each knock is
  a `Visit` whose door outcome (reminded, sampled at home, away, refused, not found) maps to
  the campaign's outcomes, the door word kept in the answers (`door`).
- Home sampling (上门采样): a task per resident in the round's home_sampling campaign with its
  reason (`testing.models.HomeReason`) and ref (the recall's id); the swab is recorded by
  `testing.ingest` (at home) and the task is done with the sample's id in its answers.

Testing asks for home visits through `testing.signals` (recalls, immobile residents when a
round opens, the swab ingest); the receivers are here and connected in `apps.py`. Whoever runs
testing at the building (RUN_TESTING), the assigned team's members and the assigned cadre
record; everyone else is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.access import require
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.outreach import round_selectors as rs
from shequ.outreach.models import (
    PENDING,
    Assignment,
    Campaign,
    CampaignKind,
    CampaignUnit,
    Task,
    TaskStatus,
    Visit,
)
from shequ.outreach.services import walking_keys
from shequ.places.models import Place, PlaceKind
from shequ.residents.models import Resident
from shequ.testing import selectors as testing
from shequ.testing.models import HomeReason, Outcome, Round, RoundStatus
from shequ.testing.signals import HomeVisit

if TYPE_CHECKING:
    from shequ.core.models import User
    from shequ.mobilization.models import Team

# A door outcome of the missed walk → the campaign's outcome (the door word stays in answers).
DOOR_TO_STATUS = {
    Outcome.REMINDED: TaskStatus.DONE,
    Outcome.SAMPLED_HOME: TaskStatus.DONE,
    Outcome.AWAY: TaskStatus.NOBODY_HOME,
    Outcome.REFUSED: TaskStatus.REFUSED,
    Outcome.NOT_FOUND: TaskStatus.MOVED,
}
# The missed campaign's one question: what happened at the door.
DOOR_QUESTION = {
    "key": "door",
    "label": {"zh": "上门结果", "en": "Door outcome"},
    "type": "choice",
    "choices": list(Outcome.values),
    "required": True,
}
ASKED_REASONS = (HomeReason.IMMOBILE, HomeReason.ISOLATED, HomeReason.MISSED)
RETEST_REASONS = (HomeReason.RETEST, HomeReason.RESAMPLE)


def _running(round_: Round) -> None:
    if round_.status == RoundStatus.FINISHED:
        raise ValidationError({"round": _("This round is finished.")})


def round_campaign(*, actor: User | None, round_: Round, community_id: int, kind: str) -> Campaign:
    """The round's campaign of `kind` (missed_test or home_sampling) in one community, made
    the first time it is needed (inside the caller's transaction)."""
    found = rs.round_campaign_of(round_, community_id, kind)
    if found is not None:
        return found
    names = {
        CampaignKind.MISSED_TEST: _("%s · missed tests"),
        CampaignKind.HOME_SAMPLING: _("%s · home sampling"),
    }
    campaign = Campaign.objects.create(
        name=(names[kind] % round_.name)[:100],
        kind=kind,
        unit=CampaignUnit.RESIDENT,
        community_id=community_id,
        questions=[DOOR_QUESTION] if kind == CampaignKind.MISSED_TEST else [],
        round=round_,
        created_by=actor,
        created_at=timezone.now(),
    )
    audit.record(
        actor=actor,
        action="outreach.campaign.create",
        obj=campaign,
        place=campaign.community,
        changes={"kind": [None, kind], "round": [None, round_.pk]},
    )
    return campaign


def _walk(household: Place) -> dict[str, Any]:
    """A household's place in the walking order: unit, floor, room (as every campaign's)."""
    unit, floor, room = walking_keys(household)
    return {"unit": unit, "floor": floor, "room": room}


def _new_task(campaign: Campaign, resident: Resident, now: dt.datetime, **kw: Any) -> Task:
    household = resident.household
    return Task(
        campaign=campaign,
        building_id=household.parent_id,
        household=household,
        resident=resident,
        updated_at=now,
        **_walk(household),
        **kw,
    )


def _assign(actor: User, campaign: Campaign, building: Place, team: Team) -> Assignment:
    if team.community_id != campaign.community_id:
        raise ValidationError({"team": _("Choose a team of this community.")})
    row, created = Assignment.objects.get_or_create(
        campaign=campaign,
        building=building,
        defaults={"team": team, "assigned_by": actor, "assigned_at": timezone.now()},
    )
    before = None if created else (row.team_id or row.cadre_id)
    if not created and (row.team_id != team.pk or row.cadre_id is not None):
        row.team, row.cadre, row.assigned_by, row.assigned_at = team, None, actor, timezone.now()
        row.save(update_fields=["team", "cadre", "assigned_by", "assigned_at"])
    audit.record(
        actor=actor,
        action="outreach.assignment.set",
        obj=row,
        place=building,
        changes={"team": [before, team.pk]},
    )
    return row


# -- the missed walk -------------------------------------------------------------------------


@transaction.atomic
def missed_send(
    *, actor: User, round_: Round, building: Place, team: Team | None = None
) -> list[Task]:
    """Send one building's missed residents to the door: a task for each of them not given
    one yet in the round's missed campaign (those sampled or exempt since keep theirs), and
    the building to `team` when given. The tasks made."""
    if building.kind != PlaceKind.BUILDING:
        raise ValidationError({"building": _("Choose a building.")})
    require(actor, Capability.RUN_TESTING, building)
    _running(round_)
    if not testing.path_in_scope(round_, building.path):
        raise ValidationError({"building": _("This building is not in the round's scope.")})
    community_id = testing.community_id_of(building)
    campaign = round_campaign(
        actor=actor, round_=round_, community_id=community_id, kind=CampaignKind.MISSED_TEST
    )
    if team is not None:
        _assign(actor, campaign, building, team)
    have = set(
        Task.objects.filter(campaign=campaign, building=building).values_list(
            "resident_id", flat=True
        )
    )
    now = timezone.now()
    tasks = Task.objects.bulk_create(
        _new_task(campaign, r, now, reason=HomeReason.MISSED)
        for r in testing.missed(round_, building)
        if r.pk not in have
    )
    audit.record_many(actor=actor, action="outreach.task.create", objs=list(tasks))
    return list(tasks)


def may_record(actor: User, task: Task) -> bool:
    """Whether `actor` records at this task's door: RUN_TESTING over its building, or on the
    team (or the cadre) its building is assigned to in the campaign."""
    if scope_for(actor, Capability.RUN_TESTING).covers(task.building):
        return True
    return rs.assigned_to(actor, task.campaign_id, task.building_id)


def _refuse(task: Task) -> PermissionDenied:
    return PermissionDenied(
        _("%s is not assigned to your team: ask the community's staff to assign it.")
        % task.building.name
    )


@transaction.atomic
def door_outcome_record(
    *,
    actor: User,
    round_: Round,
    resident: Resident,
    outcome: str,
    note: str = "",
    client_uuid: Any = None,
) -> Visit:
    """What happened at a missed resident's door (reminded, sampled at home, away, refused,
    not found): a visit of their task in the round's missed campaign (made now if the
    building was never sent to the door, by whoever runs testing there). The latest visit is
    the one the list shows."""
    task = rs.missed_task_of(round_, resident)
    household = resident.household
    community_id = testing.community_id_of(household)
    if task is None:  # never sent to the door: whoever runs testing there, or its team
        campaign = rs.round_campaign_of(round_, community_id, CampaignKind.MISSED_TEST)
        if campaign is None or not rs.assigned_to(actor, campaign.pk, household.parent_id):
            require(actor, Capability.RUN_TESTING, household)
    elif not may_record(actor, task):
        raise _refuse(task)
    _running(round_)
    errors: dict[str, str] = {}
    if outcome not in Outcome.values:
        errors["outcome"] = _("Choose an outcome from the list.")
    note = (note or "").strip()
    if len(note) > 200:
        errors["note"] = _("At most 200 characters.")
    if task is None and not testing.path_in_scope(round_, household.path):
        errors["resident"] = _("This resident is not in the round's scope.")
    if errors:
        raise ValidationError(errors)
    if task is None:
        campaign = round_campaign(
            actor=actor, round_=round_, community_id=community_id, kind=CampaignKind.MISSED_TEST
        )
        task = _new_task(campaign, resident, timezone.now(), reason=HomeReason.MISSED)
        task.save()
    return _visit(actor, task, DOOR_TO_STATUS[outcome], {"door": outcome}, note, client_uuid)


def _visit(
    actor: User, task: Task, status: str, answers: dict, note: str, client_uuid: Any
) -> Visit:
    now = timezone.now()
    before = task.status
    visit = Visit.objects.create(
        task=task,
        outcome=status,
        answers=answers,
        note=note,
        by=actor,
        at=now,
        client_uuid=client_uuid,
    )
    task.status = status
    task.answers = {**task.answers, **answers}
    task.visits += 1 if status == TaskStatus.NOBODY_HOME else 0
    task.updated_at, task.updated_by = now, actor
    task.save(update_fields=["status", "answers", "visits", "updated_at", "updated_by"])
    audit.record(
        actor=actor,
        action="outreach.visit.record",
        obj=visit,
        place=task.building,
        changes={"status": [before, status], **{k: [None, v] for k, v in answers.items()}},
    )
    return visit


# -- home sampling ---------------------------------------------------------------------------


def _home_tasks(
    actor: User | None,
    round_: Round,
    residents: Sequence[Resident],
    reason: str,
    ref: str = "",
) -> list[Task]:
    """A pending home-sampling task for each resident (inside the caller's transaction): one
    they have with the same reason is kept; one done or of another reason is opened again
    with this reason (one task per resident and campaign, its visits the history)."""
    if not residents:
        return []
    now = timezone.now()
    made: list[Task] = []
    by_community: dict[int, list[Resident]] = {}
    of_building: dict[int, int | None] = {}  # a recalled pool's members share a few buildings
    for r in residents:
        building_id = r.household.parent_id
        if building_id not in of_building:
            of_building[building_id] = testing.community_id_of(r.household.parent)
        by_community.setdefault(of_building[building_id], []).append(r)
    for community_id, people in by_community.items():
        campaign = round_campaign(
            actor=actor, round_=round_, community_id=community_id, kind=CampaignKind.HOME_SAMPLING
        )
        have = {
            t.resident_id: t for t in Task.objects.filter(campaign=campaign, resident__in=people)
        }
        new = []
        for r in people:
            task = have.get(r.pk)
            if task is None:
                new.append(_new_task(campaign, r, now, reason=reason, ref=ref))
            elif task.status in PENDING and task.reason == reason:
                continue
            else:
                task.status, task.reason, task.ref = TaskStatus.OPEN, reason, ref
                task.answers, task.updated_at, task.updated_by = {}, now, actor
                task.save(
                    update_fields=["status", "reason", "ref", "answers", "updated_at", "updated_by"]
                )
                made.append(task)
        made.extend(Task.objects.bulk_create(new))
    audit.record_many(
        actor=actor,
        action="outreach.home.create",
        objs=list(made),
        changes=[{"reason": [None, reason]} for _t in made],
    )
    return made


@transaction.atomic
def home_tasks_create(
    *, actor: User, round_: Round, residents: Sequence[Resident], reason: str
) -> list[Task]:
    """Ask for home sampling of residents who cannot come (immobile, isolated, missed)."""
    if reason not in ASKED_REASONS:
        raise ValidationError({"reason": _("Choose immobile, isolated or missed.")})
    _running(round_)
    for r in residents:
        require(actor, Capability.RUN_TESTING, r.household)
        if not testing.path_in_scope(round_, r.household.path):
            raise ValidationError({"residents": _("%s is not in the round's scope.") % r.name})
    return _home_tasks(actor, round_, residents, reason)


@transaction.atomic
def home_tasks_assign(*, actor: User, round_: Round, building: Place, team: Team) -> int:
    """Give one building's home visits (a route) to a sampling team of its community: the
    building's assignment in the round's home-sampling campaign. How many visits are open."""
    require(actor, Capability.RUN_TESTING, building)
    _running(round_)
    campaign = rs.round_campaign_of(
        round_, testing.community_id_of(building), CampaignKind.HOME_SAMPLING
    )
    tasks = rs.open_home_tasks(round_, building)
    if campaign is None or not tasks:
        raise ValidationError({"building": _("This building has no home visits to do.")})
    _assign(actor, campaign, building, team)
    return len(tasks)


# -- what testing asks (testing/signals.py) --------------------------------------------------


def on_home_sampling_wanted(
    sender: Any, *, actor: Any, round: Round, residents: Sequence[Resident], reason: str,
    recall: Any = None, **kwargs: Any,
) -> None:  # fmt: skip
    """Testing asks for home visits (a recall's members, the immobile of a new round)."""
    _home_tasks(actor, round, residents, reason, ref=str(recall.pk) if recall else "")


def on_home_visits_lookup(sender: Any, *, actor: Any, ids: set[int], **kwargs: Any) -> dict:
    """The pending home visits among `ids` the actor may sample at, as the ingest needs them."""
    found = {}
    for task in rs.home_tasks_by_id(ids):
        if may_record(actor, task):
            found[task.pk] = HomeVisit(
                pk=task.pk,
                round_id=task.campaign.round_id,
                resident_id=task.resident_id,
                community_id=task.campaign.community_id,
                retest=task.reason in RETEST_REASONS,
            )
    return found


def on_home_swabs_recorded(
    sender: Any, *, actor: Any, done: dict[int, int], at: dt.datetime, **kwargs: Any
) -> None:
    """Home visits whose swab was recorded: done, with the sample in their answers."""
    for task in rs.home_tasks_by_id(set(done), pending=True):
        _visit(actor, task, TaskStatus.DONE, {"sample_id": done[task.pk]}, "", None)
