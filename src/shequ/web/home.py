"""The home page's cards: what each role starts its work with.

A cadre or a volunteer sees the help requests they claimed, by building; their shift now
(check in, open their gate or station), the next one, or why they have none; open urgent
calls; home-sampling tasks given to their team. A lab operator sees the transfers waiting to be
received. Community staff see new and overdue help requests, today's gate alerts, isolation
periods ending, residents not yet tested and the roster's gaps. The city HQ and the district
and street officers see the picture of their scope today (reports/today.py: each figure a
link to its list, the last 14 days as charts), then the figures of their places.

Every read is a selector of the app that owns the data, narrowed to what the user may see; the
page costs a handful of queries whatever the data's size (tests/web/test_home.py counts them).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from shequ.assistance import selectors as assistance
from shequ.checkpoints.selectors import today_counts
from shequ.core.roles import Capability, Role
from shequ.core.scopes import roles_of, scope_for
from shequ.duty import calls
from shequ.duty import selectors as duty
from shequ.duty.models import PostKind
from shequ.mobilization.selectors import active_enlistment
from shequ.outreach import round_selectors as round_doors
from shequ.outreach import selectors as outreach
from shequ.places.addresses import attach_addresses
from shequ.places.models import PlaceKind
from shequ.places.selectors import scope_counts, scope_roots
from shequ.reports.today import Today, today_for
from shequ.residents.selectors import periods_ending
from shequ.supplies import selectors as supplies
from shequ.testing import selectors as testing

if TYPE_CHECKING:
    from shequ.core.models import User
    from shequ.duty.models import Assignment, UrgentCall
    from shequ.outreach.models import Task
    from shequ.places.models import Place
    from shequ.testing.models import Round, Station

# Roles whose home shows the figures of their scope (places, zones): those who oversee places.
OVERSEERS = frozenset(
    {Role.CITY_HQ, Role.DISTRICT_OFFICER, Role.STREET_OFFICER, Role.INSPECTOR, Role.COMMUNITY_STAFF}
)
ON_DUTY = frozenset({Role.CADRE, Role.VOLUNTEER})
# Roles whose home is the picture of their scope today.
OFFICERS = frozenset({Role.CITY_HQ, Role.DISTRICT_OFFICER, Role.STREET_OFFICER})


@dataclass
class ShiftNow:
    """A shift running now (or within the hour) and where its work starts."""

    assignment: Assignment
    gate: bool  # the post is a gate: "Open my gate"
    stations: list[Station]  # the post is a sampling site's: "Open my station"


@dataclass
class DutyCard:
    duty: duty.MyDuty
    now: list[ShiftNow]
    calls: list[UrgentCall]
    answered: dict[int, bool]  # {call id: accepted} of the calls they answered
    tasks: int  # open home-sampling tasks of their team
    first_tasks: list[Task]
    doors: list[Round]  # running rounds with missed-walk buildings given to their team


@dataclass
class CommunityCard:
    communities: list[Place]
    alerts: dict[str, int]  # today's passages: total, refused, alerts, disagree
    ending: int  # isolation / monitoring periods ending by tomorrow (or overdue)
    first_ending: list[Any]
    missed: list[testing.Missed]
    gaps: int
    first_gaps: list[duty.Gap]
    today: dt.date


@dataclass
class Home:
    roles: list[Any]
    duty: DutyCard | None = None
    lab: dict[str, Any] | None = None  # {"n": transfers waiting, "oldest": sent at}
    community: CommunityCard | None = None
    counts: Any = None
    roots: list[Place] = field(default_factory=list)
    # Help requests in hand, by building (who claims them), and a community's new / overdue.
    help_tasks: list[assistance.BuildingTasks] = field(default_factory=list)
    help_new: list[Any] = field(default_factory=list)  # new requests to take (我来)
    help_counts: dict[str, int] | None = None
    # A warehouse keeper's warehouses today: low stock, transfers in transit to receive.
    keeper: supplies.KeeperCard | None = None
    today: Today | None = None  # an officer's or the HQ's scope today
    # Buildings of door-to-door campaigns given to a cadre's team or to them (outreach).
    doors: list[outreach.MyBuilding] = field(default_factory=list)


def home_for(user: User) -> Home:
    """The cards of the user's home page, from what their roles and duty are."""
    roles = roles_of(user)
    kinds = {ra.role for ra in roles}
    home = Home(roles=roles)
    staff = duty.my_staff(user)
    if staff is not None or kinds & ON_DUTY:
        given = outreach.my_buildings(user)
        # A testing round's walk and home visits are campaigns too: none given, none to read.
        home.duty = _duty_card(user, staff, given=bool(given))
        home.doors = [b for b in given if b.pending][:10]
    if Role.LAB_OPERATOR in kinds:
        home.lab = testing.transfers_waiting(user)
    communities = [
        ra.place
        for ra in roles
        if ra.role == Role.COMMUNITY_STAFF and ra.place and ra.place.kind == PlaceKind.COMMUNITY
    ]
    if communities:
        home.community = _community_card(user, communities)
    if not scope_for(user, Capability.CLAIM_HELP).is_empty:
        home.help_tasks = assistance.my_tasks(user, limit=20)
        home.help_new = assistance.claimable(user, limit=5)
    if not scope_for(user, Capability.MANAGE_HELP).is_empty:
        home.help_counts = assistance.community_counts(user)
    if Role.WAREHOUSE_KEEPER in kinds:
        home.keeper = supplies.keeper_card(user)
    if kinds & OFFICERS:
        home.today = today_for(user)
    if kinds & OVERSEERS:
        home.counts = scope_counts(user)
        home.roots = list(scope_roots(user)[:10])
    return home


def _duty_card(user: User, staff: Any, *, given: bool = True) -> DutyCard:
    enlistment = active_enlistment(staff) if staff is not None else None
    mine = duty.my_duty(user, staff, enlistment.community if enlistment else None)
    stations = testing.stations_at_posts([a.shift.post_id for a in mine.now])
    now = [
        ShiftNow(
            a,
            gate=a.shift.post.kind == PostKind.CHECKPOINT,
            stations=[s for s in stations if s.site.post_id == a.shift.post_id],
        )
        for a in mine.now
    ]
    open_calls = calls.open_calls_for(user) if staff is not None else []
    answered = duty.my_answers(user, open_calls) if open_calls else {}
    work = round_doors.my_round_work(user) if staff is not None and given else None
    if work is None:
        return DutyCard(mine, now, open_calls, answered, 0, [], [])
    return DutyCard(mine, now, open_calls, answered, work.tasks, work.first_tasks, work.doors)


def _community_card(user: User, communities: list[Place]) -> CommunityCard:
    today = timezone.localdate()
    ending, first_ending = periods_ending(user, through=today + dt.timedelta(days=1))
    # Each resident's home named as the community's staff tell it apart (compound, building).
    attach_addresses(first_ending, lambda p: p.resident.household, within=communities[:1])
    gaps, first_gaps = duty.roster_gaps(communities[:5], limit=8)
    return CommunityCard(
        communities=communities,
        alerts=today_counts(user),
        ending=ending,
        first_ending=first_ending,
        missed=testing.missed_counts(user, communities),
        gaps=gaps,
        first_gaps=first_gaps,
        today=today,
    )
