"""Improve a complete roster by neighbourhoods: CP-SAT re-plans a window of days with every
other day fixed, window after window, keeping what the objective finds better.

On 28 days and tens of people CP-SAT on the whole model rarely gets from a greedy hint to a
better roster within seconds (the hint covers only the assignment, and repairing the rest of
it is a search of its own). Here the hint is first completed with the assignment fixed (every
auxiliary variable follows from it), so the search starts from a feasible roster; then each
window's sub-problem is the same model with the days outside it fixed, small enough to solve
in a second or two. The objective is `model.build`'s, i.e. `check.penalty(...).total`.
"""

from __future__ import annotations

import random
import time

from ortools.sat.python import cp_model

from shequ.duty.roster.model import build
from shequ.duty.roster.problem import Assignment, Problem

WINDOW_DAYS = 4


def improve(
    problem: Problem,
    start: Assignment,
    *,
    time_limit_s: float,
    threads: int = 2,
    seed: int = 0,
) -> tuple[Assignment, int | None]:
    """The best roster found from `start` within the limit, and its objective (None when
    even `start` could not be completed, e.g. it breaks a rule)."""
    deadline = time.perf_counter() + time_limit_s
    model, x = build(problem)
    proto = model.proto
    keys = list(x)
    index = [x[k].index for k in keys]
    day = [problem.slot(k[1]).day for k in keys]

    def run(values: list[int] | None, fixed: list[bool], seconds: float) -> list[int] | None:
        saved = []
        for i, var in enumerate(index):
            if fixed[i]:
                domain = proto.variables[var].domain
                saved.append((var, domain[0], domain[1]))
                domain[0] = domain[1] = values_x[i]
        proto.clear_solution_hint()
        if values is not None:
            proto.solution_hint.vars.extend(range(len(values)))
            proto.solution_hint.values.extend(values)
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.num_workers = max(1, threads)
        params.random_seed = seed
        params.max_time_in_seconds = max(0.05, seconds)
        status = solver.solve(model)
        for var, lo, hi in saved:
            domain = proto.variables[var].domain
            domain[0], domain[1] = lo, hi
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        return list(solver.response_proto.solution)

    values_x = [int(k in start) for k in keys]
    everything = [True] * len(keys)
    current = run(None, everything, max(0.1, min(5.0, deadline - time.perf_counter())))
    if current is None:
        return start, None
    objective = _objective(model, current)
    rng = random.Random(seed)  # noqa: S311 - a seeded, reproducible search, not security
    width = min(WINDOW_DAYS, problem.days)
    while time.perf_counter() < deadline - 0.1:
        first = rng.randrange(problem.days - width + 1)
        days = range(first, first + width)
        values_x = [current[v] for v in index]
        fixed = [d not in days for d in day]
        left = deadline - time.perf_counter()
        found = run(current, fixed, min(2.0, left))
        if found is not None and _objective(model, found) < objective:
            current, objective = found, _objective(model, found)
    chosen = frozenset(k for k, v in zip(keys, index, strict=True) if current[v])
    return chosen, objective


def _objective(model: cp_model.CpModel, values: list[int]) -> int:
    objective = model.proto.objective
    return round(
        sum(c * values[v] for v, c in zip(objective.vars, objective.coeffs, strict=True))
        + objective.offset
    )
