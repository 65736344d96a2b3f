"""The database as a roster problem: a place's active shifts, what they need, its pool of
people, their wishes and other work, turned into a `roster.problem.Problem` (here and only
here), with what its ids mean. Slot ids are "<shift id>:<day index>"."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from shequ.duty.models import (
    Assignment,
    DutyRequest,
    RequestKind,
    RequirementRule,
    Roster,
    RosterStatus,
    Shift,
    ShiftRequirement,
)
from shequ.duty.roster.problem import (
    AVOID,
    DAY,
    PREFER,
    PastWork,
    Person,
    Problem,
    Request,
    Rules,
    Slot,
)
from shequ.duty.services import rules_for
from shequ.mobilization.models import ACTIVE_STATES, Enlistment, Fitness, Staff
from shequ.places.models import Place, PlaceKind

MAX_DAYS = 28


def slot_key(shift_id: int, day: int) -> str:
    return f"{shift_id}:{day}"


def origin(day: dt.date) -> dt.datetime:
    """00:00 city time of `day`."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(0, 0)))


@dataclass
class Context:
    """A problem and what its ids mean in the database."""

    place: Place
    starts_on: dt.date
    days: int
    problem: Problem
    shifts: dict[int, Shift] = field(default_factory=dict)
    staff: dict[int, Staff] = field(default_factory=dict)

    def slot_of(self, shift_id: int, day: dt.date) -> Slot:
        return self.problem.slot(slot_key(shift_id, (day - self.starts_on).days))

    def shift_and_day(self, slot_id: str) -> tuple[Shift, dt.date]:
        shift_id, day = slot_id.split(":")
        return self.shifts[int(shift_id)], self.starts_on + dt.timedelta(days=int(day))

    def slot_label(self, slot_id: str) -> str:
        shift, day = self.shift_and_day(slot_id)
        return f"{shift.post.name} {shift.name} {day:%m-%d}"

    def name(self, person_id: int | None) -> str:
        staff = self.staff.get(person_id) if person_id is not None else None
        return staff.name if staff else "?"


def _rules(place: Place) -> Rules:
    """A community's rules; for a street, the strictest of its communities'."""
    if place.kind == PlaceKind.COMMUNITY:
        communities = [place]
    else:
        communities = list(
            Place.objects.filter(path__startswith=place.path, kind=PlaceKind.COMMUNITY)
        )
    sets = [rules_for(c) for c in communities] or [rules_for(place)]
    return Rules(
        max_minutes_per_day=60 * min(r.max_hours_per_day for r in sets),
        min_rest_minutes=60 * max(r.min_rest_hours for r in sets),
        max_consecutive_days=min(r.max_consecutive_days for r in sets),
        max_shifts_per_week=min(r.max_shifts_per_week for r in sets),
        min_days_off_per_week=max(r.min_days_off_per_week for r in sets),
    )


def pool(place: Place) -> list[Staff]:
    """People on duty in the place who may be rostered: reported in, fit and available."""
    return list(
        Staff.objects.filter(
            enlistments__state__in=ACTIVE_STATES,
            enlistments__community__path__startswith=place.path,
            fitness=Fitness.FIT,
            available=True,
        )
        .distinct()
        .select_related("agency", "residence_community")
        .order_by("pk")
    )


def build_context(
    place: Place,
    starts_on: dt.date,
    days: int,
    *,
    base: Roster | None = None,
    now: dt.datetime | None = None,
    absent: tuple[int, dt.date] | None = None,
) -> Context:
    """Everything the solver needs for `place` over `days` days from `starts_on`; `absent`
    (a person, a day) is taken as unavailable although no day off is saved yet."""
    start = origin(starts_on)
    end_day = starts_on + dt.timedelta(days=days)
    shifts = {
        s.pk: s
        for s in Shift.objects.filter(
            post__community__path__startswith=place.path, post__active=True
        ).select_related("post")
    }
    requirements: dict[tuple[int, dt.date | None], ShiftRequirement] = {
        (r.shift_id, r.day): r
        for r in ShiftRequirement.objects.filter(shift__in=shifts).filter(
            Q(day__isnull=True) | Q(day__gte=starts_on, day__lt=end_day)
        )
    }
    slots = []
    for d in range(days):
        day = starts_on + dt.timedelta(days=d)
        for shift in shifts.values():
            req = requirements.get((shift.pk, day)) or requirements.get((shift.pk, None))
            begin = d * DAY + shift.start_minute
            slots.append(
                Slot(
                    id=slot_key(shift.pk, d),
                    post=shift.post.name,
                    shift=shift.name,
                    day=d,
                    start=begin,
                    end=begin + shift.minutes,
                    min_people=req.min_people if req else 0,
                    max_people=req.max_people if req else 1,
                    party=bool(req and req.party_member),
                    skills=req.skills if req else 0,
                    not_only_women=bool(
                        req
                        and RequirementRule.NOT_ONLY_WOMEN_AT_NIGHT in req.rules
                        and shift.is_night
                    ),
                    group=str(shift.post.community_id),
                )
            )
    staff = {s.pk: s for s in pool(place)}
    wishes = DutyRequest.objects.filter(staff__in=staff, day__gte=starts_on, day__lt=end_day)
    unavailable: dict[int, set[int]] = {}
    requests = []
    for w in wishes:
        d = (w.day - starts_on).days
        if w.kind == RequestKind.UNAVAILABLE:
            unavailable.setdefault(w.staff_id, set()).add(d)
        elif w.shift_id in shifts:
            kind = PREFER if w.kind == RequestKind.PREFER else AVOID
            requests.append(Request(w.staff_id, d, kind, slot_key(w.shift_id, d)))
    if absent is not None and starts_on <= absent[1] < end_day:
        unavailable.setdefault(absent[0], set()).add((absent[1] - starts_on).days)
    # Shifts that have started keep the crew this place's published roster gave them, even
    # if someone has since left the pool (they then work nothing else in this roster).
    # (A started shift no published roster of this place covered is still open to plan.)
    elapsed = int(((now or timezone.now()) - start).total_seconds() // 60)
    covered: set[int] = set()
    for first, length in Roster.objects.filter(
        place=place,
        status=RosterStatus.PUBLISHED,
        starts_on__lt=end_day,
        starts_on__gte=starts_on - dt.timedelta(days=MAX_DAYS),
    ).values_list("starts_on", "days"):
        covered.update((first - starts_on).days + i for i in range(length))
    frozen_sets: dict[str, set[int]] = {
        s.id: set() for s in slots if s.start < elapsed and s.day in covered
    }
    if frozen_sets:
        on_started = Assignment.objects.filter(
            roster__place=place,
            roster__status=RosterStatus.PUBLISHED,
            vacated_at__isnull=True,
            shift__in=shifts,
            day__gte=starts_on,
            day__lt=end_day,
        ).values_list("staff_id", "shift_id", "day")
        for staff_id, shift_id, day in on_started:
            key = slot_key(shift_id, (day - starts_on).days)
            if key in frozen_sets:
                frozen_sets[key].add(staff_id)
    gone = {p for crew in frozen_sets.values() for p in crew} - set(staff)
    for s in Staff.objects.filter(pk__in=gone):
        staff[s.pk] = s
        unavailable[s.pk] = set(range(days))
    frozen = {key: frozenset(crew) for key, crew in frozen_sets.items()}
    # The community each person is enlisted in: a street's roster is solved by its parts.
    home: dict[int, str] = {}
    for staff_id, community_id in (
        Enlistment.objects.filter(
            staff__in=staff, state__in=ACTIVE_STATES, community__path__startswith=place.path
        )
        .order_by("pk")
        .values_list("staff_id", "community_id")
    ):
        home.setdefault(staff_id, str(community_id))
    people = tuple(
        Person(
            id=s.pk,
            name=s.name,
            woman=s.gender == "female",
            party=s.party_member,
            skills=s.skills,
            unavailable=frozenset(unavailable.get(s.pk, ())),
            group=home.get(s.pk, ""),
        )
        for s in staff.values()
    )
    # Work that counts but is not ours to change: the week before, and other places' rosters.
    other = (
        Assignment.objects.filter(
            roster__status=RosterStatus.PUBLISHED,
            vacated_at__isnull=True,
            staff__in=staff,
            starts_at__gte=start - dt.timedelta(days=7),
            starts_at__lt=origin(end_day),
        )
        .exclude(roster=base)
        # This place's (and its communities') rosters for these days are what we replace.
        .exclude(Q(roster__place__path__startswith=place.path) & Q(day__gte=starts_on))
    )
    past = []
    for a in other:
        begin = int((a.starts_at - start).total_seconds() // 60)
        minutes = int((a.ends_at - a.starts_at).total_seconds() // 60)
        past.append(PastWork(a.staff_id, (a.day - starts_on).days, begin, begin + minutes))
    published: frozenset[tuple[int, str]] = frozenset()
    if base is not None:
        published = frozenset(
            (a.staff_id, slot_key(a.shift_id, (a.day - starts_on).days))
            for a in base.assignments.filter(vacated_at__isnull=True)
            if a.staff_id in staff and a.shift_id in shifts
        )
    problem = Problem(
        days=days,
        people=people,
        slots=tuple(slots),
        rules=_rules(place),
        requests=tuple(requests),
        past=tuple(past),
        published=published,
        frozen=frozen,
    )
    return Context(place, starts_on, days, problem, shifts, staff)


def roster_context(roster: Roster) -> tuple[Context, set[tuple[int, str]]]:
    """The problem a roster answers and its current assignment pairs."""
    ctx = build_context(roster.place, roster.starts_on, roster.days)
    pairs = {
        (a.staff_id, slot_key(a.shift_id, (a.day - roster.starts_on).days))
        for a in roster.assignments.filter(vacated_at__isnull=True)
    }
    return ctx, pairs
