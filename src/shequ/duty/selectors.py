"""Reads for duty pages, the API and exports, each narrowed to what the user's role covers.

Every object a page or the API fetches by id goes through one `get_<model>_for` here (404
outside what the user sees); attendance's reads are in `attendance.selectors`, calls' and
changes' scope rules next to their services (`calls`, `changes`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from shequ.core.access import get_for
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.duty.attendance.selectors import STAFF_PII, open_presence
from shequ.duty.calls import LONGEST_CALL, calls_for
from shequ.duty.changes import active_assignments, changes_for, vacated_ids
from shequ.duty.models import (
    Assignment,
    ChangeStatus,
    Post,
    Roster,
    RosterJob,
    RosterStatus,
    Shift,
    ShiftChange,
    ShiftRequirement,
    UrgentAnswer,
    UrgentCall,
)
from shequ.mobilization.models import SKILL_SET, Staff
from shequ.places.models import Place, PlaceKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User

ASSIGNMENT_RELATED = ("shift__post", "staff")


def planning_places(user: User | AnonymousUser) -> QuerySet[Place]:
    """Communities and streets the user may make rosters for."""
    scope = scope_for(user, Capability.PLAN_DUTY)
    return Place.objects.filter(
        scope.q(), kind__in=[PlaceKind.COMMUNITY, PlaceKind.STREET]
    ).order_by("path")


def posts_for(user: User | AnonymousUser) -> QuerySet[Post]:
    """Posts of the communities the user sees duty for."""
    return Post.objects.filter(scope_for(user, Capability.VIEW_DUTY).q("community"))


def rosters_for(user: User | AnonymousUser) -> QuerySet[Roster]:
    """Rosters of the places the user sees duty for (every status)."""
    return Roster.objects.filter(scope_for(user, Capability.VIEW_DUTY).q("place")).select_related(
        "place"
    )


def get_roster_for(user: User | AnonymousUser, pk: int) -> Roster:
    """A roster the user sees duty for; 404 otherwise."""
    return get_for(rosters_for(user), pk, what="roster")


def get_roster_job_for(user: User | AnonymousUser, pk: int) -> RosterJob:
    """A background roster job of a place the user plans duty for; 404 otherwise."""
    jobs = RosterJob.objects.filter(scope_for(user, Capability.PLAN_DUTY).q("place"))
    return get_for(jobs.select_related("place", "roster"), pk, what="roster job")


def get_post_for(user: User | AnonymousUser, pk: int) -> Post:
    """A post the user sees duty for; 404 otherwise."""
    return get_for(posts_for(user).select_related("community", "place"), pk, what="post")


def get_community_for(user: User | AnonymousUser, pk: int) -> Place:
    """A community the user sees duty for; 404 otherwise."""
    communities = Place.objects.filter(
        scope_for(user, Capability.VIEW_DUTY).q(), kind=PlaceKind.COMMUNITY
    )
    return get_for(communities, pk, what="community")


def get_shift_for(user: User | AnonymousUser, pk: int) -> Shift:
    """A shift of a post the user sees duty for, with its post and community; 404 otherwise."""
    shifts = Shift.objects.filter(post__in=posts_for(user)).select_related("post__community")
    return get_for(shifts, pk, what="shift")


def get_roster_shift(roster: Roster, pk: int) -> Shift:
    """A shift of a post in the roster's place (a row of its grid); 404 otherwise."""
    shifts = Shift.objects.filter(post__community__path__startswith=roster.place.path)
    return get_for(shifts.select_related("post"), pk, what="shift")


def get_assignment_in(roster: Roster, pk: int) -> Assignment:
    """One of the roster's assignments; 404 otherwise."""
    return get_for(roster.assignments.all(), pk, what="assignment")


def may_plan(user: User | AnonymousUser, place: Place) -> bool:
    """Whether the user plans duty at `place`: the pages then show their editing controls."""
    return scope_for(user, Capability.PLAN_DUTY).covers(place)


def planning_communities(user: User | AnonymousUser) -> QuerySet[Place]:
    """Communities the user plans duty for."""
    return planning_places(user).filter(kind=PlaceKind.COMMUNITY)


def planning_community(user: User | AnonymousUser, pk: int) -> Place | None:
    """The community with id `pk` if the user plans duty for it, else None."""
    return planning_communities(user).filter(pk=pk).first()


def live_rosters_for(user: User | AnonymousUser) -> QuerySet[Roster]:
    """Rosters the user sees, not discarded, the latest first."""
    return (
        rosters_for(user)
        .exclude(status=RosterStatus.DISCARDED)
        .order_by("-starts_on", "-created_at")
    )


@dataclass
class DutyHome:
    """What the duty home page shows a user."""

    places: QuerySet[Place]  # where they may make rosters
    communities: QuerySet[Place]  # where they plan duty (first 50)
    rosters: QuerySet[Roster]  # live rosters, the latest first
    may_plan: bool
    has_pages: bool  # plans somewhere or sees a live roster


def duty_home_for(user: User | AnonymousUser) -> DutyHome:
    """The places the user may plan and the rosters they see, for the duty home page."""
    places = planning_places(user)
    rosters = live_rosters_for(user)
    may = places.exists()
    return DutyHome(
        places=places,
        communities=places.filter(kind=PlaceKind.COMMUNITY)[:50],
        rosters=rosters,
        may_plan=may,
        has_pages=may or rosters.exists(),
    )


def posts_listed(user: User | AnonymousUser, community_id: int | None = None) -> QuerySet[Post]:
    """Posts the user sees duty for, with their shifts, by community and name."""
    posts = posts_for(user).prefetch_related("shifts").order_by("community", "name")
    return posts.filter(community_id=community_id) if community_id else posts


def rosters_listed(
    user: User | AnonymousUser, *, place_id: int | None = None, status: str = ""
) -> QuerySet[Roster]:
    """Rosters the user sees, of one place and one status when given."""
    rosters = rosters_for(user)
    if place_id:
        rosters = rosters.filter(place_id=place_id)
    return rosters.filter(status=status) if status else rosters


def staff_by_id(pk: int) -> Staff | None:
    """The person with id `pk`, or None (the services say whether they may be chosen)."""
    return Staff.objects.filter(pk=pk).first()


def my_staff(user: User | AnonymousUser) -> Staff | None:
    """The person on duty the user's login belongs to, or None."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Staff.objects.filter(user=user).first()


def my_assignments(staff: Staff, *, since: dt.datetime | None = None) -> QuerySet[Assignment]:
    """A person's shifts in published rosters, from `since` (default: those not yet over)."""
    since = since or timezone.now()
    return (
        Assignment.objects.filter(
            staff=staff,
            roster__status=RosterStatus.PUBLISHED,
            ends_at__gt=since,
            vacated_at__isnull=True,
        )
        .select_related("shift__post__place", "shift__post__community", "roster")
        .order_by("starts_at")
    )


def posts_with_counts(community: Place) -> QuerySet[Post]:
    """The community's posts with their shifts' count, shifts and needs, open ones first."""
    return (
        Post.objects.filter(community=community)
        .annotate(n_shifts=Count("shifts"))
        .prefetch_related("shifts__requirements")
        .select_related("place")
        .order_by("-active", "name")
    )


def community_posts(community: Place) -> list[Post]:
    """The community's posts (`posts_with_counts`), each shift with its standing need as
    `shift.default` (its skills named in `skill_names`), for the set-up page."""
    posts = list(posts_with_counts(community))
    for post in posts:
        for shift in post.shifts.all():
            shift.default = next((r for r in shift.requirements.all() if r.day is None), None)
            if shift.default is not None:
                shift.default.skill_names = SKILL_SET.to_list(shift.default.skills)
    return posts


def post_places(community: Place) -> list[Place]:
    """Where a new post of the community may stand: the community and its compounds."""
    compounds = Place.objects.filter(
        path__startswith=community.path, kind=PlaceKind.COMPOUND
    ).order_by("name")
    return [community, *compounds[:200]]


def standing_requirement(shift: Shift) -> ShiftRequirement | None:
    """What the shift needs on every day without a day of its own, if set."""
    return ShiftRequirement.objects.filter(shift=shift, day__isnull=True).first()


def upcoming_shifts(staff: Staff) -> list[Assignment]:
    """The person's published shifts not over yet (up to 200), with their post."""
    return list(
        active_assignments()
        .filter(staff=staff, ends_at__gt=timezone.now())
        .select_related(*ASSIGNMENT_RELATED)
        .defer(*STAFF_PII)
        .order_by("starts_at")[:200]
    )


def roster_assignments(roster: Roster) -> list[Assignment]:
    """Every assignment of the roster in day and post order, each marked `vacated` when its
    person was taken off it (a swap or a sick report)."""
    vacated = vacated_ids(roster)
    assignments = list(
        roster.assignments.select_related(*ASSIGNMENT_RELATED)
        .defer(*STAFF_PII)
        .order_by("day", "shift__post__name", "shift__position", "staff__name")
    )
    for a in assignments:
        a.vacated = a.pk in vacated
    return assignments


def pending_change_assignments(user: User | AnonymousUser, staff: Staff) -> QuerySet[Any]:
    """Ids of the person's shifts with a swap or sick report of theirs still pending."""
    return (
        changes_for(user)
        .filter(requested_by=staff, status=ChangeStatus.PENDING)
        .values_list("assignment_id", flat=True)
    )


def changes_listed(user: User | AnonymousUser, status: str = "") -> QuerySet[ShiftChange]:
    """Changes the user may see (`changes.changes_for`), newest first, of one status if given."""
    found = changes_for(user).order_by("-created_at")
    return found.filter(status=status) if status else found


def calls_listed(
    user: User | AnonymousUser, *, community_id: int | None = None, status: str = ""
) -> QuerySet[UrgentCall]:
    """Calls of the communities the user sees duty for, newest first, narrowed when asked."""
    found = calls_for(user).order_by("-created_at")
    if community_id:
        found = found.filter(community_id=community_id)
    return found.filter(status=status) if status else found


def answer_of(call: UrgentCall, staff: Staff | None) -> UrgentAnswer | None:
    """The person's answer to the call, if they gave one."""
    return call.answers.filter(staff=staff).first() if staff else None


def call_answers(call: UrgentCall) -> QuerySet[UrgentAnswer]:
    """Who answered the call, in order."""
    return call.answers.select_related("staff").order_by("answered_at")


def my_answers(user: User | AnonymousUser, calls: list[UrgentCall]) -> dict[int, bool]:
    """{call id: accepted} for the user's answers to these calls."""
    return dict(
        UrgentAnswer.objects.filter(call__in=calls, staff__user=user).values_list(
            "call_id", "accepted"
        )
    )


# --- the roster grid ----------------------------------------------------------------------


def cell_crew(roster: Roster, shift: Shift, day: dt.date) -> list[Assignment]:
    """Who is on one cell of the roster, the leader first."""
    return list(
        roster.assignments.filter(shift=shift, day=day, vacated_at__isnull=True)
        .select_related("staff")
        .order_by("-is_leader", "staff__name")
    )


def roster_table(roster: Roster) -> list[list[str]]:
    """The roster as rows of a spreadsheet: post, shift and hours, then each day's crew
    (leaders marked ★)."""
    by_cell: dict[tuple[int, dt.date], list[str]] = {}
    standing = roster.assignments.filter(vacated_at__isnull=True).select_related("staff")
    for a in standing.order_by("-is_leader", "staff__name"):
        name = a.staff.name + ("★" if a.is_leader else "")
        by_cell.setdefault((a.shift_id, a.day), []).append(name)
    shifts = Shift.objects.filter(assignments__roster=roster).select_related("post").distinct()
    days = roster.day_list()
    return [
        [shift.post.name, f"{shift.name} {shift.hours_label()}"]
        + ["、".join(by_cell.get((shift.pk, d), [])) for d in days]
        for shift in sorted(shifts, key=lambda s: (s.post.name, s.position, s.starts))
    ]


@dataclass
class Cell:
    shift: Shift
    day: dt.date
    crew: list[Assignment] = field(default_factory=list)
    min_people: int = 0
    max_people: int = 1
    party: bool = False

    @property
    def status(self) -> str:
        """ok / short / empty (nobody needed) — the colour of the cell."""
        if len(self.crew) < self.min_people:
            return "short"
        if not self.crew and not self.min_people:
            return "empty"
        if self.party and not any(a.staff.party_member for a in self.crew):
            return "warn"
        return "ok"


@dataclass
class GridRow:
    shift: Shift
    cells: list[Cell]


@dataclass
class Grid:
    days: list[dt.date]
    rows: list[GridRow]
    week: int
    weeks: int
    short: int
    covered: int


def roster_grid(roster: Roster, week: int = 0) -> Grid:
    """Posts × days for one week of the roster, every cell with its crew and colour."""
    all_days = roster.day_list()
    weeks = (len(all_days) + 6) // 7
    week = max(0, min(week, weeks - 1))
    days = all_days[7 * week : 7 * week + 7]
    shifts = list(
        Shift.objects.filter(
            Q(post__community__path__startswith=roster.place.path, post__active=True)
            | Q(assignments__roster=roster)
        )
        .select_related("post")
        .distinct()
        .order_by("post__name", "position", "starts")
    )
    requirements = {
        (r.shift_id, r.day): r
        for r in ShiftRequirement.objects.filter(shift__in=shifts).filter(
            Q(day__isnull=True) | Q(day__in=days)
        )
    }
    crews: dict[tuple[int, dt.date], list[Assignment]] = {}
    for a in (
        roster.assignments.filter(day__in=days, vacated_at__isnull=True)
        .select_related("staff")
        .order_by("-is_leader", "staff__name")
    ):
        crews.setdefault((a.shift_id, a.day), []).append(a)
    rows, short, covered = [], 0, 0
    for shift in shifts:
        cells = []
        for day in days:
            req = requirements.get((shift.pk, day)) or requirements.get((shift.pk, None))
            cell = Cell(
                shift,
                day,
                crews.get((shift.pk, day), []),
                req.min_people if req else 0,
                req.max_people if req else 1,
                bool(req and req.party_member),
            )
            short += cell.status == "short"
            covered += cell.status in ("ok", "warn")
            cells.append(cell)
        rows.append(GridRow(shift, cells))
    return Grid(days, rows, week, weeks, short, covered)


# A guard or a sampler opens their post's page a little before the shift, to download its
# offline data (a gate's or a station's snapshot) while still on a network; half an hour covers
# getting there without handing residents and pass codes to someone whose shift is hours away.
OFFLINE_DATA_LEAD = dt.timedelta(minutes=30)


def on_duty_at_until(
    user: User | AnonymousUser,
    post: Post,
    *,
    at: dt.datetime,
    lead: dt.timedelta = OFFLINE_DATA_LEAD,
) -> dt.datetime | None:
    """When the user's duty at `post` ends, for duty running at `at` or starting within
    `lead` after it: a shift of a published roster they were not taken off, or an urgent call
    for that post they answered and got. None when they have none there then."""
    if not getattr(user, "is_authenticated", False):
        return None
    ends = list(
        active_assignments()
        .filter(staff__user=user, shift__post=post, starts_at__lte=at + lead, ends_at__gt=at)
        .values_list("ends_at", flat=True)
    )
    for answer in UrgentAnswer.objects.filter(
        staff__user=user,
        accepted=True,
        call__post=post,
        call__starts_at__lte=at + lead,
        call__starts_at__gt=at - LONGEST_CALL,
    ).select_related("call"):
        if answer.call.ends_at > at:
            ends.append(answer.call.ends_at)
    return max(ends, default=None)


def next_roster_start(place: Place) -> dt.date:
    """The day a new roster of `place` starts by default: tomorrow, or the day after the
    place's published roster when that one runs longer (so the new one follows it)."""
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    published = Roster.objects.filter(
        place=place,
        status=RosterStatus.PUBLISHED,
        starts_on__gte=tomorrow - dt.timedelta(days=28),  # a roster covers at most 28 days
    )
    last = max((r.ends_on for r in published), default=None)
    return max(tomorrow, last + dt.timedelta(days=1)) if last else tomorrow


# --- the home page: a person's duty now, and a community's gaps -----------------------------


class NoShift(StrEnum):
    """Why a person has no shift now or later, most basic first (the home page says it)."""

    NO_RECORD = "no_record"  # the login is no cadre's or volunteer's
    NOT_REPORTED_IN = "not_reported_in"  # not reported in to a community
    NO_ROSTER = "no_roster"  # the community has no roster for today or later
    NOT_PUBLISHED = "not_published"  # a roster is drafted, none published
    NOT_ON_ROSTER = "not_on_roster"  # a roster is published, without them


@dataclass
class MyDuty:
    """A person's duty for the home page: the shift now (starting within the hour or
    running), the next one, their open check-in, and when there is no shift, why."""

    staff: Staff | None
    now: list[Assignment] = field(default_factory=list)
    next: Assignment | None = None
    presence: Any = None  # their open check-in (an Attendance), if any
    community: Place | None = None  # where they reported in
    why: str = ""  # a NoShift value when they have no shift now or later


def my_duty(user: User | AnonymousUser, staff: Staff | None, community: Place | None) -> MyDuty:
    """What the home page says of the person's duty (`community`: where they reported in,
    from mobilization's `active_enlistment`)."""
    if staff is None:
        return MyDuty(staff=None, why=NoShift.NO_RECORD)
    shifts = list(my_assignments(staff)[:10])
    soon = timezone.now() + dt.timedelta(hours=1)  # the My shifts page's "now" (check in early)
    duty = MyDuty(
        staff=staff,
        now=[a for a in shifts if a.starts_at <= soon],
        next=next((a for a in shifts if a.starts_at > soon), None),
        presence=open_presence(staff),
        community=community,
    )
    if not shifts:
        duty.why = NoShift.NOT_REPORTED_IN if community is None else roster_state(community)
    return duty


def roster_state(community: Place) -> str:
    """Why a person reported in to `community` has no shift there: its rosters for today or
    later (of the community or its street) are published, only drafted, or none."""
    today = timezone.localdate()
    statuses = {
        r.status
        for r in Roster.objects.filter(
            place_id__in=[community.pk, *community.ancestor_ids()],
            status__in=[RosterStatus.PUBLISHED, RosterStatus.DRAFT],
            starts_on__gt=today - dt.timedelta(days=28),  # a roster covers at most 28 days
        ).only("starts_on", "days", "status")
        if r.ends_on >= today
    }
    if RosterStatus.PUBLISHED in statuses:
        return NoShift.NOT_ON_ROSTER
    return NoShift.NOT_PUBLISHED if RosterStatus.DRAFT in statuses else NoShift.NO_ROSTER


@dataclass
class Gap:
    """A shift on a day with fewer people on the published roster than it needs."""

    shift: Shift
    day: dt.date
    needed: int
    have: int


def roster_gaps(
    communities: list[Place], *, days: int = 3, limit: int = 20
) -> tuple[int, list[Gap]]:
    """Shifts of the communities' open posts, today (those not over yet) and the next days,
    that the published rosters leave short: how many, and the first `limit` by time."""
    if not communities:
        return 0, []
    today = timezone.localdate()
    day_list = [today + dt.timedelta(days=i) for i in range(days)]
    shifts = list(
        Shift.objects.filter(post__community__in=communities, post__active=True)
        .select_related("post__community")
        .order_by("post__community__name", "post__name", "position", "starts")
    )
    needs = {
        (r.shift_id, r.day): r.min_people
        for r in ShiftRequirement.objects.filter(shift__in=shifts).filter(
            Q(day__isnull=True) | Q(day__in=day_list)
        )
    }
    have = {
        (row["shift_id"], row["day"]): row["n"]
        for row in active_assignments()
        .filter(shift__in=shifts, day__in=day_list)
        .values("shift_id", "day")
        .annotate(n=Count("id"))
    }
    now = timezone.now()
    gaps = []
    for day in day_list:
        start_of_day = timezone.make_aware(dt.datetime.combine(day, dt.time(0, 0)))
        for shift in shifts:
            begins = start_of_day + dt.timedelta(minutes=shift.start_minute)
            if begins + dt.timedelta(minutes=shift.minutes) <= now:
                continue
            needed = needs.get((shift.pk, day), needs.get((shift.pk, None), 0))
            got = have.get((shift.pk, day), 0)
            if got < needed:
                gaps.append(Gap(shift, day, needed, got))
    return len(gaps), gaps[:limit]
