"""CP-SAT model of the Curtois & Qu nurse-rostering benchmark.

Every hard rule follows the conventions of `curtois.evaluate` (which never calls this module):
the days around the horizon count as days off for forbidden successions and for the maximum run
of shifts, while runs of shifts or of days off touching the first or last day are never "too
short". Weekends are days 5 and 6 of each whole week. The objective is the evaluator's penalty:
unmet on-requests, honoured-against off-requests, and weighted under/over cover.

Modelling choices that keep the model linear in staff x days x shifts:

* one Boolean per (person, day, allowed shift) and a "works" Boolean per (person, day) equal to
  their sum (so at most one shift a day); no variables at all on a person's days off;
* forbidden successions as one constraint per (person, day, shift) -- `x[d, a]` plus all forbidden
  successors on day d+1 at most 1 -- rather than one per forbidden pair;
* max consecutive shifts as sliding windows of length max+1 over the works Booleans;
* short runs of shifts or days off forbidden by clauses ("if a run starts here it is at least k
  long"), one per start day and short length;
* a weekend Boolean per (person, weekend) bounded below by both weekend days;
* cover as count + under - over == requirement with integer slacks paid by their weights.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from shequ.duty.roster.curtois import OFF, Instance, Staff

__all__ = ["Solution", "build_model", "solve"]


@dataclass(frozen=True)
class Solution:
    """Solver outcome: `roster` maps staff id to one shift id (or "" for off) per day."""

    feasible: bool
    objective: int | None
    roster: dict[str, list[str]]
    seconds: float
    status: str


@dataclass
class _Built:
    model: cp_model.CpModel
    x: dict[tuple[int, int, int], cp_model.IntVar]
    works: dict[tuple[int, int], cp_model.IntVar]
    constant: int


_sum = cp_model.LinearExpr.sum


def _forbid_short_runs(
    model: cp_model.CpModel,
    works: list[cp_model.IntVar],
    min_len: int,
    *,
    on: bool,
) -> None:
    """Forbid interior runs (of shifts when `on`, else of days off) shorter than `min_len`.

    A run starting at day d > 0 of length k < min_len ending at d+k-1 < last is excluded by the
    clause "day d-1 differs, days d..d+k-1 match, day d+k differs" being false. Runs touching the
    horizon edges are exempt, matching the evaluator.
    """
    horizon = len(works)

    def lit(day: int, value: bool) -> cp_model.IntVar:
        v = works[day]
        return v if value == on else v.Not()

    for k in range(1, min_len):
        for start in range(1, horizon - k):
            end = start + k - 1
            clause = [lit(start - 1, True)]
            clause.extend(lit(d, False) for d in range(start, end + 1))
            clause.append(lit(end + 1, True))
            model.add_bool_or(clause)


def _staff_rules(
    model: cp_model.CpModel,
    instance: Instance,
    person: Staff,
    e: int,
    x: dict[tuple[int, int, int], cp_model.IntVar],
    works: list[cp_model.IntVar],
) -> None:
    """Every hard rule of one person except the daily one-shift rule (set up by the caller)."""
    horizon = instance.horizon
    shifts = instance.shifts
    index = {s.id: i for i, s in enumerate(shifts)}

    # Forbidden successions: x[d, a] + sum(x[d+1, b] for b forbidden after a) <= 1.
    for si, shift in enumerate(shifts):
        forbidden = [index[b] for b in shift.forbidden_successors]
        if not forbidden:
            continue
        for d in range(horizon - 1):
            a = x.get((e, d, si))
            if a is None:
                continue
            nxt = [x[e, d + 1, b] for b in forbidden if (e, d + 1, b) in x]
            if nxt:
                model.add(_sum([a, *nxt]) <= 1)

    # Max shifts per type.
    for si, shift in enumerate(shifts):
        limit = person.max_shifts.get(shift.id)
        if limit is None:
            continue
        terms = [x[e, d, si] for d in range(horizon) if (e, d, si) in x]
        if len(terms) > limit:
            model.add(_sum(terms) <= limit)

    # Total minutes.
    keys = [(d, si) for d in range(horizon) for si in range(len(shifts)) if (e, d, si) in x]
    minutes = cp_model.LinearExpr.weighted_sum(
        [x[e, d, si] for d, si in keys], [shifts[si].length for _, si in keys]
    )
    model.add_linear_constraint(minutes, person.min_total_minutes, person.max_total_minutes)

    # Max consecutive shifts: any window of max+1 days holds a day off.
    k = person.max_consecutive_shifts
    if k < horizon:
        for start in range(horizon - k):
            model.add(_sum(works[start : start + k + 1]) <= k)

    _forbid_short_runs(model, works, person.min_consecutive_shifts, on=True)
    _forbid_short_runs(model, works, person.min_consecutive_days_off, on=False)

    # Max weekends: weekend Boolean >= each of its two days.
    weekends = horizon // 7
    if person.max_weekends < weekends:
        flags = []
        for w in range(weekends):
            flag = model.new_bool_var(f"wk_{e}_{w}")
            model.add_implication(works[7 * w + 5], flag)
            model.add_implication(works[7 * w + 6], flag)
            flags.append(flag)
        model.add(_sum(flags) <= person.max_weekends)


def build_model(instance: Instance) -> _Built:
    """Build the CP-SAT model; the objective equals the evaluator's penalty."""
    model = cp_model.CpModel()
    horizon = instance.horizon
    shifts = instance.shifts
    index = {s.id: i for i, s in enumerate(shifts)}
    staff_index = {p.id: e for e, p in enumerate(instance.staff)}

    x: dict[tuple[int, int, int], cp_model.IntVar] = {}
    works: dict[tuple[int, int], cp_model.IntVar] = {}
    for e, person in enumerate(instance.staff):
        off_days = instance.days_off.get(person.id, frozenset())
        line: list[cp_model.IntVar] = []
        for d in range(horizon):
            w = model.new_bool_var(f"w_{e}_{d}")
            works[e, d] = w
            line.append(w)
            if d in off_days:
                model.add(w == 0)
                continue
            day_vars = []
            for si, shift in enumerate(shifts):
                if person.max_shifts.get(shift.id, 1) <= 0:
                    continue
                var = model.new_bool_var(f"x_{e}_{d}_{si}")
                x[e, d, si] = var
                day_vars.append(var)
            model.add(_sum(day_vars) == w)
        _staff_rules(model, instance, person, e, x, line)

    objective: list[cp_model.LinearExprT] = []
    constant = 0
    for r in instance.on_requests:
        var = x.get((staff_index[r.staff], r.day, index[r.shift]))
        if var is None:
            constant += r.weight
        else:
            objective.append(r.weight * (1 - var))
    for r in instance.off_requests:
        var = x.get((staff_index[r.staff], r.day, index[r.shift]))
        if var is not None:
            objective.append(r.weight * var)

    n_staff = len(instance.staff)
    for c in instance.cover:
        si = index[c.shift]
        count = _sum([x[e, c.day, si] for e in range(n_staff) if (e, c.day, si) in x])
        under = model.new_int_var(0, max(c.requirement, 0), f"under_{c.day}_{si}")
        over = model.new_int_var(0, n_staff, f"over_{c.day}_{si}")
        model.add(count + under - over == c.requirement)
        if c.weight_under:
            objective.append(c.weight_under * under)
        if c.weight_over:
            objective.append(c.weight_over * over)

    model.minimize(_sum(objective) + constant)
    return _Built(model, x, works, constant)


_STATUS = {
    cp_model.OPTIMAL: "OPTIMAL",
    cp_model.FEASIBLE: "FEASIBLE",
    cp_model.INFEASIBLE: "INFEASIBLE",
    cp_model.MODEL_INVALID: "UNKNOWN",
    cp_model.UNKNOWN: "UNKNOWN",
}

_SUBSOLVERS = ("max_lp", "core", "default_lp", "quick_restart", "no_lp", "reduced_costs")


def solve(
    instance: Instance, *, time_limit_s: float = 60, threads: int = 2, seed: int = 0
) -> Solution:
    """Solve `instance` within `time_limit_s` seconds (model building included in `seconds`)."""
    started = time.perf_counter()
    built = build_model(instance)
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.num_workers = max(1, threads)
    params.random_seed = seed
    params.max_time_in_seconds = max(0.1, time_limit_s - (time.perf_counter() - started))
    # The full LP relaxation (with the run clauses linearised) is what proves these instances
    # optimal; with 2 workers the one full-problem worker is max_lp and the other runs LNS.
    if threads <= 1:
        params.linearization_level = 2
    else:
        params.subsolvers.extend(_SUBSOLVERS)
    status = solver.solve(built.model)
    seconds = time.perf_counter() - started

    name = _STATUS.get(status, "UNKNOWN")
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Solution(False, None, {}, seconds, name)

    roster: dict[str, list[str]] = {}
    for e, person in enumerate(instance.staff):
        line = [OFF] * instance.horizon
        for d in range(instance.horizon):
            for si, shift in enumerate(instance.shifts):
                var = built.x.get((e, d, si))
                if var is not None and solver.boolean_value(var):
                    line[d] = shift.id
        roster[person.id] = line
    return Solution(True, round(solver.objective_value), roster, seconds, name)
