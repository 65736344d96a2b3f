"""A proven lower bound on a roster's penalty: no roster of the problem scores below it.

A street's full model is millions of Booleans, so the solver cannot prove anything about the
street's roster itself. This bounds it by a relaxation that is small: only the shift requests
("prefer this shift") are kept, each one a Boolean "granted", with the hard rules that link
the granted shifts of one person (rest, hours a day, consecutive days, shifts and days off in
any 7 days), a shift's room (`max_people`), the night rule and the party member a shift needs
(a shift whose granted people are all outside the party must keep a place for a member, or
pay `W_PARTY`). Every roster grants a set of requests that satisfies these, so the least cost
of the broken requests (plus the party points) here is at most any roster's penalty; cover,
hours spread, skills, past work and frozen shifts are left out, which only lowers the bound.
CP-SAT solves the relaxation (it usually proves its optimum within a second); its proven
bound is what is reported, so a limit hit early only makes the bound weaker, never wrong.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from shequ.duty.roster.problem import PREFER, W_PARTY, Problem


@dataclass(frozen=True)
class Bound:
    value: int  # no roster's penalty is below this
    proven_optimal: bool  # the relaxation was solved to its optimum (else its bound)
    requests_unavoidable: int  # requests broken in every roster (unavailable that day)
    # The requests granted by the relaxation's best solution: shifts the construction may
    # give first (roster/street.py), as they fit together under every rule of one person.
    wishes: frozenset[tuple[int, str]] = frozenset()


def lower_bound(problem: Problem, *, time_limit_s: float = 10.0, threads: int = 2) -> Bound:
    """The bound described in the module docstring, with the wishes it grants."""
    rules = problem.rules
    model = cp_model.CpModel()
    fixed_cost = 0
    unavoidable = 0
    granted: dict[tuple[int, str], cp_model.IntVar] = {}
    wished: list[tuple[int, cp_model.IntVar]] = []  # (weight, granted)
    no_party: list[cp_model.IntVar] = []
    for r in problem.requests:
        if r.kind != PREFER:
            continue  # an avoid request is kept by not rostering the person
        person = problem.person(r.person)
        day = problem.slot(r.slot).day if r.slot is not None else r.day
        if day in person.unavailable:
            fixed_cost += r.weight
            unavoidable += 1
            continue
        if r.slot is None:
            continue  # any shift of the day would do: left out
        key = (r.person, r.slot)
        if key not in granted:
            granted[key] = model.new_bool_var(f"g{len(granted)}")
        wished.append((r.weight, granted[key]))

    by_slot: dict[str, list[int]] = defaultdict(list)
    by_person: dict[int, list[str]] = defaultdict(list)
    for person, slot_id in granted:
        by_slot[slot_id].append(person)
        by_person[person].append(slot_id)

    for slot_id, people in by_slot.items():
        slot = problem.slot(slot_id)
        xs = [granted[(p, slot_id)] for p in people]
        model.add(sum(xs) <= slot.max_people)
        room = slot.max_people
        if slot.not_only_women:
            women = [granted[(p, slot_id)] for p in people if problem.person(p).woman]
            men = [granted[(p, slot_id)] for p in people if not problem.person(p).woman]
            # Granted women only: a man must still fit.
            model.add(sum(women) <= room - 1 + room * sum(men))
        if slot.party and slot.min_people > 0:  # the checker's condition for W_PARTY
            outside = [granted[(p, slot_id)] for p in people if not problem.person(p).party]
            members = [granted[(p, slot_id)] for p in people if problem.person(p).party]
            no_member = model.new_bool_var(f"np{slot_id}")
            model.add(sum(outside) <= room - 1 + room * (sum(members) + no_member))
            no_party.append(no_member)

    for person, slot_ids in by_person.items():
        slots = sorted((problem.slot(s) for s in slot_ids), key=lambda s: (s.start, s.end))
        x = {s.id: granted[(person, s.id)] for s in slots}
        for i, a in enumerate(slots):
            for b in slots[i + 1 :]:
                if b.start >= a.end + rules.min_rest_minutes:
                    break
                model.add(x[a.id] + x[b.id] <= 1)
        on_day: dict[int, list] = defaultdict(list)
        minutes: dict[int, list] = defaultdict(list)
        for s in slots:
            on_day[s.day].append(x[s.id])
            minutes[s.day].append((s.minutes, x[s.id]))
        for items in minutes.values():
            if sum(m for m, _ in items) > rules.max_minutes_per_day:
                model.add(sum(m * v for m, v in items) <= rules.max_minutes_per_day)
        works = {}
        for day, xs in on_day.items():
            works[day] = model.new_bool_var(f"w{person}:{day}")
            model.add_max_equality(works[day], xs)
        run = rules.max_consecutive_days + 1
        for first in range(problem.days - run + 1):
            days = [works[d] for d in range(first, first + run) if d in works]
            if len(days) == run:
                model.add(sum(days) <= rules.max_consecutive_days)
        for first in range(-6, problem.days):
            window = [d for d in range(first, first + 7) if d in on_day]
            shifts = [v for d in window for v in on_day[d]]
            if len(shifts) > rules.max_shifts_per_week:
                model.add(sum(shifts) <= rules.max_shifts_per_week)
            if len(window) > 7 - rules.min_days_off_per_week:
                model.add(sum(works[d] for d in window) <= 7 - rules.min_days_off_per_week)

    # What is lost: the weight of every request not granted, and the party points.
    model.minimize(sum(w * (1 - v) for w, v in wished) + W_PARTY * sum(no_party))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = max(1, threads)
    status = solver.solve(model)
    wishes: frozenset[tuple[int, str]] = frozenset()
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        wishes = frozenset(k for k, v in granted.items() if solver.boolean_value(v))
    if status == cp_model.OPTIMAL:
        return Bound(fixed_cost + round(solver.objective_value), True, unavoidable, wishes)
    # Not proven: its bound (integer objective, so rounded up) is still a bound.
    bound = max(0, -int(-solver.best_objective_bound // 1)) if status != cp_model.UNKNOWN else 0
    return Bound(fixed_cost + bound, False, unavoidable, wishes)
