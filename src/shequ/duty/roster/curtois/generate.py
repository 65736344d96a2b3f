"""Curtois & Qu benchmark: generated instances as tight as the published ones, any size.

The published instances (T. Curtois and R. Qu, "Computational results on new staff
scheduling benchmark instances", 2014, http://www.schedulingbenchmarks.org) run from 14 days x
8 staff x 1 shift type to 364 x 150 x 32. `generate` makes instances of any shape in that range
the way they are tight: a **hidden roster** is built first, one line per person that keeps every
rule (runs of shifts and of days off, forbidden successions, shift caps, weekends), and the
person's limits are then drawn *around that line* (total minutes in a window about two shifts
wide around what the line works, caps and weekend limits at or just above what it uses, days
off on days it is off), so every limit binds. Cover requirements are what the hidden roster
provides per day and shift type, nudged by one here and there, with the published weights
(100 per person short, 1 per person over); on/off requests come at the published rates
(about 0.17 on-requests and 0.08 off-requests per person and day, weights 1-3), a share of them
against the hidden roster. So every generated instance is feasible (the hidden roster is a
witness, `hidden_objective` its penalty, computed here without the evaluator), and an upper
bound on its optimum is known.

The file written by `write` is the published text format (`instance.parse_instance` reads it);
a comment line at its top records the shape, the seed and the hidden roster's objective.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

__all__ = ["Generated", "generate", "to_text"]

_BANDS = ("E", "D", "L", "N")  # early, day, late, night: a later band may not precede an earlier
_LENGTHS = (480, 480, 480, 360, 420, 540, 600, 720)


@dataclass(frozen=True)
class Generated:
    """A generated instance as text, its hidden roster and that roster's penalty."""

    text: str
    hidden: dict[str, list[str]]
    hidden_objective: int
    days: int
    staff: int
    shift_types: int
    seed: int


def _shift_types(count: int, rng: random.Random) -> list[tuple[str, int, int]]:
    """(id, length, band) per shift type: the bands in order of start time."""
    out = []
    for i in range(count):
        band = min(3, i * 4 // max(count, 1)) if count > 1 else 1
        length = 480 if count <= 4 else rng.choice(_LENGTHS)
        name = _BANDS[band] if count <= 4 else f"{_BANDS[band].lower()}{i + 1}"
        out.append((name, length, band))
    return out


def _forbidden(types: list[tuple[str, int, int]]) -> dict[str, list[str]]:
    """A shift may not be followed next day by a shift of an earlier band (too little rest)."""
    return {a: [b for b, _, band_b in types if band_b < band_a] for a, _, band_a in types}


@dataclass
class _Contract:
    max_run: int
    min_run: int
    min_off: int
    share: float  # target share of days worked
    weekend_share: float  # target share of weekends worked


def _contract(rng: random.Random) -> _Contract:
    if rng.random() < 0.75:  # full time
        return _Contract(
            rng.choice((5, 5, 6)),
            rng.choice((1, 2, 2)),
            rng.choice((1, 2, 2, 3)),
            rng.uniform(0.58, 0.66),
            rng.uniform(0.35, 0.55),
        )
    return _Contract(
        rng.choice((4, 5)),
        rng.choice((1, 1, 2)),
        rng.choice((1, 2)),
        rng.uniform(0.3, 0.4),
        rng.uniform(0.25, 0.5),
    )


def _line(
    horizon: int,
    contract: _Contract,
    allowed: list[str],
    follows: dict[str, set[str]],
    rng: random.Random,
) -> list[str]:
    """One hidden line keeping the run rules and forbidden successions; "" is a day off.

    Day by day: a run of shifts shorter than the minimum goes on, one at the maximum stops, a
    run of days off shorter than the minimum goes on (runs from day 0 are exempt, as in the
    evaluator); otherwise the person works with odds that keep the share of days (and of
    weekends) near the contract's. A run keeps its shift type mostly; a change only to a type
    allowed to follow (the same type always may).
    """
    line: list[str] = []
    run = off = worked = weekends = 0
    run_start = off_start = 0
    for d in range(horizon):
        week, dow = divmod(d, 7)
        weekend = dow >= 5 and week < horizon // 7
        if run and run >= contract.max_run:
            work = False
        elif run and run < contract.min_run and run_start > 0:
            work = True
        elif off and off < contract.min_off and off_start > 0:
            work = False
        else:
            want = contract.share * (d + 1) - worked
            p = min(0.95, max(0.05, 0.5 + want))
            counted = weekend and dow == 6 and bool(line[-1])
            if weekend and not counted:
                behind = contract.weekend_share * (week + 1) - weekends
                p = min(p, 0.08 if behind < 0.4 else 0.8)
            work = rng.random() < p
        if work:
            prev = line[-1] if line else ""
            if prev and rng.random() < 0.75:
                shift = prev
            else:
                shift = rng.choice([s for s in allowed if not prev or s in follows[prev]])
            if not run:
                run_start = d
            if weekend and not (dow == 6 and line[-1]):
                weekends += 1
            line.append(shift)
            run, off = run + 1, 0
            worked += 1
        else:
            if not off:
                off_start = d
            line.append("")
            run, off = 0, off + 1
    return line


def _penalty(
    hidden: dict[str, list[str]],
    on: list[tuple[str, int, str, int]],
    off: list[tuple[str, int, str, int]],
    cover: list[tuple[int, str, int, int, int]],
) -> int:
    """The hidden roster's penalty, counted here (the evaluator re-counts it in the tests)."""
    total = sum(w for p, d, s, w in on if hidden[p][d] != s)
    total += sum(w for p, d, s, w in off if hidden[p][d] == s)
    counts: dict[tuple[int, str], int] = {}
    for line in hidden.values():
        for d, s in enumerate(line):
            if s:
                counts[d, s] = counts.get((d, s), 0) + 1
    for d, s, req, under, over in cover:
        x = counts.get((d, s), 0)
        total += max(0, req - x) * under + max(0, x - req) * over
    return total


def _staff_ids(count: int) -> list[str]:
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = []
    for i in range(count):
        name, n = "", i
        while True:
            name = letters[n % 26] + name
            n = n // 26 - 1
            if n < 0:
                break
        out.append(name)
    return out


def generate(*, days: int, staff: int, shift_types: int, seed: int = 0) -> Generated:
    """A feasible instance of this shape, with its hidden roster (see the module docstring)."""
    if not 7 <= days <= 728:
        raise ValueError("days: give 7 to 728 (the published instances have 14 to 364)")
    if not 1 <= staff <= 500:
        raise ValueError("staff: give 1 to 500 (the published instances have 8 to 150)")
    if not 1 <= shift_types <= 64:
        raise ValueError("shift types: give 1 to 64 (the published instances have 1 to 32)")
    rng = random.Random(f"curtois-gen:{days}:{staff}:{shift_types}:{seed}")  # noqa: S311 - reproducible data
    types = _shift_types(shift_types, rng)
    ids = [t[0] for t in types]
    length = {t[0]: t[1] for t in types}
    forbidden = _forbidden(types)
    follows = {a: {b for b in ids if b not in forbidden[a]} for a in ids}
    # A few shift types are capped for most people (as the published nights and lates).
    capped = {s for s in ids if rng.random() < 0.25} if shift_types > 1 else set()

    names = _staff_ids(staff)
    hidden: dict[str, list[str]] = {}
    staff_rows: list[str] = []
    days_off_rows: list[str] = []
    days_off: dict[str, set[int]] = {}
    weeks = days // 7
    for name in names:
        contract = _contract(rng)
        if shift_types == 1:
            allowed = list(ids)
        else:
            k = max(1, round(shift_types * rng.uniform(0.4, 0.9)))
            allowed = sorted(rng.sample(ids, k), key=ids.index)
        line = _line(days, contract, allowed, follows, rng)
        hidden[name] = line
        counts = {s: line.count(s) for s in ids}
        caps = []
        for s in ids:
            if s not in allowed:
                caps.append(f"{s}=0")
            elif s in capped:
                caps.append(f"{s}={counts[s] + rng.choice((0, 0, 1, 2))}")
            else:
                caps.append(f"{s}={days}")
        minutes = sum(length[s] for s in line if s)
        unit = max(length[s] for s in allowed)
        # The window reaches about two shifts below the line but hardly above it: nobody can
        # simply work more to fill a gap, as in the published instances.
        lo = max(0, minutes - int(rng.uniform(0.8, 2.0) * unit) // 60 * 60)
        hi = minutes + (0 if rng.random() < 0.6 else 60 * rng.randint(1, max(1, unit // 120)))
        runs = _runs(line)
        max_run = max([contract.max_run - rng.choice((0, 0, 1))] + [r for r in runs if r > 0])
        worked_weekends = sum(1 for w in range(weeks) if line[7 * w + 5] or line[7 * w + 6])
        max_weekends = worked_weekends + (1 if rng.random() < 0.15 else 0)
        staff_rows.append(
            f"{name},{'|'.join(caps)},{hi},{lo},{max_run},{contract.min_run},"
            f"{contract.min_off},{max_weekends}"
        )
        free = [d for d, s in enumerate(line) if not s]
        n_off = min(len(free), max(1, round(days / 14 * rng.uniform(0.6, 1.4))))
        chosen = sorted(rng.sample(free, n_off))
        days_off[name] = set(chosen)
        days_off_rows.append(",".join([name, *map(str, chosen)]))

    on: list[tuple[str, int, str, int]] = []
    off: list[tuple[str, int, str, int]] = []
    for row, name in zip(staff_rows, names, strict=True):
        allowed = [
            item.split("=")[0] for item in row.split(",")[1].split("|") if not item.endswith("=0")
        ]
        line = hidden[name]
        for d in range(days):
            if d in days_off[name]:
                continue
            r = rng.random()
            if r < 0.17:
                # On-requests come in short runs in the published files: mostly honoured.
                shift = line[d] if line[d] and rng.random() < 0.6 else rng.choice(allowed)
                on.append((name, d, shift, rng.randint(1, 3)))
            elif r < 0.25:
                shift = line[d] if line[d] and rng.random() < 0.35 else rng.choice(allowed)
                off.append((name, d, shift, rng.randint(1, 3)))

    counts: dict[tuple[int, str], int] = {}
    for line in hidden.values():
        for d, s in enumerate(line):
            if s:
                counts[d, s] = counts.get((d, s), 0) + 1
    cover: list[tuple[int, str, int, int, int]] = []
    for d in range(days):
        for s in ids:
            x = counts.get((d, s), 0)
            nudge = rng.random()
            if x == 0:
                req = 1 if nudge < 0.03 else 0
            else:
                req = x + 1 if nudge < 0.12 else x - 1 if nudge < 0.16 else x
            cover.append((d, s, req, 100, 1))

    objective = _penalty(hidden, on, off, cover)
    text = to_text(
        days=days,
        types=[(s, length[s], forbidden[s]) for s in ids],
        staff_rows=staff_rows,
        days_off_rows=days_off_rows,
        on=on,
        off=off,
        cover=cover,
        header=(
            f"Generated by `shequ roster generate --days {days} --staff {staff} "
            f"--shift-types {shift_types} --seed {seed}`; hidden roster objective {objective}"
        ),
    )
    return Generated(text, hidden, objective, days, staff, shift_types, seed)


def _runs(line: list[str]) -> list[int]:
    out, run = [], 0
    for s in line:
        if s:
            run += 1
        elif run:
            out.append(run)
            run = 0
    if run:
        out.append(run)
    return out


def to_text(
    *,
    days: int,
    types: list[tuple[str, int, list[str]]],
    staff_rows: list[str],
    days_off_rows: list[str],
    on: list[tuple[str, int, str, int]],
    off: list[tuple[str, int, str, int]],
    cover: list[tuple[int, str, int, int, int]],
    header: str,
) -> str:
    """The published text format (sections in the published order, CRLF-free)."""
    out = [f"# {header}", "SECTION_HORIZON", "# All instances start on a Monday", str(days), ""]
    out += ["SECTION_SHIFTS", "# ShiftID, Length in mins, Shifts which cannot follow this shift"]
    out += [f"{s},{n},{'|'.join(f)}" for s, n, f in types] + [""]
    out += [
        "SECTION_STAFF",
        "# ID, MaxShifts, MaxTotalMinutes, MinTotalMinutes, MaxConsecutiveShifts, "
        "MinConsecutiveShifts, MinConsecutiveDaysOff, MaxWeekends",
        *staff_rows,
        "",
        "SECTION_DAYS_OFF",
        "# EmployeeID, DayIndexes (start at zero)",
        *days_off_rows,
        "",
        "SECTION_SHIFT_ON_REQUESTS",
        "# EmployeeID, Day, ShiftID, Weight",
        *(f"{p},{d},{s},{w}" for p, d, s, w in on),
        "",
        "SECTION_SHIFT_OFF_REQUESTS",
        "# EmployeeID, Day, ShiftID, Weight",
        *(f"{p},{d},{s},{w}" for p, d, s, w in off),
        "",
        "SECTION_COVER",
        "# Day, ShiftID, Requirement, Weight for under, Weight for over",
        *(f"{d},{s},{r},{u},{o}" for d, s, r, u, o in cover),
        "",
    ]
    return "\n".join(out)
