"""Curtois & Qu benchmark: the independent roster evaluator.

A benchmark claim is only worth something if the roster can be re-checked without trusting the
code that produced it, so this module imports nothing but `instance` (never the solver's
modules, OR-Tools or numpy): `evaluate` recomputes every hard rule and every soft penalty from
the instance alone.

Rules as stated in the official format description (boundary conventions matter):

* one shift per day per person (a roster holds one entry per day, so this is structural);
* shift rotation: a shift may not be followed next day by one of its forbidden successors; the
  day before the horizon and the day after it count as days off, so nothing is checked there;
* at most MaxShifts shifts of each type; total minutes within [MinTotalMinutes, MaxTotalMinutes];
* max consecutive shifts: the days around the horizon count as days off, so every run counts;
* min consecutive shifts / min consecutive days off: "infinite" runs of shifts (resp. days off)
  are assumed before and after the horizon, so a run touching day 0 or the last day is never
  too short;
* max weekends: a weekend (days 5 and 6 of each whole week, day 0 is a Monday) is worked if
  either day is worked;
* days off: no shift on the listed days.

Soft penalties: a shift-on request costs its weight when that shift is not assigned that day; a
shift-off request costs its weight when it is; cover costs (requirement - x) x under-weight or
(x - requirement) x over-weight per day and shift type.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from shequ.duty.roster.curtois.instance import OFF, Instance, Staff

__all__ = ["Evaluation", "evaluate"]


@dataclass(frozen=True)
class Evaluation:
    """Outcome of `evaluate`: hard-rule breaches by name, and the soft penalty with its parts."""

    feasible: bool
    violations: list[str]
    penalty: int
    breakdown: dict[str, int] = field(default_factory=dict)


def _runs(worked: Sequence[bool], value: bool) -> list[tuple[int, int]]:
    """Maximal runs of `value` as (first day, last day), inclusive."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for day, w in enumerate(worked):
        if w == value and start is None:
            start = day
        elif w != value and start is not None:
            runs.append((start, day - 1))
            start = None
    if start is not None:
        runs.append((start, len(worked) - 1))
    return runs


def _check_staff(instance: Instance, person: Staff, days: Sequence[str]) -> list[str]:
    """All hard-rule breaches of one person's line; `days` is already validated."""
    shifts = instance.shift_by_id
    who = f"staff {person.id}"
    out: list[str] = []
    last = instance.horizon - 1

    for d in range(last):
        a, b = days[d], days[d + 1]
        if a and b and b in shifts[a].forbidden_successors:
            out.append(f"{who}: shift {b} on day {d + 1} may not follow shift {a} on day {d}")

    for shift in instance.shifts:
        count = sum(1 for s in days if s == shift.id)
        limit = person.max_shifts.get(shift.id)
        if limit is not None and count > limit:
            out.append(f"{who}: {count} shifts of type {shift.id} > max {limit}")

    minutes = sum(shifts[s].length for s in days if s)
    if minutes > person.max_total_minutes:
        out.append(f"{who}: {minutes} total minutes > max {person.max_total_minutes}")
    if minutes < person.min_total_minutes:
        out.append(f"{who}: {minutes} total minutes < min {person.min_total_minutes}")

    worked = [bool(s) for s in days]
    for first, end in _runs(worked, True):
        length = end - first + 1
        if length > person.max_consecutive_shifts:
            out.append(
                f"{who}: {length} consecutive shifts ending day {end} "
                f"> max {person.max_consecutive_shifts}"
            )
        # Runs touching the horizon edge continue "infinitely" outside it: never too short.
        if first > 0 and end < last and length < person.min_consecutive_shifts:
            out.append(
                f"{who}: {length} consecutive shifts ending day {end} "
                f"< min {person.min_consecutive_shifts}"
            )
    for first, end in _runs(worked, False):
        length = end - first + 1
        if first > 0 and end < last and length < person.min_consecutive_days_off:
            out.append(
                f"{who}: {length} consecutive days off ending day {end} "
                f"< min {person.min_consecutive_days_off}"
            )

    weekends = [w for w in range(instance.horizon // 7) if worked[7 * w + 5] or worked[7 * w + 6]]
    if len(weekends) > person.max_weekends:
        listed = ", ".join(str(w + 1) for w in weekends)
        out.append(
            f"{who}: {len(weekends)} weekends worked (weeks {listed}) > max {person.max_weekends}"
        )

    for d in sorted(instance.days_off.get(person.id, ())):
        if worked[d]:
            out.append(f"{who}: shift {days[d]} on day {d}, which is a day off")
    return out


def evaluate(instance: Instance, roster: Mapping[str, Sequence[str]]) -> Evaluation:
    """Recompute feasibility and penalty of `roster` (staff id -> one shift id or "" per day).

    Malformed lines (missing staff, wrong length, unknown shift ids) are reported as violations
    and scored as days off, so a broken roster can never look feasible.
    """
    violations: list[str] = []
    known = instance.staff_by_id
    shift_ids = {s.id for s in instance.shifts}
    violations.extend(f"staff {sid}: not in the instance" for sid in roster if sid not in known)

    lines: dict[str, list[str]] = {}
    for person in instance.staff:
        raw = roster.get(person.id)
        if raw is None:
            violations.append(f"staff {person.id}: missing from the roster")
            raw = []
        elif len(raw) != instance.horizon:
            violations.append(
                f"staff {person.id}: roster has {len(raw)} days, horizon is {instance.horizon}"
            )
        days = [OFF] * instance.horizon
        for d, s in enumerate(list(raw)[: instance.horizon]):
            if s == OFF:
                continue
            if s in shift_ids:
                days[d] = s
            else:
                violations.append(f"staff {person.id}: unknown shift {s!r} on day {d}")
        lines[person.id] = days
        violations.extend(_check_staff(instance, person, days))

    on = sum(r.weight for r in instance.on_requests if lines[r.staff][r.day] != r.shift)
    off = sum(r.weight for r in instance.off_requests if lines[r.staff][r.day] == r.shift)
    under = over = 0
    for c in instance.cover:
        x = sum(1 for days in lines.values() if days[c.day] == c.shift)
        under += max(0, c.requirement - x) * c.weight_under
        over += max(0, x - c.requirement) * c.weight_over
    breakdown = {
        "shift_on_requests": on,
        "shift_off_requests": off,
        "cover_under": under,
        "cover_over": over,
    }
    return Evaluation(
        feasible=not violations,
        violations=violations,
        penalty=sum(breakdown.values()),
        breakdown=breakdown,
    )
