"""Testing's home-sampling tasks and door-to-door walk move onto outreach (issue #21): each
round's HomeTask rows become tasks of its home_sampling campaign in their community, its
DoorTask / DoorOutcome rows tasks and visits of its missed_test campaign, and the teams they
were given become building assignments. Testing's migration 0002 then drops the old tables.
Runs the same on SQLite and PostgreSQL (plain ORM on the historical models)."""

import re

from django.db import migrations

FLOOR_DIGITS = re.compile(r"(\d+)")
ROOM_SUFFIX = re.compile(r"(室|号|户)$")
NAMED_UNIT = re.compile(r"^\s*(?P<unit>[0-9A-Za-z一二三四五六七八九十]{1,6})\s*单元\s*(?P<room>\S.*)$")
DOOR_TO_STATUS = {
    "reminded": "done",
    "sampled_home": "done",
    "away": "nobody_home",
    "refused": "refused",
    "not_found": "moved",
}
NAMES = {"missed_test": "missed tests", "home_sampling": "home sampling"}
HOME_STATUS = {"open": "open", "done": "done", "cancelled": "cancelled"}
DOOR_QUESTION = {
    "key": "door",
    "label": {"zh": "上门结果", "en": "Door outcome"},
    "type": "choice",
    "choices": list(DOOR_TO_STATUS),
    "required": True,
}


def _walk(household):
    """Unit, floor and room of a household (outreach.services.walking_keys, frozen here)."""
    name, unit = household.name or "", household.unit or ""
    room = name
    match = NAMED_UNIT.match(name)
    if unit and match:
        room = match.group("room").strip()
    room = ROOM_SUFFIX.sub("", room.strip()).upper()
    digits = FLOOR_DIGITS.search(room)
    floor = 0
    if digits:
        d = digits.group(1)
        floor = int(d[:-2]) if len(d) >= 3 else int(d) if len(d) == 1 else 0
    return {"unit": unit, "floor": min(floor, 999), "room": room.rjust(6)[:20]}


def forward(apps, schema_editor):
    Place = apps.get_model("places", "Place")
    Campaign = apps.get_model("outreach", "Campaign")
    Assignment = apps.get_model("outreach", "Assignment")
    Task = apps.get_model("outreach", "Task")
    Visit = apps.get_model("outreach", "Visit")
    HomeTask = apps.get_model("testing", "HomeTask")
    DoorTask = apps.get_model("testing", "DoorTask")
    DoorOutcome = apps.get_model("testing", "DoorOutcome")

    communities = {}
    campaigns = {}

    def community_of(building):
        if building.pk not in communities:
            ids = [int(p) for p in building.path.strip("/").split("/") if p]
            found = Place.objects.filter(pk__in=ids, kind="community").values_list("pk", flat=True)
            communities[building.pk] = next(iter(found), None)
        return communities[building.pk]

    def campaign(round_, building, kind):
        community_id = community_of(building)
        key = (round_.pk, community_id, kind)
        if key not in campaigns:
            found = Campaign.objects.filter(round=round_, community_id=community_id, kind=kind)
            campaigns[key] = found.first() or Campaign.objects.create(
                name=f"{round_.name} · {NAMES[kind]}"[:100],
                kind=kind,
                unit="resident",
                community_id=community_id,
                questions=[DOOR_QUESTION] if kind == "missed_test" else [],
                round=round_,
                created_by_id=round_.created_by_id,
                created_at=round_.created_at,
            )
        return campaigns[key]

    def assign(camp, building, team_id, by_id, at):
        if team_id is None:
            return
        Assignment.objects.update_or_create(
            campaign=camp,
            building=building,
            defaults={
                "team_id": team_id,
                "cadre": None,
                "assigned_by_id": by_id,
                "assigned_at": at,
            },
        )

    def task_of(camp, resident, building, at, reason):
        task = Task.objects.filter(campaign=camp, resident=resident).first()
        if task is None:
            household = resident.household
            task = Task.objects.create(
                campaign=camp,
                building=building,
                household=household,
                resident=resident,
                reason=reason,
                updated_at=at,
                **_walk(household),
            )
        return task

    # Home sampling: one task per (campaign, resident); older rows of a resident are history.
    for row in HomeTask.objects.select_related(
        "round", "building", "resident", "resident__household"
    ).order_by("created_at", "pk"):
        camp = campaign(row.round, row.building, "home_sampling")
        task = task_of(camp, row.resident, row.building, row.created_at, row.reason)
        at = row.done_at or row.created_at
        answers = {"sample_id": row.sample_id} if row.sample_id else {}
        if row.status == "done":
            Visit.objects.create(
                task=task, outcome="done", answers=answers, by_id=row.round.created_by_id, at=at
            )
        task.status = HOME_STATUS.get(row.status, "open")
        task.reason = row.reason
        task.ref = str(row.recall_id or "")
        task.answers = answers
        task.updated_at = at
        task.save()
        assign(camp, row.building, row.team_id, row.round.created_by_id, row.created_at)

    # The missed walk: a building given to a team, and every knock at a door.
    for door in DoorTask.objects.select_related("round", "building").order_by("pk"):
        camp = campaign(door.round, door.building, "missed_test")
        assign(camp, door.building, door.team_id, door.created_by_id, door.created_at)
        outcomes = DoorOutcome.objects.filter(task=door).select_related(
            "resident", "resident__household"
        )
        for out in outcomes.order_by("at", "pk"):
            task = task_of(camp, out.resident, door.building, out.at, "missed")
            status = DOOR_TO_STATUS.get(out.outcome, "done")
            Visit.objects.create(
                task=task,
                outcome=status,
                answers={"door": out.outcome},
                note=out.note[:500],
                by_id=out.by_id,
                at=out.at,
            )
            task.status = status
            task.answers = {**task.answers, "door": out.outcome}
            task.visits += 1 if status == "nobody_home" else 0
            task.updated_at = out.at
            task.updated_by_id = out.by_id
            task.save()


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0001_initial"),
        ("testing", "0001_initial"),
        ("places", "0003_place_level_word"),
        ("residents", "0002_alter_resident_health_status_and_more"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop, elidable=True)]
