"""A street's roster (or any large one): community by community, then help across them.

A street's pool can be thousands of people and its posts hundreds of shifts a day: one model
of every (person, shift) pair would be millions of Booleans, far beyond what CP-SAT builds in
a page's wait. People are enlisted in one community and staff its posts, so the street splits
along its communities (`Person.group`, `Slot.group`): each community gets its greedy roster,
what is still short afterwards is filled by anyone in the street who breaks no rule
(`check.added_violations`, against the whole street's roster), and people are put on the
shifts they asked for in place of someone who did not ask (`_grant_wishes`). Then each
community's part is improved by neighbourhoods (`lns.improve`: CP-SAT on a few days at a
time, the rest fixed), the communities that miss the most first, while the time lasts. The
result is re-checked as a whole by the independent checker: it is only offered when it breaks
no rule.

Small problems (one community, or few enough pairs) go to `best_roster` whole.
`progress(done, note)` is called as parts finish (done from 0 to 1), for the page.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable

from shequ.duty.roster import check
from shequ.duty.roster.best import GREEDY, Best, best_roster
from shequ.duty.roster.bound import lower_bound
from shequ.duty.roster.greedy import greedy_roster
from shequ.duty.roster.lns import improve
from shequ.duty.roster.problem import PREFER, Problem

WHOLE_MAX_PAIRS = 60_000
"""Up to this many (person, slot) pairs the problem is solved whole."""

Progress = Callable[[float, str], None]
Found = Callable[[check.Penalty], None]
"""Told the first complete roster that breaks no rule (its penalty), before it is improved."""


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


def _grant_wishes(problem: Problem, pairs: set[tuple[int, str]]) -> None:
    """Put people on the shifts they asked for in place of someone who did not (in place),
    where no rule breaks and no party member or wished-for person is taken off."""
    crews: dict[str, set[int]] = defaultdict(set)
    minutes: dict[int, int] = defaultdict(int)
    mine: dict[int, set[tuple[int, str]]] = defaultdict(set)
    for person, slot_id in pairs:
        crews[slot_id].add(person)
        minutes[person] += problem.slot(slot_id).minutes
        mine[person].add((person, slot_id))
    wished = {(r.person, r.slot) for r in problem.requests if r.kind == PREFER and r.slot}
    for r in sorted(problem.requests, key=lambda r: -r.weight):
        if r.kind != PREFER or r.slot is None or (r.person, r.slot) in pairs:
            continue
        if r.slot in problem.frozen:
            continue
        slot = problem.slot(r.slot)
        person = problem.person(r.person)
        if slot.day in person.unavailable:
            continue
        crew = crews[slot.id]
        party_left = sum(1 for c in crew if problem.person(c).party)
        for other in sorted(crew, key=lambda c: (-minutes[c], c)):
            if (other, slot.id) in wished:
                continue
            if slot.party and problem.person(other).party and party_left == 1 and not person.party:
                continue
            local = mine[r.person] | {(c, slot.id) for c in crew if c != other}
            if check.added_violations(problem, local, r.person, slot):
                continue
            pairs.discard((other, slot.id))
            mine[other].discard((other, slot.id))
            crew.discard(other)
            minutes[other] -= slot.minutes
            pairs.add((r.person, slot.id))
            mine[r.person].add((r.person, slot.id))
            crew.add(r.person)
            minutes[r.person] += slot.minutes
            break


def street_roster(
    problem: Problem,
    *,
    time_limit_s: float,
    threads: int = 2,
    progress: Progress = _quiet,
    on_draft: Found | None = None,
) -> Best:
    """The best roster found within `time_limit_s` (see the module docstring).

    By parts: first every community's greedy roster and the help across communities (a
    complete roster that breaks no rule, within seconds), then CP-SAT on one community at a
    time from its part of that roster, the communities that miss the most first, each kept
    when the checker finds it no worse, until the time is up.
    """
    started = time.perf_counter()
    deadline = started + time_limit_s
    parts = _parts(problem)
    if len(parts) < 2 or _pairs(problem) <= WHOLE_MAX_PAIRS:
        progress(0.0, "whole")
        result = best_roster(problem, time_limit_s=time_limit_s, threads=threads, on_draft=on_draft)
        progress(1.0, "whole")
        return result
    subs = {g: _sub_problem(problem, *parts[g]) for g in sorted(parts)}
    # Which requests fit together (one small model over the wished shifts only), and the
    # bound that proves how far any roster is from the best possible.
    bound = lower_bound(
        problem, time_limit_s=min(_BOUND_MAX_S, 0.15 * time_limit_s), threads=threads
    )
    progress(0.02, "requests")
    mine: dict[str, frozenset[tuple[int, str]]] = {}
    for i, (group, sub) in enumerate(subs.items()):
        mine[group] = greedy_roster(sub, first=[w for w in bound.wishes if sub.knows(*w)])
        progress(0.3 * (i + 1) / len(subs), group)
    pairs = set().union(*mine.values())
    _help(problem, pairs)
    _grant_wishes(problem, pairs)
    for group, sub in subs.items():
        where = {s.id for s in sub.slots}
        members = {p.id for p in sub.people}
        mine[group] = frozenset((p, s) for p, s in pairs if s in where and p in members)
    helped = pairs - set().union(*mine.values())
    if on_draft is not None and not check.violations(problem, pairs):
        on_draft(check.penalty(problem, pairs))
    status = GREEDY
    # Improve the communities that miss the most first (their part of the penalty).
    costs = {g: check.penalty(sub, mine[g]).total for g, sub in subs.items()}
    order = sorted(subs, key=lambda g: -costs[g])
    for i, group in enumerate(order):
        left = deadline - time.perf_counter() - _RESERVE_S
        if left < 0.5:
            break
        sub = subs[group]
        # A few seconds each or nothing: less than that only builds the model.
        share = max(_MIN_PART_S, left / (len(order) - i))
        if share > left:
            break
        found, _objective = improve(sub, mine[group], time_limit_s=share, threads=threads)
        if found != mine[group] and not check.violations(sub, found):
            candidate = (pairs - mine[group]) | found
            if check.penalty(sub, found).total <= costs[group] and not _clashes(
                problem, candidate, helped
            ):
                pairs, mine[group] = candidate, found
                status = "FEASIBLE"
        progress(0.3 + 0.65 * (i + 1) / len(order), group)
    chosen = frozenset(pairs)
    seconds = time.perf_counter() - started
    progress(1.0, "done")
    if check.violations(problem, chosen):
        return Best("INFEASIBLE", frozenset(), None, seconds, bound.value)
    return Best(status, chosen, check.penalty(problem, chosen).total, seconds, bound.value)


_RESERVE_S = 3.0
"""Kept back from the limit for the final check of the whole street's roster."""

_BOUND_MAX_S = 10.0
"""The most the wishes' model (roster/bound.py) may take; it usually proves its optimum in 1 s."""

_MIN_PART_S = 4.0
"""The least time a community's improvement gets; with less, only the best-missing ones get it."""


def _clashes(problem: Problem, pairs: set[tuple[int, str]], helped: set[tuple[int, str]]) -> bool:
    """Whether a re-planned community now breaks a rule with the help given across parts
    (a helper's own community may have moved them next to the shift they help on)."""
    people = {p for p, _ in helped}
    return any(check.violations(problem, pairs, person=p) for p in people)
