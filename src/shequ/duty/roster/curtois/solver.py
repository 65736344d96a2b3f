"""Curtois & Qu solver: `solve`, which chains construction, neighbourhood search and CP-SAT.

`solve` (see its docstring) does not hand everything to CP-SAT: a roster is first constructed
and improved one person at a time (`construction`), then, depending on the instance's size,
by neighbourhood search (`search`) and/or CP-SAT on the full model (`model`), all within one
time limit.
The best roster found is always what `solve` returns, whichever step found it; its objective is
the evaluator's penalty (`evaluator.evaluate` re-checks it independently).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, replace

from ortools.sat.python import cp_model

from shequ.duty.roster.curtois.construction import _first_roster, _Heuristic, _improve, _prepare
from shequ.duty.roster.curtois.instance import OFF, Instance
from shequ.duty.roster.curtois.model import _STATUS, _Built, _roster, build_model
from shequ.duty.roster.curtois.rules import _allowed
from shequ.duty.roster.curtois.search import _search

__all__ = ["Solution", "solve"]


@dataclass(frozen=True)
class Solution:
    """Solver outcome: `roster` maps staff id to one shift id (or "" for off) per day."""

    feasible: bool
    objective: int | None
    roster: dict[str, list[str]]
    seconds: float
    status: str
    first_seconds: float | None = None
    """When the first feasible roster was in hand (the construction's), None without one."""


_FULL_MODEL_MAX_VARS = 40_000
"""Above this many shift Booleans, CP-SAT's presolve alone can outlast a one-minute limit, so
the roster comes from the construction and neighbourhood search only."""


_SMALL_MODEL_VARS = 1_500
"""Up to this many shift Booleans CP-SAT on the full model gets (almost) all the time; above
it the neighbourhood search gets `_SEARCH_SHARE` of it first."""


_SEARCH_SHARE = 0.9


_BUILD_S_PER_VAR = 5e-5
"""Seconds `build_model` takes per shift Boolean on this machine, quiet (2026-12-07)."""


_RESERVE_S = 0.3
"""Kept back from the time limit for reading the roster out after the search stops."""


def _size(instance: Instance) -> int:
    """Number of shift Booleans the full model would have."""
    horizon = instance.horizon
    return sum(
        len(_allowed(instance, p)) * (horizon - len(instance.days_off.get(p.id, ())))
        for p in instance.staff
    )


def _lines_roster(instance: Instance, lines: list[list[int]]) -> dict[str, list[str]]:
    ids = [s.id for s in instance.shifts]
    return {
        p.id: [ids[s] if s >= 0 else OFF for s in line]
        for p, line in zip(instance.staff, lines, strict=True)
    }


def solve(
    instance: Instance, *, time_limit_s: float = 60, threads: int = 2, seed: int = 0
) -> Solution:
    """Solve `instance` within `time_limit_s` seconds (see `_solve`); `first_seconds` says when
    the first feasible roster was in hand."""
    marks: dict[str, float] = {}
    result = _solve(instance, time_limit_s, threads, seed, marks)
    return replace(result, first_seconds=marks.get("first") if result.feasible else None)


def _solve(
    instance: Instance, time_limit_s: float, threads: int, seed: int, marks: dict[str, float]
) -> Solution:
    """Solve `instance` within `time_limit_s` seconds, model building included in `seconds`.

    1. Construct a roster person by person (`_construct`; CP-SAT on one person where that
       fails) and improve it one person at a time until no single person can do better.
    2. Up to `_SMALL_MODEL_VARS` shift Booleans: CP-SAT on the full model from scratch for
       the rest of the time (its LP-based searches find and prove the optimum there).
    3. Up to `_FULL_MODEL_MAX_VARS`: neighbourhood search (`_search`: re-plan a few people, or
       some people over a few days, with CP-SAT, the rest fixed) for `_SEARCH_SHARE` of the
       time, then CP-SAT on the full model
       from the best roster so far, to improve it and prove optimality where it can. Without
       a constructed roster the full model is searched from scratch.
    4. Larger: re-plan one person at a time by the construction (a tenth of the time at
       most), then neighbourhood search for the rest of it, its windows of days solved as
       small models of the window alone (`window._window_model`).

    The best roster found is what comes back, whichever step found it.
    """
    started = time.perf_counter()
    # Larger models take longer to stop and read out: keep back a little more for them.
    reserve = _RESERVE_S + min(2.0, _size(instance) * 3e-5)
    deadline = started + max(0.1, time_limit_s - reserve)
    rng = random.Random(seed)  # noqa: S311 - a seeded, reproducible search, not security
    size = _size(instance)
    h = _prepare(instance)
    lines, status = _first_roster(instance, h, rng, deadline)
    if lines is not None:
        marks["first"] = time.perf_counter() - started
    if lines is None and status == "INFEASIBLE":
        return Solution(False, None, {}, time.perf_counter() - started, status)
    workers = max(1, threads)

    # Building the full model takes about _BUILD_S_PER_VAR a Boolean: too late for it, the
    # search goes on by neighbourhoods as on the large instances.
    late = deadline - time.perf_counter() < 3 * _BUILD_S_PER_VAR * size
    if size > _FULL_MODEL_MAX_VARS or (late and size > _SMALL_MODEL_VARS):
        if lines is None:
            return Solution(False, None, {}, time.perf_counter() - started, status)
        # The full model is too large for CP-SAT within a minute: re-plan one person at a
        # time by the construction while that pays, then by neighbourhoods (a few people, or
        # a share of them over a window of days, by CP-SAT: `search`, `window`).
        _improve(instance, h, lines, rng, _share(deadline, 0.1), exact_seconds=0.0)
        _search(instance, h, lines, rng, deadline, workers)
        return _lines_solution(instance, h, lines, started)

    if size <= _SMALL_MODEL_VARS:
        # Small: CP-SAT's full searches find and prove the optimum best from scratch; the
        # constructed roster is only kept in case they find nothing.
        if lines is not None:
            _improve(instance, h, lines, rng, _share(deadline, 0.05), exact_seconds=1.0)
        built = build_model(instance)
        result = _solve_full(instance, built, None, started, deadline, workers, seed, False)
    else:
        built = build_model(instance)
        hint = None
        if lines is not None:
            _improve(instance, h, lines, rng, _share(deadline, 0.1), exact_seconds=1.0)
            _search(instance, h, lines, rng, _share(deadline, _SEARCH_SHARE), workers)
            hint = _complete_hint(built, lines, deadline)
        result = _solve_full(instance, built, hint, started, deadline, workers, seed, True)
    if lines is not None and (not result.feasible or h.costs.penalty(lines) < result.objective):
        return _lines_solution(instance, h, lines, started)
    return result


def _lines_solution(
    instance: Instance, h: _Heuristic, lines: list[list[int]], started: float
) -> Solution:
    roster = _lines_roster(instance, lines)
    return Solution(True, h.costs.penalty(lines), roster, time.perf_counter() - started, "FEASIBLE")


def _share(deadline: float, share: float) -> float:
    """The moment `share` of the time left until `deadline` has passed."""
    now = time.perf_counter()
    return now + share * max(0.0, deadline - now)


def _complete_hint(
    built: _Built, lines: list[list[int]], deadline: float
) -> list[tuple[int, int]] | None:
    """Every variable's value for `lines`: CP-SAT completes the auxiliary ones (flow arcs,
    weekend flags, cover slacks) with the shift Booleans fixed, as a partial hint would
    otherwise often be dropped by the search."""
    proto = built.model.proto
    proto.clear_solution_hint()
    for e, line in enumerate(lines):
        for d, (day, w) in enumerate(zip(built.x[e], built.works[e], strict=True)):
            if w is not None:
                proto.solution_hint.vars.append(w.index)
                proto.solution_hint.values.append(int(line[d] >= 0))
                proto.solution_hint.vars.extend(v.index for v in day.values())
                proto.solution_hint.values.extend(int(line[d] == si) for si in day)
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = max(0.05, min(5.0, deadline - time.perf_counter()))
    status = solver.solve(built.model)
    proto.clear_solution_hint()
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return list(enumerate(solver.response_proto.solution))


def _solve_full(
    instance: Instance,
    built: _Built,
    hint: list[tuple[int, int]] | None,
    started: float,
    deadline: float,
    workers: int,
    seed: int,
    search_first: bool,
) -> Solution:
    """CP-SAT on the full model until the deadline.

    With a hint (a complete roster), only full searches run: the LP one and, with two or more
    threads, a reduced-cost one; from a good roster they improve it and prove optimality
    where they can. Without one and with `search_first`, a first phase (40 % of the time)
    runs the LP search with large-neighbourhood search interleaved to find rosters, then the
    full searches start from its best.
    """
    best: tuple[int, list[int]] | None = None
    status = cp_model.UNKNOWN
    for phase in (1, 2):
        if phase == 1 and (hint is not None or not search_first):
            continue
        left = deadline - time.perf_counter()
        if left <= 0.05:
            break
        proto = built.model.proto
        proto.clear_solution_hint()
        start = best[1] if best is not None else [v for _, v in hint] if hint else None
        if start is not None:
            proto.solution_hint.vars.extend(range(len(start)))
            proto.solution_hint.values.extend(start)
        solver = cp_model.CpSolver()
        params = solver.parameters
        params.num_workers = workers
        params.random_seed = seed
        if phase == 1:
            params.max_time_in_seconds = max(0.05, left * 0.4)
            params.subsolvers.append("max_lp")
        else:
            params.max_time_in_seconds = left
            params.subsolvers.append("max_lp")
            if workers > 1:
                params.num_full_subsolvers = workers
                params.subsolvers.append("reduced_costs")
        status = solver.solve(built.model)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            objective = round(solver.objective_value)
            if best is None or objective <= best[0]:
                best = (objective, list(solver.response_proto.solution))
        if status in (cp_model.OPTIMAL, cp_model.INFEASIBLE):
            break
    seconds = time.perf_counter() - started
    if best is None:
        return Solution(False, None, {}, seconds, _STATUS.get(status, "UNKNOWN"))
    name = "OPTIMAL" if status == cp_model.OPTIMAL else "FEASIBLE"
    return Solution(True, best[0], _roster(instance, built, best[1]), seconds, name)
