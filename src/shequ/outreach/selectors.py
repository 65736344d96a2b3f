"""Reads of door-to-door campaigns, narrowed to what the user may see.

Who sees what: staff with VIEW_RESIDENTS over the campaign's community see the campaign, its
board and its tasks; cadres and volunteers see the buildings given to their team (or to
themselves) and those buildings' tasks. Who records: EDIT_RESIDENTS over the building
(community staff, street officers, the HQ) or the people on the assigned team (or the assigned
cadre). Progress is one aggregate query per view (building, team, compound)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from shequ.core.access import get_for, require
from shequ.core.errors import PermissionDenied
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.mobilization import selectors as mobilization
from shequ.outreach.models import (
    PENDING,
    Assignment,
    Campaign,
    CampaignStatus,
    Proposal,
    ProposalStatus,
    Task,
    TaskStatus,
    Visit,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User
    from shequ.places.models import Place

# The capabilities behind the campaign pages: seeing a community's campaigns, and running
# them (making campaigns, giving buildings out, recording at any door, confirming proposals).
VIEW = Capability.VIEW_RESIDENTS
MANAGE = Capability.EDIT_RESIDENTS
# Whether the user has buildings of open campaigns, once my_buildings has looked (the home
# page's card, then the nav item: one query, not two).
_HAS = "_shequ_outreach_has_buildings"


def _assigned(user: User | AnonymousUser, prefix: str = "") -> Q:
    """Assignments given to the user's teams or to the user as a cadre."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    teams = mobilization.teams_of(user)  # a subquery, not a query of its own
    return Q(**{f"{prefix}team_id__in": teams}) | Q(**{f"{prefix}cadre__user": user})


def may_run(user: User | AnonymousUser) -> bool:
    """Whether the user makes campaigns somewhere (the campaign list's create button)."""
    return not scope_for(user, MANAGE).is_empty


def may_see(user: User | AnonymousUser) -> bool:
    """Whether the door-to-door pages have anything for the user (nav)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return not scope_for(user, VIEW).is_empty or has_buildings(user)


def has_buildings(user: User | AnonymousUser) -> bool:
    known = getattr(user, _HAS, None)
    if known is not None:
        return bool(known)
    return Assignment.objects.filter(_assigned(user), campaign__status=CampaignStatus.OPEN).exists()


def campaigns_for(user: User | AnonymousUser) -> QuerySet[Campaign]:
    """Campaigns of communities the user sees, and those with a building given to them."""
    given = Assignment.objects.filter(_assigned(user)).values("campaign_id")
    return Campaign.objects.filter(
        scope_for(user, VIEW).q("community") | Q(pk__in=given)
    ).select_related("community", "round")


def get_campaign_for(
    user: User | AnonymousUser, pk: Any, capability: str | None = None
) -> Campaign:
    """The campaign with id `pk`: 404 when the user may not see it; with MANAGE, 403 unless
    the user runs campaigns in its community."""
    campaign = get_for(campaigns_for(user), pk, what="campaign")
    if capability is not None:
        require(
            user,
            capability,
            campaign.community,
            reason=_("Only the staff of %s run its door-to-door campaigns.")
            % campaign.community.name,
        )
    return campaign


def may_manage(user: User | AnonymousUser, campaign: Campaign) -> bool:
    return scope_for(user, MANAGE).covers(campaign.community)


def assignment_of(campaign: Campaign, building_id: int) -> Assignment | None:
    return (
        Assignment.objects.filter(campaign=campaign, building_id=building_id)
        .select_related("team", "team__leader", "cadre")
        .first()
    )


def assignee_name(assignment: Assignment | None) -> str:
    if assignment is None:
        return ""
    if assignment.cadre_id:
        return assignment.cadre.name
    return _("Team %(n)s (%(leader)s)") % {
        "n": assignment.team.number,
        "leader": assignment.team.leader.name,
    }


def may_record(user: User | AnonymousUser, campaign: Campaign, building: Place) -> bool:
    if scope_for(user, MANAGE).covers(building):
        return True
    return Assignment.objects.filter(_assigned(user), campaign=campaign, building=building).exists()


def require_record(user: User | AnonymousUser, campaign: Campaign, building: Place) -> None:
    """403 with the reason unless the user may record at the doors of `building`."""
    if may_record(user, campaign, building):
        return
    given = assignment_of(campaign, building.pk)
    if given is None:
        raise PermissionDenied(
            _("%(building)s is not given to anyone yet: the community's staff record there.")
            % {"building": building.name}
        )
    raise PermissionDenied(
        _("%(building)s is given to %(who)s: only they and the community's staff record its doors.")
        % {"building": building.name, "who": assignee_name(given)}
    )


def tasks_for(user: User | AnonymousUser) -> QuerySet[Task]:
    """Tasks in communities the user sees, and those of campaigns with a building given to the
    user (a cadre of another team sees the door, and is told whose it is when recording)."""
    given = Assignment.objects.filter(_assigned(user)).values("campaign_id")
    return Task.objects.filter(scope_for(user, VIEW).q("household") | Q(campaign_id__in=given))


def get_task_for(user: User | AnonymousUser, pk: Any) -> Task:
    """The task with id `pk` (404 when the user may not see it)."""
    return get_for(
        tasks_for(user).select_related(
            "campaign",
            "campaign__community",
            "building",
            "building__parent",
            "household",
            "resident",
        ),
        pk,
        what="task",
    )


def building_tasks(campaign: Campaign, building: Place) -> QuerySet[Task]:
    """The doors of one building in walking order: unit, floor, room."""
    return (
        Task.objects.filter(campaign=campaign, building=building)
        .select_related("household", "resident")
        .order_by("unit", "floor", "room", "resident_id", "pk")
    )


def _id(pk: Any) -> int:
    """An id from a URL or a form; -1 (no row) for anything that is not a small number."""
    text = str(pk)
    return int(text) if text.isdigit() and len(text) <= 18 else -1


def get_building_for(user: User | AnonymousUser, campaign: Campaign, pk: Any) -> Place:
    """A building with tasks in the campaign that the user may see (404 otherwise)."""
    first = (
        tasks_for(user)
        .filter(campaign=campaign, building_id=_id(pk))
        .select_related("building", "building__parent")
        .first()
    )
    if first is None:
        raise Http404("No such building")
    return first.building


@dataclass
class MyBuilding:
    assignment: Assignment
    total: int
    pending: int

    @property
    def done(self) -> int:
        return self.total - self.pending


def my_buildings(user: User | AnonymousUser) -> list[MyBuilding]:
    """The buildings of open campaigns given to the user's team or to the user, with how many
    doors are still to knock (two queries)."""
    given = list(
        Assignment.objects.filter(_assigned(user), campaign__status=CampaignStatus.OPEN)
        .select_related("campaign", "building", "building__parent", "team", "cadre")
        .order_by("-campaign__created_at", "building__path")
    )
    if getattr(user, "is_authenticated", False):
        setattr(user, _HAS, bool(given))
    if not given:
        return []
    counts = {
        (row["campaign_id"], row["building_id"]): row
        for row in Task.objects.filter(
            campaign_id__in={a.campaign_id for a in given},
            building_id__in={a.building_id for a in given},
        )
        .values("campaign_id", "building_id")
        .annotate(
            total=Count("pk", filter=~Q(status=TaskStatus.CANCELLED)),
            pending=Count("pk", filter=Q(status__in=PENDING)),
        )
    }
    out = []
    for a in given:
        row = counts.get((a.campaign_id, a.building_id), {})
        out.append(MyBuilding(a, row.get("total", 0), row.get("pending", 0)))
    return out


# --- progress ---------------------------------------------------------------------------

_OUTCOME_COUNTS = {
    "total": Count("pk", filter=~Q(status=TaskStatus.CANCELLED)),
    "done": Count("pk", filter=Q(status=TaskStatus.DONE)),
    "nobody_home": Count("pk", filter=Q(status=TaskStatus.NOBODY_HOME)),
    "refused": Count("pk", filter=Q(status=TaskStatus.REFUSED)),
    "moved": Count("pk", filter=Q(status=TaskStatus.MOVED)),
    "open": Count("pk", filter=Q(status=TaskStatus.OPEN)),
}


def _rows(qs: QuerySet[Any]) -> list[dict[str, Any]]:
    rows = list(qs)
    for row in rows:
        finished = row["done"] + row["refused"] + row["moved"]
        row["finished"] = finished
        row["percent"] = round(100 * finished / row["total"]) if row["total"] else 0
    return rows


def progress_totals(campaign: Campaign) -> dict[str, Any]:
    """The campaign's counts by outcome (one query)."""
    row = Task.objects.filter(campaign=campaign).aggregate(**_OUTCOME_COUNTS)
    return _rows([row])[0]


def progress_by_building(campaign: Campaign) -> list[dict[str, Any]]:
    """Counts per building, in the tree's order (one query)."""
    return _rows(
        Task.objects.filter(campaign=campaign)
        .values("building_id", "building__name", "building__parent__name", "building__path")
        .annotate(**_OUTCOME_COUNTS)
        .order_by("building__path")
    )


def progress_by_compound(campaign: Campaign) -> list[dict[str, Any]]:
    """Counts per compound (one query)."""
    return _rows(
        Task.objects.filter(campaign=campaign)
        .values("building__parent_id", "building__parent__name", "building__parent__path")
        .annotate(**_OUTCOME_COUNTS)
        .order_by("building__parent__path")
    )


def progress_by_team(campaign: Campaign) -> list[dict[str, Any]]:
    """Counts per assignee (team or cadre; "Not given out" for the rest): the per-building
    aggregate (one query) summed over the campaign's assignments (one more, small)."""
    by_building = (
        Task.objects.filter(campaign=campaign).values("building_id").annotate(**_OUTCOME_COUNTS)
    )
    given = {
        a.building_id: a
        for a in Assignment.objects.filter(campaign=campaign).select_related(
            "team", "team__leader", "cadre"
        )
    }
    totals: dict[tuple[str, int], dict[str, Any]] = {}
    for row in by_building:
        a = given.get(row["building_id"])
        key = ("team", a.team_id) if a and a.team_id else ("cadre", a.cadre_id) if a else ("", 0)
        into = totals.setdefault(
            key,
            {
                "team_id": a.team_id if a else None,
                "team_number": a.team.number if a and a.team_id else None,
                "name": assignee_name(a) if a else _("Not given out"),
                **dict.fromkeys(_OUTCOME_COUNTS, 0),
            },
        )
        for count in _OUTCOME_COUNTS:
            into[count] += row[count]
    rows = sorted(
        totals.values(),
        key=lambda r: (r["team_number"] is None, r["team_number"] or 0, str(r["name"])),
    )
    return _rows(rows)


# --- other reads -------------------------------------------------------------------------


def assignments_listed(campaign: Campaign) -> QuerySet[Assignment]:
    return Assignment.objects.filter(campaign=campaign).select_related(
        "building", "building__parent", "team", "team__leader", "cadre"
    )


def campaign_buildings(campaign: Campaign) -> list[Place]:
    """The buildings with tasks in the campaign (to give out), in the tree's order."""
    from shequ.places.models import Place

    ids = Task.objects.filter(campaign=campaign).values("building_id")
    return list(Place.objects.filter(pk__in=ids).select_related("parent").order_by("path"))


def community_teams(campaign: Campaign) -> QuerySet[Any]:
    """The teams sent to the campaign's community (to give buildings to)."""
    return mobilization.community_teams([campaign.community_id])


def visits_of(task: Task) -> QuerySet[Visit]:
    return Visit.objects.filter(task=task).select_related("by")


def visits_by_uuid(uuids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Visit]:
    """Visits already recorded under these client UUIDs (an offline resend)."""
    ids = list(uuids)
    if not ids:
        return {}
    return {
        v.client_uuid: v for v in Visit.objects.filter(client_uuid__in=ids).select_related("task")
    }


def proposals_for(
    user: User | AnonymousUser, *, status: str = ProposalStatus.PROPOSED
) -> QuerySet[Proposal]:
    """Registry proposals in the households the user may change (staff confirm them)."""
    qs = Proposal.objects.filter(scope_for(user, MANAGE).q("household")).select_related(
        "household", "household__parent", "resident", "task__campaign"
    )
    if status:
        qs = qs.filter(status=status)
    return qs


def get_proposal_for(user: User | AnonymousUser, pk: Any) -> Proposal:
    return get_for(proposals_for(user, status=""), pk, what="proposal")


def proposals_of(task: Task) -> QuerySet[Proposal]:
    return Proposal.objects.filter(task=task)


def building_snapshot(
    user: User | AnonymousUser, campaign: Campaign, building: Place
) -> dict[str, Any]:
    """One building's doors in walking order with the campaign's questions, as the phone keeps
    them (the API and the doors page)."""
    tasks = [
        {
            "id": t.pk,
            "household_id": t.household_id,
            "household": t.household.name,
            "resident": t.resident.name if t.resident_id else "",
            "unit": t.unit,
            "floor": t.floor,
            "status": t.status,
            "status_label": str(TaskStatus(t.status).label),
            "visits": t.visits,
            "answers": t.answers,
            "reason": t.reason,
        }
        for t in building_tasks(campaign, building)
    ]
    return {
        "campaign_id": campaign.pk,
        "campaign": campaign.name,
        "building_id": building.pk,
        "building": building.name,
        "may_record": campaign.status == CampaignStatus.OPEN
        and may_record(user, campaign, building),
        "questions": campaign.questions,
        "tasks": tasks,
    }


def managed_communities(user: User | AnonymousUser) -> list[Place]:
    """The communities where the user runs campaigns (the new-campaign form), up to 500."""
    from shequ.places import selectors as places
    from shequ.places.models import PlaceKind

    return list(
        places.places_for(user, kind=PlaceKind.COMMUNITY).filter(scope_for(user, MANAGE).q())[:500]
    )


def scope_choices(user: User | AnonymousUser, community: Place) -> list[Place]:
    """The compounds and buildings of a community a campaign may cover (up to 500)."""
    from shequ.places import selectors as places
    from shequ.places.models import PlaceKind

    return list(
        places.places_for(user)
        .filter(path__startswith=community.path, kind__in=[PlaceKind.COMPOUND, PlaceKind.BUILDING])
        .order_by("path")[:500]
    )


def campaign_tasks(campaign: Campaign) -> QuerySet[Task]:
    """Every task of a campaign, building by building in walking order (the Excel list)."""
    return (
        Task.objects.filter(campaign=campaign)
        .select_related("building", "building__parent", "household", "resident", "updated_by")
        .order_by("building__path", "unit", "floor", "room", "pk")
    )


def open_proposals_count(user: User | AnonymousUser) -> int:
    return proposals_for(user).count()


def has_answers(campaign: Campaign) -> bool:
    """Whether one door of the campaign has answered a question (one indexed probe)."""
    return Visit.objects.filter(task__campaign=campaign).exclude(answers={}).exists()


def answered_keys(campaign: Campaign) -> set[str]:
    """The keys of the campaign's questions answered at one door or more (visits keep every
    answer given; a task's answers are its last visit's)."""
    keys: set[str] = set()
    rows = (
        Visit.objects.filter(task__campaign=campaign)
        .exclude(answers={})
        .values_list("answers", flat=True)
    )
    for answers in rows.iterator(chunk_size=2000):
        keys.update(answers)
    return keys
