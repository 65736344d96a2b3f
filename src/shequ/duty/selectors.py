"""Reads for duty pages and exports, each narrowed to what the user's role covers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.duty.calls import LONGEST_CALL
from shequ.duty.changes import active_assignments
from shequ.duty.models import (
    Assignment,
    ChangeStatus,
    Post,
    Roster,
    RosterStatus,
    Shift,
    ShiftChange,
    ShiftRequirement,
    UrgentAnswer,
)
from shequ.mobilization.models import Staff
from shequ.places.models import Place, PlaceKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User


def planning_places(user: User | AnonymousUser) -> QuerySet[Place]:
    """Communities and streets the user may make rosters for."""
    scope = scope_for(user, Capability.PLAN_DUTY)
    return Place.objects.filter(
        scope.q(), kind__in=[PlaceKind.COMMUNITY, PlaceKind.STREET]
    ).order_by("path")


def posts_for(user: User | AnonymousUser) -> QuerySet[Post]:
    return Post.objects.filter(scope_for(user, Capability.VIEW_DUTY).q("community"))


def rosters_for(user: User | AnonymousUser) -> QuerySet[Roster]:
    return Roster.objects.filter(scope_for(user, Capability.VIEW_DUTY).q("place")).select_related(
        "place"
    )


def get_roster_for(user: User | AnonymousUser, pk: int) -> Roster:
    roster = rosters_for(user).filter(pk=pk).first()
    if roster is None:
        raise Http404("roster")
    return roster


def get_post_for(user: User | AnonymousUser, pk: int) -> Post:
    post = posts_for(user).filter(pk=pk).select_related("community", "place").first()
    if post is None:
        raise Http404("post")
    return post


def my_staff(user: User | AnonymousUser) -> Staff | None:
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
    return (
        Post.objects.filter(community=community)
        .annotate(n_shifts=Count("shifts"))
        .prefetch_related("shifts__requirements")
        .select_related("place")
        .order_by("-active", "name")
    )


def pending_changes_for(user: User | AnonymousUser) -> QuerySet[ShiftChange]:
    """Swap and sick requests waiting for this user: as a planner or as the shift leader."""
    scope = scope_for(user, Capability.PLAN_DUTY)
    staff = my_staff(user)
    lead = Q()
    if staff is not None:
        led = Assignment.objects.filter(staff=staff, is_leader=True).values_list("shift_id", "day")
        for shift_id, day in led[:200]:
            lead |= Q(assignment__shift_id=shift_id, assignment__day=day)
    condition = scope.q("assignment__roster__place") if not scope.is_empty else Q(pk__in=[])
    if lead:
        condition |= lead
    return (
        ShiftChange.objects.filter(condition, status=ChangeStatus.PENDING)
        .select_related(
            "assignment__shift__post", "requested_by", "replacement", "assignment__staff"
        )
        .order_by("created_at")
    )


# --- the roster grid ----------------------------------------------------------------------


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
