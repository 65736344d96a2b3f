"""Curtois & Qu shift-scheduling benchmark: the instance format, its parser, best-known values.

The benchmark (T. Curtois and R. Qu, "Computational results on new staff scheduling benchmark
instances", 2014; schedulingbenchmarks.org, "nrp/instances1_24") is how we check our roster
solver against published results. An instance file is a list of sections (horizon, shift
types with their forbidden successors, staff with their limits, days off, shift-on and
shift-off requests, cover) of comma-separated rows; `parse_instance` reads it into frozen
dataclasses and refuses references to unknown staff, shifts or days. `load_best_known` reads
the published reference values (best_known.csv beside the instances).

Everything else in the package builds on this module, and it imports none of it.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "OFF",
    "Cover",
    "Instance",
    "Request",
    "Shift",
    "Staff",
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
