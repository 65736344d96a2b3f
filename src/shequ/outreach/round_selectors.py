"""Reads for the door-to-door work of testing rounds (`rounds.py`): the round's campaigns,
the latest door outcome of missed residents, open home visits and their routes, the buildings
a cadre's team was given, and the `get_*_for` of a home visit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from shequ.core.access import get_for
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.mobilization.models import Team
from shequ.outreach.models import PENDING, Assignment, Campaign, CampaignKind, Task, Visit
from shequ.places.models import Place, PlaceKind
from shequ.residents.models import Resident
from shequ.testing import selectors as testing
from shequ.testing.models import HomeReason, Round, RoundStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User
    from shequ.core.scopes import Scope


def round_campaign_of(round_: Round, community_id: int | None, kind: str) -> Campaign | None:
    """The round's campaign of `kind` in a community, if it was made."""
    return (
        Campaign.objects.filter(round=round_, community_id=community_id, kind=kind)
        .order_by("pk")
        .first()
    )


def _mine(user: User | AnonymousUser) -> Q:
    """Assignments to a team the user is on, or to the user as a cadre."""
    return Q(team__members__staff__user=user) | Q(cadre__user=user)


def assigned_to(user: User | AnonymousUser, campaign_id: int, building_id: int) -> bool:
    """Whether the campaign's building is assigned to the user's team (or to them)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return Assignment.objects.filter(
        _mine(user), campaign_id=campaign_id, building_id=building_id
    ).exists()


def assigned_buildings(user: User | AnonymousUser, round_: Round) -> list[Place]:
    """The buildings of the round's missed walk given to the user's team (or to them)."""
    if not getattr(user, "is_authenticated", False):
        return []
    ids = (
        Assignment.objects.filter(
            _mine(user), campaign__round=round_, campaign__kind=CampaignKind.MISSED_TEST
        )
        .values_list("building_id", flat=True)
        .distinct()
    )
    return list(Place.objects.filter(pk__in=list(ids)).select_related("parent").order_by("path"))


def assigned_rounds(user: User | AnonymousUser) -> QuerySet[Round]:
    """Rounds with a missed-walk building given to the user's team (or to them)."""
    if not getattr(user, "is_authenticated", False):
        return Round.objects.none()
    campaigns = Assignment.objects.filter(
        _mine(user), campaign__kind=CampaignKind.MISSED_TEST
    ).values("campaign__round_id")
    return Round.objects.filter(pk__in=campaigns).order_by("-starts_on", "-id")


def has_assignments(user: User | AnonymousUser) -> bool:
    """Whether a missed-walk building of some round was given to the user's team (or them)."""
    return assigned_rounds(user).exists()


def get_assigned_round_for(user: User | AnonymousUser, pk: Any) -> Round:
    """A round with a missed-walk building given to the user's team; 404 otherwise."""
    return get_for(assigned_rounds(user), pk, what="round")


def get_resident_in(building_ids: list[int], pk: Any) -> Resident:
    """A resident living in one of these buildings; 404 otherwise."""
    residents = Resident.objects.filter(household__parent_id__in=building_ids).select_related(
        "household", "household__parent"
    )
    return get_for(residents, pk, what="resident")


def missed_task_of(round_: Round, resident: Resident) -> Task | None:
    """The resident's task in the round's missed walk, if they were sent to the door."""
    return (
        Task.objects.filter(
            campaign__round=round_, campaign__kind=CampaignKind.MISSED_TEST, resident=resident
        )
        .select_related("building", "campaign")
        .first()
    )


@dataclass
class DoorOutcome:
    """A missed resident's latest door outcome (the word, its time, the note)."""

    outcome: str
    at: Any
    note: str


def latest_outcomes(round_: Round, residents: Sequence[Resident]) -> dict[int, DoorOutcome]:
    """Each resident's latest door-to-door outcome in the round."""
    latest: dict[int, DoorOutcome] = {}
    tasks = Task.objects.filter(
        campaign__round=round_,
        campaign__kind=CampaignKind.MISSED_TEST,
        resident__in=[r.pk for r in residents],
    ).values_list("pk", "resident_id")
    owner = dict(tasks)
    if not owner:
        return latest
    for task_id, answers, at, note in (
        Visit.objects.filter(task_id__in=list(owner))
        .order_by("task_id", "-at", "-pk")
        .values_list("task_id", "answers", "at", "note")
    ):
        door = (answers or {}).get("door")
        if door and owner[task_id] not in latest:
            latest[owner[task_id]] = DoorOutcome(door, at, note)
    return latest


def home_requested(round_: Round, residents: Sequence[Resident]) -> set[int]:
    """The ids of these residents with a pending home-sampling visit in the round."""
    return set(
        Task.objects.filter(
            campaign__round=round_,
            campaign__kind=CampaignKind.HOME_SAMPLING,
            status__in=PENDING,
            resident__in=residents,
        ).values_list("resident_id", flat=True)
    )


def home_tasks_by_id(ids: set[int], *, pending: bool = False) -> list[Task]:
    """The home visits among `ids` (only those still to do, with `pending`), with their
    campaign and building."""
    if not ids:
        return []
    tasks = Task.objects.filter(
        pk__in=[i for i in ids if isinstance(i, int)], campaign__kind=CampaignKind.HOME_SAMPLING
    )
    if pending:
        tasks = tasks.filter(status__in=PENDING)
    return list(tasks.select_related("campaign", "building"))


def is_pending(task: Task) -> bool:
    return task.status in PENDING


def _home(round_: Round) -> QuerySet[Task]:
    return Task.objects.filter(
        campaign__round=round_, campaign__kind=CampaignKind.HOME_SAMPLING, status__in=PENDING
    )


def open_home_tasks(round_: Round, building: Place) -> list[Task]:
    return list(_home(round_).filter(building=building))


def home_route_buildings(round_: Round, scope: Scope) -> list[int]:
    """The buildings (ids, in tree order) with open home visits in `scope`."""
    tasks = _home(round_).filter(scope.q("building"))
    return list(tasks.order_by("building__path").values_list("building_id", flat=True).distinct())


@dataclass
class Route:
    """One building's open home visits, the team given them and the teams of its community."""

    building: Place
    tasks: list[Task]
    team: Team | None
    teams: list[Team]


def home_routes(round_: Round, scope: Scope, building_ids: Sequence[int]) -> list[Route]:
    """A route per building of `building_ids` (in that order): its open visits in `scope`
    with their resident, the team it was given to, and the teams of its community."""
    buildings = {
        b.pk: b for b in Place.objects.filter(pk__in=list(building_ids)).select_related("parent")
    }
    tasks = (
        _home(round_)
        .filter(scope.q("building"), building_id__in=list(buildings))
        .select_related("resident", "resident__household", "campaign")
        .order_by("unit", "floor", "room", "pk")
    )
    given = {
        a.building_id: a.team
        for a in Assignment.objects.filter(
            campaign__round=round_,
            campaign__kind=CampaignKind.HOME_SAMPLING,
            building_id__in=list(buildings),
        ).select_related("team", "team__leader")
    }
    communities = {
        c.path: c
        for c in Place.objects.filter(
            kind=PlaceKind.COMMUNITY,
            pk__in={a for b in buildings.values() for a in b.ancestor_ids()},
        )
    }
    teams_by_community: dict[int, list[Team]] = {}
    for team in Team.objects.filter(community__in=communities.values()).select_related("leader"):
        teams_by_community.setdefault(team.community_id, []).append(team)
    routes: dict[int, Route] = {}
    for b_id in building_ids:
        b = buildings[b_id]
        community = next((c for p, c in communities.items() if b.path.startswith(p)), None)
        teams = teams_by_community.get(community.pk, []) if community else []
        routes[b_id] = Route(building=b, tasks=[], team=given.get(b_id), teams=teams)
    for t in tasks:
        routes[t.building_id].tasks.append(t)
    return list(routes.values())


def community_teams(building: Place) -> list[Team]:
    """The teams of the building's community (to give its doors to)."""
    community_id = testing.community_id_of(building)
    return list(Team.objects.filter(community_id=community_id).select_related("leader")[:100])


def community_team(building: Place, team_id: Any) -> Team | None:
    """The team `team_id` of the building's community, or None."""
    if not str(team_id).isdigit():
        return None
    return Team.objects.filter(
        community_id=testing.community_id_of(building), pk=int(team_id)
    ).first()


def _home_for(user: User | AnonymousUser) -> QuerySet[Task]:
    """Home visits in the user's RUN_TESTING places, or in a building given to their team."""
    scope = scope_for(user, Capability.RUN_TESTING)
    tasks = Task.objects.filter(campaign__kind=CampaignKind.HOME_SAMPLING)
    if not getattr(user, "is_authenticated", False):
        return tasks.none()
    given = Assignment.objects.filter(
        _mine(user), campaign=OuterRef("campaign"), building=OuterRef("building")
    )
    return tasks.alias(given=Exists(given)).filter(scope.q("building") | Q(given=True))


def get_home_task_for(user: User | AnonymousUser, pk: Any) -> Task:
    """A home visit in the user's RUN_TESTING places, or in a building given to their team
    (or to them); 404 otherwise."""
    tasks = _home_for(user).select_related(
        "campaign", "campaign__round", "resident", "resident__household", "building"
    )
    return get_for(tasks, pk, what="home task")


@dataclass
class MyRoundWork:
    """A cadre's door-to-door work of testing rounds: pending home visits in buildings given
    to their team (how many, the first few in walking order) and the running rounds with a
    missed-walk building given to it."""

    tasks: int
    first_tasks: list[Task]
    doors: list[Round]


def my_round_work(user: User | AnonymousUser, limit: int = 5) -> MyRoundWork:
    """The user's round work (one query when their team was given nothing)."""
    if not getattr(user, "is_authenticated", False):
        return MyRoundWork(0, [], [])
    given = list(
        Assignment.objects.filter(
            _mine(user),
            campaign__kind__in=(CampaignKind.HOME_SAMPLING, CampaignKind.MISSED_TEST),
            campaign__round__isnull=False,
        ).values_list("campaign__kind", "campaign__round_id", "campaign__round__status")[:500]
    )
    door_ids = {
        r for kind, r, status in given
        if kind == CampaignKind.MISSED_TEST and status == RoundStatus.RUNNING
    }  # fmt: skip
    doors = []
    if door_ids:
        doors = list(Round.objects.filter(pk__in=door_ids).order_by("-starts_on", "-id")[:3])
    if not any(kind == CampaignKind.HOME_SAMPLING for kind, _r, _s in given):
        return MyRoundWork(0, [], doors)
    mine = Assignment.objects.filter(
        _mine(user), campaign=OuterRef("campaign"), building=OuterRef("building")
    )
    tasks = (
        Task.objects.filter(campaign__kind=CampaignKind.HOME_SAMPLING, status__in=PENDING)
        .alias(given=Exists(mine))
        .filter(given=True)
    )
    first = list(
        tasks.select_related("building", "resident").order_by(
            "building__path", "unit", "floor", "room", "pk"
        )[:limit]
    )
    labels = dict(HomeReason.choices)
    for t in first:
        t.reason_label = labels.get(t.reason, t.reason)
    n = tasks.count() if len(first) == limit else len(first)
    return MyRoundWork(n, first, doors)
