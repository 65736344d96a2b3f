"""Writes of rosters: generate with the solver, re-plan, publish, discard, and hand edits
checked against the rules. Each write is one transaction with its audit row; the solver runs
outside it (see below)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.errors import ValidationError
from shequ.duty.models import Assignment, Roster, RosterStatus, Shift
from shequ.duty.planning.context import MAX_DAYS, Context, build_context, origin
from shequ.duty.planning.explain import check_add, explain, input_problems, violation_text
from shequ.duty.roster import check
from shequ.duty.roster.best import Best, best_roster
from shequ.duty.roster.street import Found, Progress, street_roster
from shequ.duty.services import require_planner
from shequ.mobilization.models import RANK_LEVELS, Staff
from shequ.notify import notify
from shequ.places.models import Place, PlaceKind

if TYPE_CHECKING:
    from shequ.core.models import User


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


def _solve(
    ctx: Context,
    time_limit: float | None,
    progress: Progress | None = None,
    on_draft: Found | None = None,
) -> tuple[Best, list[dict[str, Any]]]:
    time_limit = time_limit or settings.ROSTER_SECONDS
    if not ctx.shifts:
        raise ValidationError(
            {"place": _("%s has no active post with shifts; add a post first.") % ctx.place.name}
        )
    if progress is None:
        result = best_roster(ctx.problem, time_limit_s=time_limit)
    else:
        # A street's thousands of people: solved community by community (roster/street.py).
        result = street_roster(
            ctx.problem, time_limit_s=time_limit, progress=progress, on_draft=on_draft
        )
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
    return result, input_problems(ctx) + explain(ctx, result.assignment)


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
    # Said before minutes of solving, not at publish: a draft that could never go out.
    refusal, _replaced = published_overlap(
        place, starts_on, starts_on + dt.timedelta(days=days - 1)
    )
    if refusal:
        raise ValidationError({"starts_on": refusal})
    ctx = build_context(place, starts_on, days)
    result, explanation = _solve(ctx, time_limit)
    with transaction.atomic():
        return keep_generated(ctx, result, explanation, by=actor)


def keep_generated(
    ctx: Context, result: Best, explanation: list[dict[str, Any]], *, by: User
) -> Roster:
    """Keep a solved roster as a draft (inside the caller's transaction), with its audit row;
    also what a background roster job does when its solve ends (planning/jobs.py)."""
    roster = Roster.objects.create(
        place=ctx.place,
        starts_on=ctx.starts_on,
        days=ctx.days,
        created_by=by,
        solver_status=result.status,
        objective=result.penalty,
        seconds=round(result.seconds, 2),
        explanation=explanation,
    )
    _save(ctx, roster, result.assignment)
    audit.record(
        actor=by,
        action="duty.roster_generate",
        obj=roster,
        place=ctx.place,
        changes={
            "days": ctx.days,
            "starts_on": ctx.starts_on.isoformat(),
            "status": result.status,
        },
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


def published_overlap(
    place: Place, starts_on: dt.date, ends_on: dt.date, *, exclude: int | None = None
) -> tuple[str | None, list[Roster]]:
    """What publishing a roster of `place` for these days meets: (why it cannot be published,
    or None; the published rosters it would replace). Asked before solving and at publish."""
    path = place.path
    candidates = (
        Roster.objects.filter(
            status=RosterStatus.PUBLISHED,
            starts_on__lte=ends_on,
            starts_on__gte=starts_on - dt.timedelta(days=MAX_DAYS),
        )
        .exclude(pk=exclude)
        .select_related("place")
    )
    replaced = []
    for other in candidates:
        other_path = other.place.path
        if other.ends_on < starts_on or not (
            other_path.startswith(path) or path.startswith(other_path)
        ):
            continue
        if other.place_id != place.pk and path.startswith(other_path):
            return (
                _(
                    "The published roster of %(place)s (%(a)s–%(b)s) already covers these "
                    "shifts; re-plan that one instead."
                )
                % {
                    "place": other.place.name,
                    "a": f"{other.starts_on:%m-%d}",
                    "b": f"{other.ends_on:%m-%d}",
                }
            ), []
        if other.starts_on < starts_on or other.ends_on > ends_on:
            return (
                _(
                    "It overlaps the published roster %(a)s–%(b)s only in part; "
                    "re-plan that roster or start this one on %(next)s."
                )
                % {
                    "a": f"{other.starts_on:%m-%d}",
                    "b": f"{other.ends_on:%m-%d}",
                    "next": f"{other.ends_on + dt.timedelta(days=1):%m-%d}",
                }
            ), []
        replaced.append(other)
    return None, replaced


@transaction.atomic
def roster_publish(*, actor: User, roster: Roster) -> Roster:
    """Publish a draft; it replaces the published rosters of the same place (or of
    communities in its street) for the days it covers; a wider roster covering it is refused."""
    require_planner(actor, roster.place)
    # One publish at a time in a city: the root of the place tree is the lock, so a street's
    # and one of its communities' rosters cannot both go out for the same days.
    root = int(roster.place.path.strip("/").split("/")[0])
    list(Place.objects.select_for_update(no_key=True).filter(pk=root))
    roster = (
        Roster.objects.select_for_update(of=("self",)).select_related("place").get(pk=roster.pk)
    )
    if roster.status != RosterStatus.DRAFT:
        raise ValidationError(
            _("This roster is %s; only a draft can be published.") % (roster.get_status_display())
        )
    if roster.based_on and roster.based_on.status != RosterStatus.PUBLISHED:
        raise ValidationError(
            _("The roster this re-plan revises was replaced meanwhile; re-plan again.")
        )
    refusal, replaced = published_overlap(
        roster.place, roster.starts_on, roster.ends_on, exclude=roster.pk
    )
    if refusal:
        raise ValidationError(refusal)
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
