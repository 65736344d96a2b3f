"""Rosters: generate with the solver, explain, publish, re-plan, edit by hand with rule checks.

The database is turned into a `roster.problem.Problem` here (and only here); the solver and the
independent checker never see a model instance. Slot ids are "<shift id>:<day index>".
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shequ.core import audit
from shequ.core.errors import ValidationError
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
from shequ.duty.roster import check
from shequ.duty.roster.best import Best, best_roster
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
from shequ.duty.services import require_planner, rules_for
from shequ.mobilization.models import ACTIVE_STATES, RANK_LEVELS, SKILL_SET, Fitness, Staff
from shequ.notify import notify
from shequ.places.models import Place, PlaceKind

if TYPE_CHECKING:
    from shequ.core.models import User

MAX_DAYS = 28
EXPLAIN_SLOTS = 40  # short shifts explained one by one; the rest are counted


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
    people = tuple(
        Person(
            id=s.pk,
            name=s.name,
            woman=s.gender == "female",
            party=s.party_member,
            skills=s.skills,
            unavailable=frozenset(unavailable.get(s.pk, ())),
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


# --- explanations -------------------------------------------------------------------------

REASON_LABELS = {
    check.UNAVAILABLE: lambda n: ngettext("%d can't work that day", "%d can't work that day", n),
    check.REST: lambda n: ngettext(
        "%d would not rest enough after another shift",
        "%d would not rest enough after another shift",
        n,
    ),
    check.HOURS_PER_DAY: lambda n: ngettext(
        "%d at the hours-a-day limit", "%d at the hours-a-day limit", n
    ),
    check.CONSECUTIVE_DAYS: lambda n: ngettext(
        "%d at the days-in-a-row limit", "%d at the days-in-a-row limit", n
    ),
    check.SHIFTS_PER_WEEK: lambda n: ngettext(
        "%d at the shifts-a-week limit", "%d at the shifts-a-week limit", n
    ),
    check.DAYS_OFF: lambda n: ngettext("%d due a day off", "%d due a day off", n),
    check.NOT_ONLY_WOMEN: lambda n: ngettext(
        "%d would leave only women on a night shift",
        "%d would leave only women on a night shift",
        n,
    ),
    check.FROZEN: lambda n: ngettext(
        "%d not possible: the shift has started", "%d not possible: the shift has started", n
    ),
}


def explain(ctx: Context, assignment: frozenset[tuple[int, str]]) -> list[dict[str, Any]]:
    """What the roster misses and why, as data (rendered by `explanation_text`)."""
    problem = ctx.problem
    penalty = check.penalty(problem, assignment)
    items: list[dict[str, Any]] = []
    for i, (slot_id, missing) in enumerate(sorted(penalty.short.items(), key=_slot_order)):
        if i >= EXPLAIN_SLOTS:
            rest = len(penalty.short) - EXPLAIN_SLOTS
            items.append({"code": "more_short", "count": rest})
            break
        slot = problem.slot(slot_id)
        reasons: Counter[str] = Counter()
        free = 0
        for person in problem.people:
            if (person.id, slot_id) in assignment:
                continue
            found = check.added_violations(problem, assignment, person.id, slot)
            if found:
                reasons[found[0].rule] += 1
            else:
                free += 1
        items.append(
            {
                "code": "short",
                "slot": slot_id,
                "label": ctx.slot_label(slot_id),
                "missing": missing,
                "pool": len(problem.people),
                "free": free,
                "reasons": dict(reasons.most_common()),
            }
        )
    for slot_id in sorted(penalty.no_party, key=lambda s: _slot_order((s, 0))):
        items.append({"code": "no_party", "slot": slot_id, "label": ctx.slot_label(slot_id)})
    for slot_id, bits in sorted(penalty.missing_skills.items(), key=_slot_order):
        items.append(
            {
                "code": "no_skill",
                "slot": slot_id,
                "label": ctx.slot_label(slot_id),
                "skills": SKILL_SET.to_list(bits),
            }
        )
    for r in penalty.broken_requests:
        items.append(
            {
                "code": "request",
                "name": ctx.name(r.person),
                "kind": r.kind,
                "label": ctx.slot_label(r.slot) if r.slot else "",
            }
        )
    if penalty.spread_half_hours:
        items.append({"code": "spread", "hours": penalty.spread_half_hours / 2})
    if penalty.changes:
        items.append({"code": "changes", "count": penalty.changes})
    return items


def _slot_order(item: tuple[str, Any]) -> tuple[int, int]:
    shift_id, day = item[0].split(":")
    return int(day), int(shift_id)


def _reason_text(reasons: dict[str, int]) -> str:
    parts = [REASON_LABELS[rule](n) % n for rule, n in reasons.items() if rule in REASON_LABELS]
    return "；".join(parts)


def explanation_text(item: dict[str, Any]) -> str:
    code = item.get("code")
    if code == "short":
        text = _("%(label)s short by %(missing)d: only %(free)d of %(pool)d people free.") % item
        reasons = _reason_text(item.get("reasons", {}))
        return f"{text} {reasons}" if reasons else text
    if code == "more_short":
        return _("…and %(count)d more short shifts.") % item
    if code == "no_party":
        return _("%(label)s has no party member (党员先锋岗): none of them is free then.") % item
    if code == "no_skill":
        return _("%(label)s has nobody with: %(skills)s.") % {
            "label": item["label"],
            "skills": "、".join(item["skills"]),
        }
    if code == "request":
        if item["kind"] == PREFER:
            return _(
                "%(name)s asked for %(label)s; not possible without breaking cover or rules."
            ) % (item)
        return _("%(name)s asked not to work %(label)s; needed there to keep the post covered.") % (
            item
        )
    if code == "spread":
        return _("Hours differ by %(hours)s h between the most and the least worked person.") % (
            item
        )
    if code == "changes":
        return (
            ngettext(
                "%(count)d change to the published roster.",
                "%(count)d changes to the published roster.",
                item["count"],
            )
            % item
        )
    if code == "too_long":
        return (
            _(
                "%(shift)s lasts %(h)s h but the rules allow %(rule)s h a day: "
                "nobody may work it. Shorten the shift or raise the limit."
            )
            % item
        )
    if code == "no_week":
        return _("The weekly rules leave no day to work; fix them first.")
    return str(item)


def violation_text(v: check.Violation, ctx: Context) -> str:
    rules = ctx.problem.rules
    name = ctx.name(v.person)
    label = ctx.slot_label(v.slot) if v.slot and ":" in v.slot else ""
    day = ""
    if v.key is not None and v.rule in (check.HOURS_PER_DAY, check.CONSECUTIVE_DAYS):
        day = f"{ctx.starts_on + dt.timedelta(days=v.key):%m-%d}"
    texts = {
        check.UNKNOWN: _("%(name)s is not on duty here (not reported in, unfit or unavailable).")
        % {"name": name},
        check.UNAVAILABLE: _("%(name)s said they can't work on that day.") % {"name": name},
        check.FROZEN: _("%(label)s has already started; it cannot change now.") % {"label": label},
        check.MAX_PEOPLE: _("%(label)s would have more than %(n)d people.")
        % {"label": label, "n": v.key or 0},
        check.REST: _("%(name)s would rest only %(gap)s h between shifts; the rule is %(rule)s h.")
        % {"name": name, "gap": round((v.key or 0) / 60, 1), "rule": rules.min_rest_minutes // 60},
        check.HOURS_PER_DAY: _("%(name)s would work %(h)s h on %(day)s; the limit is %(rule)s h.")
        % {
            "name": name,
            "h": round(v.detail.get("minutes", 0) / 60, 1),
            "day": day,
            "rule": rules.max_minutes_per_day // 60,
        },
        check.CONSECUTIVE_DAYS: _(
            "%(name)s would work %(n)d days in a row up to %(day)s; the limit is %(rule)d."
        )
        % {
            "name": name,
            "n": v.detail.get("run", 0),
            "day": day,
            "rule": rules.max_consecutive_days,
        },
        check.SHIFTS_PER_WEEK: _(
            "%(name)s would work %(n)d shifts in 7 days; the limit is %(rule)d."
        )
        % {"name": name, "n": v.detail.get("shifts", 0), "rule": rules.max_shifts_per_week},
        check.DAYS_OFF: _("%(name)s would have fewer than %(rule)d days off in 7 days.")
        % {"name": name, "rule": rules.min_days_off_per_week},
        check.NOT_ONLY_WOMEN: _(
            "%(label)s is a night shift and would have only women on it; add a man first."
        )
        % {"label": label},
    }
    return texts.get(v.rule, v.rule)


# --- services -----------------------------------------------------------------------------


def _validate_horizon(place: Place, starts_on: dt.date, days: int) -> None:
    errors: dict[str, str] = {}
    if place.kind not in (PlaceKind.COMMUNITY, PlaceKind.STREET):
        errors["place"] = _("Rosters are made for a community or a street.")
    if not 1 <= days <= MAX_DAYS:
        errors["days"] = _("Plan 1 to 28 days.")
    if starts_on < timezone.localdate() - dt.timedelta(days=1):
        errors["starts_on"] = _("Start today or later; past days cannot be planned.")
    if errors:
        raise ValidationError(errors)


def _input_problems(ctx: Context) -> list[dict[str, Any]]:
    """Rules that no roster can meet, said before solving (rendered by `explanation_text`)."""
    problems: list[dict[str, Any]] = []
    rules = ctx.problem.rules
    for shift in ctx.shifts.values():
        if shift.minutes > rules.max_minutes_per_day:
            problems.append(
                {
                    "code": "too_long",
                    "shift": str(shift),
                    "h": shift.minutes / 60,
                    "rule": rules.max_minutes_per_day // 60,
                }
            )
    if rules.max_shifts_per_week < 1 or rules.min_days_off_per_week >= 7:
        problems.append({"code": "no_week"})
    return problems


def _solve(ctx: Context, time_limit: float | None) -> tuple[Best, list[dict[str, Any]]]:
    time_limit = time_limit or settings.ROSTER_SECONDS
    if not ctx.shifts:
        raise ValidationError(
            {"place": _("%s has no active post with shifts; add a post first.") % ctx.place.name}
        )
    result = best_roster(ctx.problem, time_limit_s=time_limit)
    if not result.feasible:
        frozen = frozenset((p, s) for s, crew in ctx.problem.frozen.items() for p in crew)
        broken = check.violations(ctx.problem, frozen)
        if broken:
            raise ValidationError(
                _("The shifts that have already started break a rule: %s")
                % violation_text(broken[0], ctx)
            )
        raise ValidationError(
            _("No roster found within %(s)s seconds; try again with more time.") % {"s": time_limit}
        )
    return result, _input_problems(ctx) + explain(ctx, result.assignment)


def _save(ctx: Context, roster: Roster, assignment: frozenset[tuple[int, str]]) -> None:
    crews: dict[str, list[int]] = {}
    for person, slot_id in assignment:
        crews.setdefault(slot_id, []).append(person)
    rows = []
    for slot_id, crew in crews.items():
        shift, day = ctx.shift_and_day(slot_id)
        slot = ctx.problem.slot(slot_id)
        begin = origin(ctx.starts_on) + dt.timedelta(minutes=slot.start)
        leader = max(
            crew,
            key=lambda p: (
                ctx.staff[p].party_member,
                RANK_LEVELS.get(ctx.staff[p].rank, 0),
                -p,
            ),
        )
        rows.extend(
            Assignment(
                roster=roster,
                shift=shift,
                day=day,
                staff_id=p,
                starts_at=begin,
                ends_at=begin + dt.timedelta(minutes=slot.minutes),
                is_leader=p == leader,
            )
            for p in sorted(crew)
        )
    Assignment.objects.bulk_create(rows, batch_size=1000)


# The solver runs outside the write transaction, which only saves what it found: on SQLite a
# transaction holds the database's one write lock, and a solve of several seconds (up to
# `time_limit`) would make every other write meanwhile — a swap, a check-in, a passage — wait
# past the busy timeout and fail with "database is locked".


def roster_generate(
    *,
    actor: User,
    place: Place,
    starts_on: dt.date,
    days: int = 7,
    time_limit: float | None = None,
) -> Roster:
    """A draft roster for `place` (community or street), solved and explained."""
    require_planner(actor, place)
    _validate_horizon(place, starts_on, days)
    ctx = build_context(place, starts_on, days)
    result, explanation = _solve(ctx, time_limit)
    with transaction.atomic():
        roster = Roster.objects.create(
            place=place,
            starts_on=starts_on,
            days=days,
            created_by=actor,
            solver_status=result.status,
            objective=result.penalty,
            seconds=round(result.seconds, 2),
            explanation=explanation,
        )
        _save(ctx, roster, result.assignment)
        audit.record(
            actor=actor,
            action="duty.roster_generate",
            obj=roster,
            place=place,
            changes={"days": days, "starts_on": starts_on.isoformat(), "status": result.status},
        )
    return roster


def roster_replan(
    *, actor: User, roster: Roster, reason: str = "", time_limit: float | None = None
) -> Roster:
    """A draft revising `roster` to today's facts, changing as little as possible."""
    require_planner(actor, roster.place)
    plan = replan_solve(roster=roster, time_limit=time_limit)
    with transaction.atomic():
        return replan_save(plan, by=actor, reason=reason)


@dataclass(frozen=True)
class Replan:
    """A re-plan solved but not saved yet (see replan_solve)."""

    roster: Roster
    ctx: Context
    result: Best
    explanation: list[dict[str, Any]]


def replan_solve(
    *,
    roster: Roster,
    time_limit: float | None = None,
    absent: tuple[int, dt.date] | None = None,
) -> Replan:
    """Solve a re-plan of a published roster without writing anything (no transaction held
    while the solver runs); `replan_save` keeps it. `absent`: see build_context."""
    if roster.status != RosterStatus.PUBLISHED:
        raise ValidationError(_("Only a published roster is re-planned; publish this one instead."))
    ctx = build_context(roster.place, roster.starts_on, roster.days, base=roster, absent=absent)
    result, explanation = _solve(ctx, time_limit)
    return Replan(roster, ctx, result, explanation)


def replan_save(plan: Replan, *, by: User, reason: str = "") -> Roster:
    """Keep a solved re-plan as a draft (inside the caller's transaction)."""
    roster, ctx, result = plan.roster, plan.ctx, plan.result
    draft = Roster.objects.create(
        place=roster.place,
        starts_on=roster.starts_on,
        days=roster.days,
        based_on=roster,
        reason=reason[:200],
        created_by=by,
        solver_status=result.status,
        objective=result.penalty,
        seconds=round(result.seconds, 2),
        changes=len(result.assignment ^ ctx.problem.published),
        explanation=plan.explanation,
    )
    _save(ctx, draft, result.assignment)
    audit.record(
        actor=by,
        action="duty.roster_replan",
        obj=draft,
        place=roster.place,
        changes={"based_on": roster.pk, "reason": reason, "changes": draft.changes},
    )
    return draft


@transaction.atomic
def roster_publish(*, actor: User, roster: Roster) -> Roster:
    """Publish a draft; it replaces the published rosters of the same place (or of
    communities in its street) for the days it covers; a wider roster covering it is refused."""
    require_planner(actor, roster.place)
    # One publish at a time in a city: the root of the place tree is the lock, so a street's
    # and one of its communities' rosters cannot both go out for the same days.
    root = int(roster.place.path.strip("/").split("/")[0])
    list(Place.objects.select_for_update().filter(pk=root))
    roster = Roster.objects.select_for_update().select_related("place").get(pk=roster.pk)
    if roster.status != RosterStatus.DRAFT:
        raise ValidationError(
            _("This roster is %s; only a draft can be published.") % (roster.get_status_display())
        )
    if roster.based_on and roster.based_on.status != RosterStatus.PUBLISHED:
        raise ValidationError(
            _("The roster this re-plan revises was replaced meanwhile; re-plan again.")
        )
    path = roster.place.path
    candidates = (
        Roster.objects.filter(
            status=RosterStatus.PUBLISHED,
            starts_on__lte=roster.ends_on,
            starts_on__gte=roster.starts_on - dt.timedelta(days=MAX_DAYS),
        )
        .exclude(pk=roster.pk)
        .select_related("place")
    )
    replaced = []
    for other in candidates:
        other_path = other.place.path
        if other.ends_on < roster.starts_on or not (
            other_path.startswith(path) or path.startswith(other_path)
        ):
            continue
        if other.place_id != roster.place_id and path.startswith(other_path):
            raise ValidationError(
                _(
                    "The published roster of %(place)s (%(a)s–%(b)s) already covers these "
                    "shifts; re-plan that one instead."
                )
                % {
                    "place": other.place.name,
                    "a": f"{other.starts_on:%m-%d}",
                    "b": f"{other.ends_on:%m-%d}",
                }
            )
        if other.starts_on < roster.starts_on or other.ends_on > roster.ends_on:
            raise ValidationError(
                _(
                    "It overlaps the published roster %(a)s–%(b)s only in part; "
                    "re-plan that roster or start this one on %(next)s."
                )
                % {
                    "a": f"{other.starts_on:%m-%d}",
                    "b": f"{other.ends_on:%m-%d}",
                    "next": f"{other.ends_on + dt.timedelta(days=1):%m-%d}",
                }
            )
        replaced.append(other)
    for other in replaced:
        other.status = RosterStatus.SUPERSEDED
        other.save(update_fields=["status"])
    roster.status = RosterStatus.PUBLISHED
    roster.published_at = timezone.now()
    roster.save(update_fields=["status", "published_at"])
    _notify_roster(roster)
    audit.record(
        actor=actor,
        action="duty.roster_publish",
        obj=roster,
        place=roster.place,
        changes={"replaced": [r.pk for r in replaced]},
    )
    return roster


def _notify_roster(roster: Roster) -> None:
    users = (
        Staff.objects.filter(duty_assignments__roster=roster, user__isnull=False)
        .values_list("user_id", flat=True)
        .distinct()
    )
    title = _("Your shifts for %(a)s–%(b)s are published.") % {
        "a": f"{roster.starts_on:%m-%d}",
        "b": f"{roster.ends_on:%m-%d}",
    }
    notify(users, kind="roster", title=title, url=reverse("duty:me"))


@transaction.atomic
def roster_discard(*, actor: User, roster: Roster) -> Roster:
    require_planner(actor, roster.place)
    if roster.status != RosterStatus.DRAFT:
        raise ValidationError(_("Only a draft can be discarded."))
    roster.status = RosterStatus.DISCARDED
    roster.save(update_fields=["status"])
    audit.record(actor=actor, action="duty.roster_discard", obj=roster, place=roster.place)
    return roster


def roster_context(roster: Roster) -> tuple[Context, set[tuple[int, str]]]:
    """The problem a roster answers and its current assignment pairs."""
    ctx = build_context(roster.place, roster.starts_on, roster.days)
    pairs = {
        (a.staff_id, slot_key(a.shift_id, (a.day - roster.starts_on).days))
        for a in roster.assignments.filter(vacated_at__isnull=True)
    }
    return ctx, pairs


def check_add(roster: Roster, shift: Shift, day: dt.date, staff_id: int) -> list[str]:
    """The rules adding this person to this shift would break, in words (empty: fine)."""
    ctx, pairs = roster_context(roster)
    if staff_id not in ctx.staff:
        return [violation_text(check.Violation(check.UNKNOWN, staff_id), ctx)]
    if not roster.starts_on <= day <= roster.ends_on or shift.pk not in ctx.shifts:
        return [_("That shift is not in this roster.")]
    slot = ctx.slot_of(shift.pk, day)
    if (staff_id, slot.id) in pairs:
        return [_("%s is already on this shift.") % ctx.name(staff_id)]
    return [
        violation_text(v, ctx) for v in check.added_violations(ctx.problem, pairs, staff_id, slot)
    ]


def _editable(roster: Roster) -> None:
    if roster.status not in (RosterStatus.DRAFT, RosterStatus.PUBLISHED):
        raise ValidationError(
            _("This roster is %s and cannot be edited.") % (roster.get_status_display())
        )


@transaction.atomic
def assignment_add(
    *, actor: User, roster: Roster, shift: Shift, day: dt.date, staff: Staff
) -> Assignment:
    """Put a person on a shift by hand; refused with the rule it would break."""
    require_planner(actor, roster.place)
    _editable(roster)
    problems = check_add(roster, shift, day, staff.pk)
    if problems:
        raise ValidationError({"staff": " ".join(problems)})
    begin = origin(day) + dt.timedelta(minutes=shift.start_minute)
    assignment = Assignment.objects.create(
        roster=roster,
        shift=shift,
        day=day,
        staff=staff,
        starts_at=begin,
        ends_at=begin + dt.timedelta(minutes=shift.minutes),
    )
    audit.record(
        actor=actor,
        action="duty.assignment_add",
        obj=assignment,
        place=roster.place,
        changes={"staff": staff.pk, "shift": shift.pk, "day": day.isoformat()},
    )
    return assignment


@transaction.atomic
def assignment_remove(*, actor: User, assignment: Assignment) -> None:
    roster = assignment.roster
    require_planner(actor, roster.place)
    _editable(roster)
    if assignment.starts_at <= timezone.now():
        raise ValidationError(_("This shift has started; record attendance instead."))
    audit.record(
        actor=actor,
        action="duty.assignment_remove",
        obj=assignment,
        place=roster.place,
        changes={"staff": assignment.staff_id, "shift": assignment.shift_id},
    )
    assignment.delete()
