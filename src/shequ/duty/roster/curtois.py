"""Curtois & Qu shift-scheduling benchmark: instance parser and independent roster evaluator.

The benchmark (schedulingbenchmarks.org, "nrp/instances1_24") is how we check our roster solver
against published results. A benchmark claim is only worth something if the roster can be
re-checked without trusting the code that produced it, so this module never imports a solver:
`evaluate` recomputes every hard rule and every soft penalty from the instance text alone.

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

import csv
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "Cover",
    "Evaluation",
    "Instance",
    "Request",
    "Shift",
    "Staff",
    "evaluate",
    "load_best_known",
    "parse_instance",
]

OFF = ""
"""Roster entry for a day off."""

_SECTIONS = (
    "SECTION_HORIZON",
    "SECTION_SHIFTS",
    "SECTION_STAFF",
    "SECTION_DAYS_OFF",
    "SECTION_SHIFT_ON_REQUESTS",
    "SECTION_SHIFT_OFF_REQUESTS",
    "SECTION_COVER",
)


@dataclass(frozen=True)
class Shift:
    """A shift type: its length counts towards the total-minutes limits."""

    id: str
    length: int
    forbidden_successors: frozenset[str]


@dataclass(frozen=True)
class Staff:
    """One employee and every personal limit from SECTION_STAFF."""

    id: str
    max_shifts: Mapping[str, int]
    max_total_minutes: int
    min_total_minutes: int
    max_consecutive_shifts: int
    min_consecutive_shifts: int
    min_consecutive_days_off: int
    max_weekends: int


@dataclass(frozen=True)
class Request:
    """A shift-on or shift-off request: the weight is paid when it is not honoured."""

    staff: str
    day: int
    shift: str
    weight: int


@dataclass(frozen=True)
class Cover:
    """Preferred number of people on a shift type on a day, with under/over weights."""

    day: int
    shift: str
    requirement: int
    weight_under: int
    weight_over: int


@dataclass(frozen=True)
class Instance:
    """A parsed instance; tuples keep it immutable so evaluation cannot alter it."""

    horizon: int
    shifts: tuple[Shift, ...]
    staff: tuple[Staff, ...]
    days_off: Mapping[str, frozenset[int]]
    on_requests: tuple[Request, ...]
    off_requests: tuple[Request, ...]
    cover: tuple[Cover, ...]

    @property
    def shift_by_id(self) -> dict[str, Shift]:
        return {s.id: s for s in self.shifts}

    @property
    def staff_by_id(self) -> dict[str, Staff]:
        return {s.id: s for s in self.staff}


@dataclass(frozen=True)
class Evaluation:
    """Outcome of `evaluate`: hard-rule breaches by name, and the soft penalty with its parts."""

    feasible: bool
    violations: list[str]
    penalty: int
    breakdown: dict[str, int] = field(default_factory=dict)


# --------------------------------------------------------------------------- parsing


def _read_text(path_or_text: str | os.PathLike[str]) -> str:
    """Accept a path or the file's text, so tests can write tiny instances inline."""
    if isinstance(path_or_text, str) and "SECTION_" in path_or_text:
        return path_or_text
    return Path(path_or_text).read_text(encoding="utf-8")


def _sections(text: str) -> dict[str, list[list[str]]]:
    """Split the file into sections of comma-separated rows, dropping comments and blanks."""
    out: dict[str, list[list[str]]] = {}
    current: str | None = None
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("SECTION_"):
            if line not in _SECTIONS:
                raise ValueError(f"line {lineno}: unknown section {line}")
            current = line
            out.setdefault(current, [])
            continue
        if current is None:
            raise ValueError(f"line {lineno}: data before the first section")
        out[current].append([part.strip() for part in line.split(",")])
    return out


def _int(value: str, what: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"{what}: expected an integer, got {value!r}") from None


def parse_instance(path_or_text: str | os.PathLike[str]) -> Instance:
    """Parse an instance file (or its text); reject references to unknown staff or shifts.

    Inconsistent input is refused here rather than silently evaluated, because a wrong id would
    otherwise just look like an unmet request or an empty cover line.
    """
    sec = _sections(_read_text(path_or_text))
    missing = [
        name for name in ("SECTION_HORIZON", "SECTION_SHIFTS", "SECTION_STAFF") if not sec.get(name)
    ]
    if missing:
        raise ValueError(f"missing sections: {', '.join(missing)}")
    horizon = _int(sec["SECTION_HORIZON"][0][0], "horizon")
    if horizon <= 0:
        raise ValueError("horizon must be positive")

    shifts: list[Shift] = []
    for row in sec["SECTION_SHIFTS"]:
        forbidden = frozenset(x for x in (row[2] if len(row) > 2 else "").split("|") if x)
        shifts.append(Shift(row[0], _int(row[1], f"shift {row[0]} length"), forbidden))
    shift_ids = {s.id for s in shifts}
    for s in shifts:
        if s.forbidden_successors - shift_ids:
            raise ValueError(
                f"shift {s.id}: unknown successors {sorted(s.forbidden_successors - shift_ids)}"
            )

    staff: list[Staff] = []
    for row in sec["SECTION_STAFF"]:
        if len(row) != 8:
            raise ValueError(f"staff row {row!r}: expected 8 fields")
        sid = row[0]
        max_shifts: dict[str, int] = {}
        for item in (x for x in row[1].split("|") if x):
            shift_id, _, limit = item.partition("=")
            if shift_id not in shift_ids:
                raise ValueError(f"staff {sid}: MaxShifts names unknown shift {shift_id}")
            max_shifts[shift_id] = _int(limit, f"staff {sid} MaxShifts {shift_id}")
        nums = [_int(v, f"staff {sid}") for v in row[2:]]
        staff.append(Staff(sid, max_shifts, *nums))
    staff_ids = {s.id for s in staff}

    def check(sid: str, day: int, shift: str | None = None) -> None:
        if sid not in staff_ids:
            raise ValueError(f"unknown staff {sid}")
        if not 0 <= day < horizon:
            raise ValueError(f"day {day} outside horizon {horizon}")
        if shift is not None and shift not in shift_ids:
            raise ValueError(f"unknown shift {shift}")

    days_off: dict[str, frozenset[int]] = {}
    for row in sec.get("SECTION_DAYS_OFF", []):
        days = [_int(d, f"days off {row[0]}") for d in row[1:] if d]
        for d in days:
            check(row[0], d)
        days_off[row[0]] = days_off.get(row[0], frozenset()) | frozenset(days)

    def requests(name: str) -> tuple[Request, ...]:
        out = []
        for row in sec.get(name, []):
            req = Request(row[0], _int(row[1], name), row[2], _int(row[3], name))
            check(req.staff, req.day, req.shift)
            out.append(req)
        return tuple(out)

    cover = []
    for row in sec.get("SECTION_COVER", []):
        c = Cover(_int(row[0], "cover day"), row[1], *(_int(v, "cover") for v in row[2:5]))
        if not 0 <= c.day < horizon or c.shift not in shift_ids:
            raise ValueError(f"cover row {row!r} refers to an unknown day or shift")
        cover.append(c)

    return Instance(
        horizon=horizon,
        shifts=tuple(shifts),
        staff=tuple(staff),
        days_off=days_off,
        on_requests=requests("SECTION_SHIFT_ON_REQUESTS"),
        off_requests=requests("SECTION_SHIFT_OFF_REQUESTS"),
        cover=tuple(cover),
    )


# --------------------------------------------------------------------------- evaluation


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


# --------------------------------------------------------------------------- reference values


def load_best_known(csv_path: str | os.PathLike[str]) -> dict[str, dict]:
    """Read best_known.csv into {instance: row}, with numbers as int and proven_optimal as bool."""
    out: dict[str, dict] = {}
    with Path(csv_path).open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            name = row.pop("instance").strip()
            parsed: dict[str, object] = {}
            for key, value in row.items():
                value = value.strip()
                if key == "proven_optimal":
                    parsed[key] = value.lower() == "yes"
                else:
                    parsed[key] = int(value) if value.lstrip("-").isdigit() else value
            out[name] = parsed
    return out
