"""A street's roster (or any large one): community by community, then help across them.

A street's pool can be thousands of people and its posts hundreds of shifts a day: one model
of every (person, shift) pair would be millions of Booleans, far beyond what CP-SAT builds in
a page's wait. People are enlisted in one community and staff its posts, so the street splits
along its communities (`Person.group`, `Slot.group`): each community's roster is made as a
community's is (`best.best_roster`: the greedy roster, then CP-SAT from it), one after the
other within the time, and what is still short afterwards is filled by anyone in the street
who breaks no rule (`check.added_violations`, against the whole street's roster). The result
is re-checked as a whole by the independent checker: it is only offered when it breaks no rule.

Small problems (one community, or few enough pairs) go to `best_roster` whole.
`progress(done, note)` is called as parts finish (done from 0 to 1), for the page.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable

from shequ.duty.roster import check
from shequ.duty.roster.best import GREEDY, Best, best_roster
from shequ.duty.roster.problem import Problem

WHOLE_MAX_PAIRS = 60_000
"""Up to this many (person, slot) pairs the problem is solved whole."""

Progress = Callable[[float, str], None]


def _quiet(done: float, note: str) -> None:
    return None


def _pairs(problem: Problem) -> int:
    return len(problem.people) * len(problem.slots)


def _parts(problem: Problem) -> dict[str, tuple[list[int], list[str]]]:
    """group -> (its people, its slots); a person on a started slot belongs to its group."""
    groups = {s.group for s in problem.slots}
    home = {p.id: p.group for p in problem.people}
    for slot_id, crew in problem.frozen.items():
        for person in crew:
            home[person] = problem.slot(slot_id).group
    parts: dict[str, tuple[list[int], list[str]]] = {g: ([], []) for g in groups}
    for s in problem.slots:
        parts[s.group][1].append(s.id)
    for p in problem.people:
        if home[p.id] in parts:
            parts[home[p.id]][0].append(p.id)
    return parts


def _sub_problem(problem: Problem, people: list[int], slots: list[str]) -> Problem:
    mine, where = set(people), set(slots)
    day_slots = {s.day for sid in slots for s in (problem.slot(sid),)}
    return Problem(
        days=problem.days,
        people=tuple(problem.person(p) for p in people),
        slots=tuple(problem.slot(s) for s in slots),
        rules=problem.rules,
        requests=tuple(
            r
            for r in problem.requests
            if r.person in mine and (r.slot in where if r.slot else r.day in day_slots)
        ),
        past=tuple(w for w in problem.past if w.person in mine),
        published=frozenset((p, s) for p, s in problem.published if p in mine and s in where),
        frozen={s: crew for s, crew in problem.frozen.items() if s in where},
    )


def _help(problem: Problem, pairs: set[tuple[int, str]]) -> None:
    """Fill what is still short with anyone in the street who breaks no rule (in place)."""
    crews: dict[str, set[int]] = defaultdict(set)
    minutes: dict[int, int] = defaultdict(int)
    for person, slot_id in pairs:
        crews[slot_id].add(person)
        minutes[person] += problem.slot(slot_id).minutes
    mine: dict[int, set[tuple[int, str]]] = defaultdict(set)
    for person, slot_id in pairs:
        mine[person].add((person, slot_id))
    for slot in sorted(problem.slots, key=lambda s: (s.start, s.id)):
        wanted = slot.min_people - len(crews[slot.id])
        if wanted <= 0 or slot.id in problem.frozen:
            continue
        for person in sorted(problem.people, key=lambda p: (minutes[p.id], p.id)):
            if wanted <= 0:
                break
            if person.id in crews[slot.id] or slot.day in person.unavailable:
                continue
            # The person's own shifts and this slot's crew are all the rules can see.
            local = mine[person.id] | {(p, slot.id) for p in crews[slot.id]}
            if check.added_violations(problem, local, person.id, slot):
                continue
            pairs.add((person.id, slot.id))
            mine[person.id].add((person.id, slot.id))
            crews[slot.id].add(person.id)
            minutes[person.id] += slot.minutes
            wanted -= 1


def street_roster(
    problem: Problem,
    *,
    time_limit_s: float,
    threads: int = 2,
    progress: Progress = _quiet,
) -> Best:
    """The best roster found within `time_limit_s` (see the module docstring)."""
    started = time.perf_counter()
    deadline = started + time_limit_s
    parts = _parts(problem)
    if len(parts) < 2 or _pairs(problem) <= WHOLE_MAX_PAIRS:
        progress(0.0, "whole")
        result = best_roster(problem, time_limit_s=time_limit_s, threads=threads)
        progress(1.0, "whole")
        return result
    pairs: set[tuple[int, str]] = set()
    statuses: set[str] = set()
    order = sorted(parts, key=lambda g: -len(parts[g][1]))
    total = sum(len(parts[g][1]) for g in order) or 1
    done = 0
    for i, group in enumerate(order):
        people, slots = parts[group]
        left = max(0.2, deadline - time.perf_counter() - 0.5)
        share = left * len(slots) / max(1, sum(len(parts[g][1]) for g in order[i:]))
        sub = _sub_problem(problem, people, slots)
        found = best_roster(sub, time_limit_s=max(0.2, share), threads=threads)
        if found.feasible:
            pairs |= found.assignment
            statuses.add(found.status)
        done += len(slots)
        progress(0.95 * done / total, group)
    _help(problem, pairs)
    chosen = frozenset(pairs)
    seconds = time.perf_counter() - started
    progress(1.0, "help")
    if check.violations(problem, chosen):
        return Best("INFEASIBLE", frozenset(), None, seconds)
    status = "OPTIMAL" if statuses == {"OPTIMAL"} else "FEASIBLE" if statuses else GREEDY
    return Best(status, chosen, check.penalty(problem, chosen).total, seconds)
