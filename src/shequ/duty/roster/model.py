"""CP-SAT model of a community roster (`problem.Problem`); explanations come from `check.py`.

Hard rules are constraints; cover, party members, skills, requests, fairness and (in a
re-plan) changes to the published roster are the objective, with the weights of `problem.W_*`
so that the objective equals `check.penalty(...).total` of the roster returned.

* one Boolean per (person, slot) the person may work (not on a day they are unavailable);
* rest and overlap as cliques: a shift "occupies" [start, end + rest), two shifts conflict
  exactly when those intervals meet, so at each shift start one `at_most_one` over the
  intervals covering it is the whole rule (an interval graph's maximal cliques);
* a `works` Boolean per (person, day) for consecutive-day and weekly windows, with the work
  before the horizon (`problem.past`) entering as constants.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from shequ.duty.roster.problem import (
    AVOID,
    W_CHANGE,
    W_PARTY,
    W_SHORT,
    W_SKILL,
    W_SPREAD,
    Problem,
)

_sum = cp_model.LinearExpr.sum


@dataclass
class Result:
    status: str  # OPTIMAL / FEASIBLE / INFEASIBLE / UNKNOWN
    assignment: frozenset[tuple[int, str]] = frozenset()
    objective: int | None = None
    seconds: float = 0.0
    bound: int | None = None
    stats: dict[str, int] = field(default_factory=dict)

    @property
    def feasible(self) -> bool:
        return self.status in ("OPTIMAL", "FEASIBLE")


def _eligible(problem: Problem) -> dict[tuple[int, str], None]:
    """(person, slot) pairs a person could ever work, in a stable order."""
    rest = problem.rules.min_rest_minutes
    past = defaultdict(list)
    for w in problem.past:
        past[w.person].append(w)
    pairs: dict[tuple[int, str], None] = {}
    for p in problem.people:
        for s in problem.slots:
            if s.day in p.unavailable or s.minutes > problem.rules.max_minutes_per_day:
                continue
            # A shift too close to work already done can never be taken.
            if any(s.start < w.end + rest and w.start < s.end + rest for w in past.get(p.id, ())):
                continue
            pairs[p.id, s.id] = None
    for slot_id, crew in problem.frozen.items():
        for person in crew:
            pairs[person, slot_id] = None
    return pairs


def build(problem: Problem) -> tuple[cp_model.CpModel, dict[tuple[int, str], cp_model.IntVar]]:
    """The CP-SAT model of `problem` and its variables: x[person, slot] is 1 when the person
    works the slot (only pairs that break no rule on their own exist)."""
    model = cp_model.CpModel()
    rules = problem.rules
    x = {key: model.new_bool_var(f"x_{key[0]}_{key[1]}") for key in _eligible(problem)}
    by_person: dict[int, list[tuple[str, cp_model.IntVar]]] = defaultdict(list)
    by_slot: dict[str, list[tuple[int, cp_model.IntVar]]] = defaultdict(list)
    for (person, slot_id), var in x.items():
        by_person[person].append((slot_id, var))
        by_slot[slot_id].append((person, var))

    for slot_id, crew in problem.frozen.items():
        for person, var in by_slot.get(slot_id, []):
            model.add(var == (1 if person in crew else 0))

    objective: list = []
    for s in problem.slots:
        crew = by_slot.get(s.id, [])
        count = _sum([v for _, v in crew])
        model.add(count <= s.max_people)
        if s.min_people:
            short = model.new_int_var(0, s.min_people, f"short_{s.id}")
            model.add(count + short >= s.min_people)
            objective.append(W_SHORT * short)
        staffed = model.new_bool_var(f"staffed_{s.id}")
        if crew:
            model.add_max_equality(staffed, [v for _, v in crew])
        else:
            model.add(staffed == 0)
        if s.not_only_women:
            men = [v for p, v in crew if not problem.person(p).woman]
            for p, v in crew:
                if problem.person(p).woman:
                    model.add_bool_or([v.Not(), *men])
        if s.min_people == 0:
            continue
        if s.party:
            missing = model.new_bool_var(f"noparty_{s.id}")
            party = [v for p, v in crew if problem.person(p).party]
            # staffed and no party member -> missing
            model.add_bool_or([staffed.Not(), missing, *party])
            objective.append(W_PARTY * missing)
        bit = 1
        while bit <= s.skills:
            if s.skills & bit:
                missing = model.new_bool_var(f"noskill_{s.id}_{bit}")
                holders = [v for p, v in crew if problem.person(p).skills & bit]
                model.add_bool_or([staffed.Not(), missing, *holders])
                objective.append(W_SKILL * missing)
            bit <<= 1

    past_days: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    past_minutes: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for w in problem.past:
        past_days[w.person][w.day] += 1
        past_minutes[w.person][w.day] += w.end - w.start
    totals = {}
    for p in problem.people:
        mine = by_person.get(p.id, [])
        # Rest and overlap: cliques of the interval graph of [start, end + rest).
        spans = [
            (problem.slot(sid).start, problem.slot(sid).end + rules.min_rest_minutes, v)
            for sid, v in mine
        ]
        seen: set[tuple[int, ...]] = set()
        for start, _, _ in spans:
            clique = [v for a, b, v in spans if a <= start < b]
            ids = tuple(sorted(v.index for v in clique))
            if len(clique) > 1 and ids not in seen:
                seen.add(ids)
                model.add_at_most_one(clique)
        by_day: dict[int, list] = defaultdict(list)
        for sid, v in mine:
            by_day[problem.slot(sid).day].append((problem.slot(sid).minutes, v))
        history = past_days.get(p.id, {})
        works: dict[int, object] = {}
        shifts_on: dict[int, object] = {}
        for d in sorted(set(by_day) | set(history)):
            items = by_day.get(d, [])
            done = history.get(d, 0)
            if items:
                model.add(
                    cp_model.LinearExpr.weighted_sum([v for _, v in items], [m for m, _ in items])
                    <= max(0, rules.max_minutes_per_day - past_minutes[p.id][d])
                )
            if done:
                works[d] = 1
            else:
                w = model.new_bool_var(f"w_{p.id}_{d}")
                model.add_max_equality(w, [v for _, v in items])
                works[d] = w
            shifts_on[d] = _sum([v for _, v in items]) + done
        k = rules.max_consecutive_days
        first = min(0, min(history, default=0))
        for start in range(first, problem.days - k):
            window = [works.get(d, 0) for d in range(start, start + k + 1)]
            if start + k >= 0:
                model.add(_sum(window) <= k)
        for start in range(-6, problem.days):
            days = range(start, start + 7)
            if days[-1] < 0:
                continue
            model.add(_sum([shifts_on.get(d, 0) for d in days]) <= rules.max_shifts_per_week)
            model.add(_sum([works.get(d, 0) for d in days]) <= 7 - rules.min_days_off_per_week)
        if len(p.unavailable) < problem.days:
            totals[p.id] = cp_model.LinearExpr.weighted_sum(
                [v for _, v in mine], [problem.slot(sid).minutes for sid, _ in mine]
            )

    for r in problem.requests:
        if r.slot is not None:
            var = x.get((r.person, r.slot))
            on = var if var is not None else 0
        else:
            mine = by_person.get(r.person, [])
            day_vars = [v for sid, v in mine if problem.slot(sid).day == r.day]
            if day_vars:
                on = model.new_bool_var(f"req_{r.person}_{r.day}")
                model.add_max_equality(on, day_vars)
            else:
                on = 0
        broken = on if r.kind == AVOID else 1 - on
        objective.append(r.weight * broken)

    if len(totals) > 1:
        horizon_minutes = sum(s.minutes for s in problem.slots) or 1
        hi = model.new_int_var(0, horizon_minutes, "hi")
        lo = model.new_int_var(0, horizon_minutes, "lo")
        for t in totals.values():
            model.add(hi >= t)
            model.add(lo <= t)
        spread = model.new_int_var(0, horizon_minutes, "spread")
        model.add(30 * spread >= hi - lo)
        objective.append(W_SPREAD * spread)

    if problem.published:
        published = set(problem.published)
        for key, var in x.items():
            objective.append(W_CHANGE * ((1 - var) if key in published else var))
        objective.append(W_CHANGE * len([k for k in published if k not in x]))

    model.minimize(_sum(objective))
    return model, x


_STATUS = {
    cp_model.OPTIMAL: "OPTIMAL",
    cp_model.FEASIBLE: "FEASIBLE",
    cp_model.INFEASIBLE: "INFEASIBLE",
    cp_model.MODEL_INVALID: "INVALID",
    cp_model.UNKNOWN: "UNKNOWN",
}


def solve(
    problem: Problem,
    *,
    time_limit_s: float = 10,
    threads: int = 2,
    seed: int = 0,
    hint: frozenset[tuple[int, str]] | None = None,
) -> Result:
    """Best roster found within the time limit (model building included in `seconds`).

    `hint` is a complete starting roster (e.g. a quick greedy one); without it a re-plan
    starts from the published roster.
    """
    started = time.perf_counter()
    model, x = build(problem)
    start = hint if hint is not None else problem.published
    if start:
        for key, var in x.items():
            model.add_hint(var, key in start)
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = max(1, threads)
    params.random_seed = seed
    # Community rosters are full of interchangeable people: symmetry detection, probing and
    # repeated presolve cost more than they save within the few seconds a planner waits
    # (bench/roster_community.py: 300 people x 7 days went from no solution in 5 s to one).
    params.symmetry_level = 0
    params.cp_model_probing_level = 0
    params.max_presolve_iterations = 1
    params.max_time_in_seconds = max(0.1, time_limit_s - (time.perf_counter() - started))
    status = solver.solve(model)
    seconds = time.perf_counter() - started
    name = _STATUS.get(status, "UNKNOWN")
    stats = {"variables": len(x), "constraints": len(model.proto.constraints)}
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Result(name, seconds=seconds, stats=stats)
    chosen = frozenset(key for key, var in x.items() if solver.boolean_value(var))
    return Result(
        name,
        chosen,
        round(solver.objective_value),
        seconds,
        round(solver.best_objective_bound),
        stats,
    )
