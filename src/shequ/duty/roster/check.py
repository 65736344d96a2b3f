"""The independent rule checker: every hard rule and every soft goal of a roster, recomputed.

Plain Python over `problem.py`; it never imports the solver. The solver's output is tested
against it, swaps and hand edits are validated by it, and the explanations of a roster are
built from it, so "the rules" mean one thing everywhere.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from shequ.duty.roster.problem import (
    AVOID,
    W_CHANGE,
    W_PARTY,
    W_SHORT,
    W_SKILL,
    W_SPREAD,
    Assignment,
    Problem,
    Request,
    Slot,
)

# Hard rules, in the order a person is told about them.
UNKNOWN = "unknown"
UNAVAILABLE = "unavailable"
FROZEN = "frozen"
MAX_PEOPLE = "max_people"
REST = "rest"
HOURS_PER_DAY = "hours_per_day"
CONSECUTIVE_DAYS = "consecutive_days"
SHIFTS_PER_WEEK = "shifts_per_week"
DAYS_OFF = "days_off"
NOT_ONLY_WOMEN = "not_only_women"


@dataclass(frozen=True)
class Violation:
    rule: str
    person: int | None = None
    slot: str | None = None
    key: int | None = None  # the day, window or gap the rule broke on
    detail: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass
class Penalty:
    """The soft goals a roster misses, and their cost in points (see `problem.W_*`)."""

    short: dict[str, int] = field(default_factory=dict)  # slot -> people missing
    no_party: list[str] = field(default_factory=list)
    missing_skills: dict[str, int] = field(default_factory=dict)  # slot -> bits nobody holds
    broken_requests: list[Request] = field(default_factory=list)
    spread_half_hours: int = 0
    changes: int = 0

    @property
    def total(self) -> int:
        return (
            W_SHORT * sum(self.short.values())
            + W_PARTY * len(self.no_party)
            + W_SKILL * sum(bin(b).count("1") for b in self.missing_skills.values())
            + sum(r.weight for r in self.broken_requests)
            + W_SPREAD * self.spread_half_hours
            + W_CHANGE * self.changes
        )


def _works(problem: Problem, assignment: Iterable[tuple[int, str]]) -> dict[int, list[tuple]]:
    """person -> [(day, start, end, slot id or None for past work)], sorted by start."""
    out: dict[int, list[tuple]] = defaultdict(list)
    for w in problem.past:
        out[w.person].append((w.day, w.start, w.end, None))
    for person, slot_id in assignment:
        s = problem.slot(slot_id)
        out[person].append((s.day, s.start, s.end, s.id))
    for items in out.values():
        items.sort(key=lambda t: (t[1], t[2]))
    return out


def violations(
    problem: Problem, assignment: Iterable[tuple[int, str]], *, person: int | None = None
) -> list[Violation]:
    """Every broken hard rule; an empty list means the roster may be published.

    With `person`, only the rules touching that person: their own limits and the shifts
    they are on (what a swap or a hand edit needs, at a fraction of the cost).
    """
    pairs = set(assignment)
    if person is not None:
        mine = {s for p, s in pairs if p == person}
        pairs = {(p, s) for p, s in pairs if s in mine}
    found: list[Violation] = []
    bad = {(p, s) for p, s in pairs if not problem.knows(p, s)}
    found.extend(Violation(UNKNOWN, p, s) for p, s in sorted(bad))
    pairs -= bad

    on_slot: dict[str, set[int]] = defaultdict(set)
    for who, slot_id in pairs:
        on_slot[slot_id].add(who)
        if person is not None and who != person:
            continue
        if who in problem.frozen.get(slot_id, ()):
            continue  # a shift that has started is history, whoever is on it
        if problem.slot(slot_id).day in problem.person(who).unavailable:
            found.append(Violation(UNAVAILABLE, who, slot_id))

    for slot_id, fixed in problem.frozen.items():
        if person is not None and slot_id not in on_slot:
            continue
        if on_slot.get(slot_id, set()) != set(fixed):
            found.append(Violation(FROZEN, None, slot_id))

    for s in problem.slots if person is None else [problem.slot(i) for i in on_slot]:
        crew = on_slot.get(s.id, set())
        if len(crew) > s.max_people:
            found.append(Violation(MAX_PEOPLE, None, s.id, s.max_people))
        if s.not_only_women and crew and all(problem.person(p).woman for p in crew):
            found.append(Violation(NOT_ONLY_WOMEN, None, s.id))

    rules = problem.rules
    works = _works(problem, pairs)
    if person is not None:
        works = {person: works.get(person, [])}
    for who, items in works.items():
        # Rest: each shift starts at least min_rest after the end of every earlier one.
        for i, (_, _, end_a, slot_a) in enumerate(items):
            for _, start_b, _, slot_b in items[i + 1 :]:
                if start_b >= end_a + rules.min_rest_minutes:
                    break  # sorted by start: every later shift is far enough too
                if slot_a or slot_b:
                    gap = max(0, start_b - end_a)
                    found.append(Violation(REST, who, slot_b or slot_a, gap, {"other": slot_a}))
        per_day: dict[int, int] = defaultdict(int)
        shifts_on: dict[int, int] = defaultdict(int)
        for day, start, end, _ in items:
            per_day[day] += end - start
            shifts_on[day] += 1
        for day, minutes in sorted(per_day.items()):
            if day >= 0 and minutes > rules.max_minutes_per_day:
                found.append(Violation(HOURS_PER_DAY, who, None, day, {"minutes": minutes}))
        worked = set(shifts_on)
        run = 0
        for day in range(min(worked, default=0), problem.days):
            run = run + 1 if day in worked else 0
            if day >= 0 and run > rules.max_consecutive_days:
                found.append(Violation(CONSECUTIVE_DAYS, who, None, day, {"run": run}))
        # Every 7-day window [first, first + 7) touching the horizon, summed as it slides.
        shifts = sum(shifts_on.get(d, 0) for d in range(-7, 0))
        days = sum(1 for d in range(-7, 0) if d in worked)
        for first in range(-6, problem.days):
            gone, new = first - 1, first + 6
            shifts += shifts_on.get(new, 0) - shifts_on.get(gone, 0)
            days += (new in worked) - (gone in worked)
            if shifts > rules.max_shifts_per_week:
                found.append(Violation(SHIFTS_PER_WEEK, who, None, first, {"shifts": shifts}))
            if days > 7 - rules.min_days_off_per_week:
                found.append(Violation(DAYS_OFF, who, None, first, {"days": days}))
    return found


def _half_hours_up(minutes: int) -> int:
    return -(-minutes // 30)


def penalty(problem: Problem, assignment: Iterable[tuple[int, str]]) -> Penalty:
    """The soft goals missed by `assignment` (hard rules are `violations`' business)."""
    pairs = set(assignment)
    crews: dict[str, list[int]] = defaultdict(list)
    minutes: dict[int, int] = defaultdict(int)
    for person, slot_id in pairs:
        crews[slot_id].append(person)
        minutes[person] += problem.slot(slot_id).minutes
    result = Penalty()
    for s in problem.slots:
        crew = crews.get(s.id, [])
        if len(crew) < s.min_people:
            result.short[s.id] = s.min_people - len(crew)
        if not crew or s.min_people == 0:
            continue
        if s.party and not any(problem.person(p).party for p in crew):
            result.no_party.append(s.id)
        held = 0
        for p in crew:
            held |= problem.person(p).skills
        if s.skills & ~held:
            result.missing_skills[s.id] = s.skills & ~held
    for r in problem.requests:
        if r.slot is not None:
            on = (r.person, r.slot) in pairs
        else:
            on = any(problem.slot(sid).day == r.day for p, sid in pairs if p == r.person)
        if on == (r.kind == AVOID):
            result.broken_requests.append(r)
    fair = [p.id for p in problem.people if len(p.unavailable) < problem.days]
    if len(fair) > 1:
        totals = [minutes.get(p, 0) for p in fair]
        result.spread_half_hours = _half_hours_up(max(totals) - min(totals))
    if problem.published:
        result.changes = len(pairs ^ set(problem.published))
    return result


def added_violations(
    problem: Problem, assignment: Assignment | set[tuple[int, str]], person: int, slot: Slot
) -> list[Violation]:
    """The hard rules that adding `person` to `slot` would break (and that were not broken)."""
    before = set(violations(problem, assignment, person=person))
    after = violations(problem, set(assignment) | {(person, slot.id)}, person=person)
    return [v for v in after if v not in before]
