"""Curtois & Qu solver: neighbourhood search, re-planning a few people with CP-SAT.

With the other lines fixed, the penalty of a few people re-planned together is a small CP-SAT
model (`_sub_model`: their variables only, the others' cover counts as constants). `_search`
runs such sub-problems in a loop per thread until a deadline, picking each neighbourhood
(`_neighbourhood`: a few people over the whole horizon, or a share of the people over a window
of days, often around a shift that is short of people) and keeping a new plan when its exact
change of penalty (`_delta`) is not worse.
"""

from __future__ import annotations

import random
import threading
import time

from ortools.sat.python import cp_model

from shequ.duty.roster.curtois.construction import _Heuristic
from shequ.duty.roster.curtois.instance import Instance
from shequ.duty.roster.curtois.model import Var, _person
from shequ.duty.roster.curtois.window import (
    WINDOW_MODEL_MIN_HORIZON,
    _minimize_with_cover,
    _window_model,
)

_SUB_MODEL_BOOLS = 6_000
"""A window neighbourhood re-plans at most about this many shift Booleans (people x days x
allowed shifts), so that one sub-problem solves within its budget on large instances too."""


_SUB_DETERMINISTIC = 0.5
"""Each sub-problem's budget in CP-SAT's deterministic time, about 1.2-1.5 CPU seconds of a
sub-problem here (measured 0.34-0.42 deterministic units per CPU second, 2026-12-07): about
what one wall second bought on a quiet machine before. A wall-clock budget shrank the
neighbourhoods on a busy machine, where a second buys a fraction of the work; sized to this
budget, the search takes the same steps whatever the load, only more slowly."""

_SUB_WALL_S = 10.0
"""A wall-clock cap on one sub-problem all the same (never past the deadline either)."""


def _sub_model(
    instance: Instance,
    h: _Heuristic,
    lines: list[list[int]],
    free: list[int],
    days: range | None = None,
) -> tuple[cp_model.CpModel, list[list[dict[int, Var]]]]:
    """The people in `free` re-planned together on `days` (default: every day), the rest fixed.

    Only the free people's variables are in the model; the others' cover counts are constants,
    the free people's days outside `days` are fixed to their current shifts (so the rules that
    span the whole horizon still hold), and their current lines are the hint.
    """
    model = cp_model.CpModel()
    costs = h.costs
    variables = model.proto.variables
    xs = [_person(model, instance, instance.staff[e], h.rules[e].allowed)[0] for e in free]
    window = range(instance.horizon) if days is None else days
    terms: list[Var] = []
    weights: list[int] = []
    touched: dict[tuple[int, int], list[Var]] = {}
    for e, x in zip(free, xs, strict=True):
        line, own = lines[e], costs.requests[e]
        for d, day in enumerate(x):
            if d not in window:
                for si, var in day.items():
                    domain = variables[var.index].domain
                    domain[0] = domain[1] = int(line[d] == si)
                continue
            for si, var in day.items():
                model.add_hint(var, line[d] == si)
                if weight := own.get((d, si)):
                    terms.append(var)
                    weights.append(weight)
                if costs.under[d][si] or costs.over[d][si]:
                    touched.setdefault((d, si), []).append(var)
    _minimize_with_cover(model, costs, free, lines, touched, terms, weights)
    return model, xs


def _delta(h: _Heuristic, lines: list[list[int]], free: list[int], new: list[list[int]]) -> int:
    """Exact change of the penalty if the free people's lines became `new` (others as now)."""
    costs = h.costs
    change = 0
    moved: dict[tuple[int, int], int] = {}
    for e, line in zip(free, new, strict=True):
        own = costs.requests[e]
        for d, (was, now) in enumerate(zip(lines[e], line, strict=True)):
            if was == now:
                continue
            if was >= 0:
                change -= own.get((d, was), 0)
                moved[d, was] = moved.get((d, was), 0) - 1
            if now >= 0:
                change += own.get((d, now), 0)
                moved[d, now] = moved.get((d, now), 0) + 1
    for (d, si), step in moved.items():
        if not step:
            continue
        req, under, over = costs.req[d][si], costs.under[d][si], costs.over[d][si]
        before = costs.count[d][si]
        after = before + step
        change += (max(0, req - after) - max(0, req - before)) * under
        change += (max(0, after - req) - max(0, before - req)) * over
    return change


def _neighbourhood(
    instance: Instance,
    h: _Heuristic,
    lines: list[list[int]],
    pool: list[int],
    count: int,
    window: int | None,
    rng: random.Random,
) -> tuple[list[int], range | None]:
    """`count` people of `pool` to re-plan, over `window` consecutive days (None: every day).

    Half the time the neighbourhood is aimed at a random under-covered (day, shift): the
    window contains that day, and the people who could take that shift that day without
    exceeding their maximum of it come first (half the people, or all of a window's; if nobody
    has any to spare, the people allowed that shift that day).
    Otherwise the people and the window are uniformly random.
    """
    horizon, costs = instance.horizon, h.costs
    target = None
    if rng.random() < 0.5:
        short = [
            (d, si)
            for d, (count_d, req_d, under_d) in enumerate(
                zip(costs.count, costs.req, costs.under, strict=True)
            )
            for si, (c, r, u) in enumerate(zip(count_d, req_d, under_d, strict=True))
            if c < r and u
        ]
        if short:
            target = rng.choice(short)
    free: list[int] = []
    if target is not None:
        d, si = target
        rules = h.rules
        able = [e for e in pool if rules[e].cap[si] > 0 and not rules[e].blocked[d]]
        able = [e for e in able if lines[e][d] != si]
        spare = [e for e in able if lines[e].count(si) < rules[e].cap[si]] or able
        first = count if window is not None else max(1, count // 2)
        free = rng.sample(spare, min(len(spare), first))
    chosen = set(free)
    free += rng.sample([e for e in pool if e not in chosen], count - len(free))
    if window is None:
        return free, None
    window = min(window, horizon)
    if target is None:
        start = rng.randrange(horizon - window + 1)
    else:
        start = rng.randrange(max(0, target[0] - window + 1), min(target[0], horizon - window) + 1)
    return free, range(start, start + window)


def _people_share(rate: dict[str, float]) -> float:
    """How often to re-plan people over the whole horizon rather than a window: in proportion
    to what each kind has recently gained per unit of CP-SAT's work, but each at least 30 % of
    the time."""
    total = rate["people"] + rate["window"]
    return 0.5 if total <= 0 else 0.3 + 0.4 * rate["people"] / total


def _search(
    instance: Instance,
    h: _Heuristic,
    lines: list[list[int]],
    rng: random.Random,
    deadline: float,
    threads: int,
) -> None:
    """Neighbourhood search (in place): re-plan some people together, the rest fixed.

    Two kinds of neighbourhood (see `_neighbourhood`): k people over the whole horizon, or a
    share of the people (1/threads of them) over a window of w days, picked at random with
    odds following what each kind has recently gained per unit of work (`_people_share`).
    One search loop per thread, each on people the others are not re-planning (CP-SAT lets
    Python threads run while it solves). Each sub-problem gets `_SUB_DETERMINISTIC` of CP-SAT's
    deterministic time; k and w grow while their sub-problems solve well within it and shrink
    when they use it up. A new plan is kept when, against the roster as it is by then, it does
    not make the penalty worse.
    """
    people = len(lines)
    if people < 2:
        return
    lock = threading.Lock()
    busy: set[int] = set()
    # On long horizons a window re-plans a crew of people whose size adapts like the window's
    # (a share of everybody, as on short ones, is far too many to solve within the budget).
    long_horizon = instance.horizon >= WINDOW_MODEL_MIN_HORIZON
    size = {"people": 2, "window": 7, "crew": 6}
    limit = {
        "people": people // max(1, threads),
        "window": instance.horizon,
        "crew": max(2, people // max(1, threads)),
    }
    share = max(2, -(-people // max(1, threads)))
    rate = {
        "people": 0.0,
        "window": 0.0,
    }  # recent penalty decrease per deterministic unit of CP-SAT
    seeds = [rng.randrange(1 << 30) for _ in range(max(1, threads))]
    per_day = max(1, sum(len(r.allowed) for r in h.rules) // people)

    def loop(seed: int) -> None:
        own = random.Random(seed)  # noqa: S311 - a seeded, reproducible search, not security
        step = 0
        while True:
            left = deadline - time.perf_counter()
            if left <= (0.3 if long_horizon else 0.05):
                return
            with lock:
                pool = [e for e in range(people) if e not in busy]
                if len(pool) < 2:
                    return
                kind = "people" if own.random() < _people_share(rate) else "window"
                if kind == "people":
                    count, window = min(size[kind], len(pool)), None
                elif long_horizon:
                    count, window = min(size["crew"], len(pool)), size[kind]
                else:
                    fits = max(2, _SUB_MODEL_BOOLS // max(1, size[kind] * per_day))
                    count, window = min(share, fits, len(pool)), size[kind]
                free, days = _neighbourhood(instance, h, lines, pool, count, window, own)
                busy.update(free)
                if days is not None and instance.horizon >= WINDOW_MODEL_MIN_HORIZON:
                    model, xs, span = _window_model(instance, h, lines, free, days)
                else:
                    model, xs = _sub_model(instance, h, lines, free, days)
                    span = range(instance.horizon)
            step += 1
            solver = cp_model.CpSolver()
            params = solver.parameters
            params.num_workers = 1
            params.random_seed = seed + step
            left = deadline - time.perf_counter()  # building the model took some of it
            params.max_time_in_seconds = max(0.01, min(_SUB_WALL_S, left))
            params.max_deterministic_time = budget = _SUB_DETERMINISTIC
            params.linearization_level = 2  # cuts prove these small sub-problems much faster
            status = solver.solve(model)
            took = solver.deterministic_time  # the work done, whatever the machine's load
            gain = 0
            with lock:
                busy.difference_update(free)
                if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                    new = []
                    for e, x in zip(free, xs, strict=True):
                        line = list(lines[e])
                        for d, day in zip(span, x, strict=True):
                            line[d] = next(
                                (si for si, v in day.items() if solver.boolean_value(v)), -1
                            )
                        new.append(line)
                    change = _delta(h, lines, free, new)
                    if change <= 0:
                        gain = -change
                        for e, line in zip(free, new, strict=True):
                            h.costs.add(lines[e], -1)
                            lines[e] = line
                            h.costs.add(line, +1)
                rate[kind] = 0.9 * rate[kind] + 0.1 * gain / max(took, 0.001)
                grow = kind
                if kind == "window" and long_horizon and own.random() < 0.5:
                    grow = "crew"
                if took < 0.3 * budget:
                    if own.random() < 0.3:
                        size[grow] = min(limit[grow], size[grow] + 1)
                else:
                    size[grow] = max(2, size[grow] - 1)

    workers = [threading.Thread(target=loop, args=(seed,)) for seed in seeds[1:]]
    for worker in workers:
        worker.start()
    loop(seeds[0])
    for worker in workers:
        worker.join()
