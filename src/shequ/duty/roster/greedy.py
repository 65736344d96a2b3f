"""A quick first roster: fill shifts in time order with the least-worked person who breaks no rule
(a party member first where the shift still needs one, then who asked for the shift or day,
and last who asked to avoid it).

It gives the solver a complete starting point (a hint) and is the answer of last resort when
the solver finds nothing within its time (a very large street, a very slow machine). Every
person added is checked by `check.added_violations`, so the result breaks no hard rule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from shequ.duty.roster import check
from shequ.duty.roster.problem import PREFER, Person, Problem, Slot


def greedy_roster(
    problem: Problem, first: Iterable[tuple[int, str]] = ()
) -> frozenset[tuple[int, str]]:
    """`first`: (person, slot) pairs given before the rest where no rule breaks (the wishes
    that fit together, roster/bound.py)."""
    pairs: set[tuple[int, str]] = {(p, s) for s, crew in problem.frozen.items() for p in crew}
    minutes: dict[int, int] = defaultdict(int)
    # A re-plan starts from what was published, minus what now breaks a rule.
    for person, slot_id in [*sorted(problem.published), *sorted(first)]:
        if slot_id in problem.frozen or (person, slot_id) in pairs:
            continue
        slot = problem.slot(slot_id)
        if not check.added_violations(problem, pairs, person, slot):
            pairs.add((person, slot_id))
    for person, slot_id in pairs:
        minutes[person] += problem.slot(slot_id).minutes
    crews: dict[str, set[int]] = defaultdict(set)
    for person, slot_id in pairs:
        crews[slot_id].add(person)
    # Wishes: (person, slot) and (person, day) -> +1 prefer / -1 avoid, the heavier first.
    wish: dict[tuple[int, object], int] = {}
    for r in problem.requests:
        key = (r.person, r.slot if r.slot is not None else r.day)
        wish[key] = wish.get(key, 0) + (r.weight if r.kind == PREFER else -r.weight)
    for slot in sorted(problem.slots, key=lambda s: (s.start, s.id)):
        if slot.id in problem.frozen:
            continue
        crew = crews[slot.id]
        wanted = slot.min_people - len(crew)
        if wanted <= 0:
            continue

        def rank(p: Person, crew: set[int] = crew, slot: Slot = slot) -> tuple[bool, int, int, int]:
            needs_party = slot.party and not any(problem.person(c).party for c in crew)
            wished = wish.get((p.id, slot.id), 0) + wish.get((p.id, slot.day), 0)
            return (not (needs_party and p.party), -wished, minutes[p.id], p.id)

        for person in sorted(problem.people, key=rank):
            if wanted <= 0:
                break
            if person.id in crew or slot.day in person.unavailable:
                continue
            if check.added_violations(problem, pairs, person.id, slot):
                continue
            pairs.add((person.id, slot.id))
            crew.add(person.id)
            minutes[person.id] += slot.minutes
            wanted -= 1
    return frozenset(pairs)
