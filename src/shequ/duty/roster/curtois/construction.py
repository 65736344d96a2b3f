"""Curtois & Qu solver: a roster built one person at a time, and one-person re-plans.

Hard rules only ever link one person's days, so a roster can be built person by person
(`_first_roster`): each line is constructed day by day against the cover the others leave
(`_construct`, with the look-ahead tables of `rules._Pattern`), and CP-SAT solves that one
person alone where the construction fails. With the others fixed, a person's share of the
penalty is linear (`_Costs.matrix`), so re-planning one person at a time (`_improve`) is cheap.
That gives a feasible roster within seconds even on year-long instances where CP-SAT's presolve
of the full model alone outlasts a minute.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from shequ.duty.roster.curtois.instance import Instance, Staff
from shequ.duty.roster.curtois.model import _STATUS, _person
from shequ.duty.roster.curtois.rules import (
    _NEG,
    _allowed,
    _follows,
    _line_ok,
    _Pattern,
    _Rules,
    _rules,
    _weekend_of,
)


class _Costs:
    """Cover counts of a roster in progress and each person's cost of working a shift on a day.

    Cover cost is separable per day and shift and a person adds 0 or 1 to a count, so with the
    other lines fixed a person's share of the penalty is linear: working shift s on day d costs
    the cover change (-under weight while short, +over weight once met) plus the requests.
    """

    def __init__(self, instance: Instance) -> None:
        horizon, n_shifts = instance.horizon, len(instance.shifts)
        index = {s.id: i for i, s in enumerate(instance.shifts)}
        staff_index = {p.id: e for e, p in enumerate(instance.staff)}
        self.req = [[0] * n_shifts for _ in range(horizon)]
        self.under = [[0] * n_shifts for _ in range(horizon)]
        self.over = [[0] * n_shifts for _ in range(horizon)]
        self.count = [[0] * n_shifts for _ in range(horizon)]
        for c in instance.cover:
            si = index[c.shift]
            self.req[c.day][si] = c.requirement
            self.under[c.day][si] = c.weight_under
            self.over[c.day][si] = c.weight_over
        self.requests: list[dict[tuple[int, int], int]] = [{} for _ in instance.staff]
        for r in instance.on_requests:
            key = (r.day, index[r.shift])
            own = self.requests[staff_index[r.staff]]
            own[key] = own.get(key, 0) - r.weight
        for r in instance.off_requests:
            key = (r.day, index[r.shift])
            own = self.requests[staff_index[r.staff]]
            own[key] = own.get(key, 0) + r.weight
        self.on_weight = sum(r.weight for r in instance.on_requests)

    def add(self, line: list[int], sign: int) -> None:
        count = self.count
        for d, s in enumerate(line):
            if s >= 0:
                count[d][s] += sign

    def matrix(self, e: int) -> list[list[int]]:
        """cost[d][s] for person e, the other lines as currently counted."""
        req, under, over = self.req, self.under, self.over
        out = [
            [-u if c < r else o for c, r, u, o in zip(cd, rd, ud, od, strict=True)]
            for cd, rd, ud, od in zip(self.count, req, under, over, strict=True)
        ]
        for (d, s), w in self.requests[e].items():
            out[d][s] += w
        return out

    def penalty(self, lines: list[list[int]]) -> int:
        """The evaluator's penalty of complete lines, recomputed here from scratch."""
        total = self.on_weight
        for e, line in enumerate(lines):
            total += sum(self.requests[e].get((d, s), 0) for d, s in enumerate(line) if s >= 0)
        counts: dict[tuple[int, int], int] = {}
        for line in lines:
            for d, s in enumerate(line):
                if s >= 0:
                    counts[d, s] = counts.get((d, s), 0) + 1
        for d, (rd, ud, od) in enumerate(zip(self.req, self.under, self.over, strict=True)):
            for s, (r, u, o) in enumerate(zip(rd, ud, od, strict=True)):
                x = counts.get((d, s), 0)
                total += max(0, r - x) * u + max(0, x - r) * o
        return total


def _line_cost(line: list[int], cost: list[list[int]]) -> int:
    return sum(cost[d][s] for d, s in enumerate(line) if s >= 0)


def _construct(
    rules: _Rules,
    cost: list[list[int]],
    follows: list[list[bool]],
    lengths: list[int],
    pattern: _Pattern,
    rng: random.Random,
) -> list[int] | None:
    """One person's line, day by day: the cheapest move that keeps the line completable.

    `cost[d][s]` is the cost of working shift s on day d relative to a day off. A move must keep
    a completion possible (pattern tables, with the weekend limit), the minimum minutes
    reachable (optimistically: every day still workable at the longest shift still under its
    cap) and the maximum respected. Pace terms keep the minutes a little above the middle of
    the window and the weekends worked in step with the limit. On a dead end the last two weeks
    are undone and rebuilt with some randomness, a few times, before giving up.
    """
    horizon = len(cost)
    if not rules.allowed:
        return [-1] * horizon if rules.lo <= 0 else None
    builder = _LineBuilder(rules, cost, follows, lengths, pattern, rng)
    snapshots: list[tuple] = []
    d, retries = 0, 0
    while d < horizon:
        if len(snapshots) <= d:
            snapshots.append(builder.snapshot())
        if builder.step(d, noise=min(retries, 4) * 20.0):
            d += 1
            continue
        retries += 1
        if retries > 12:
            return None
        d = max(0, d - 14)
        builder.restore(snapshots[d])
        del snapshots[d + 1 :]
    line = builder.line
    return line if _line_ok(rules, line, follows, lengths) else None


class _LineBuilder:
    """State of `_construct` between days: run state, minutes, counts and weekends so far."""

    def __init__(
        self,
        rules: _Rules,
        cost: list[list[int]],
        follows: list[list[bool]],
        lengths: list[int],
        pattern: _Pattern,
        rng: random.Random,
    ) -> None:
        self.rules, self.cost, self.follows, self.lengths = rules, cost, follows, lengths
        self.pattern = pattern
        self.rng = rng
        self.horizon = len(cost)
        self.weekend = _weekend_of(self.horizon)
        self.n_weekends = self.horizon // 7
        allowed = rules.allowed
        self.shortest = min(lengths[s] for s in allowed)
        self.unit = sum(lengths[s] for s in allowed) / len(allowed)
        self.target = rules.lo + 0.6 * (rules.hi - rules.lo)
        self.line: list[int] = []
        self.counts = [0] * len(lengths)
        self.minutes = 0
        self.used: set[int] = set()
        self.state, self.prev = 0, -1

    def snapshot(self) -> tuple:
        return (
            len(self.line),
            list(self.counts),
            self.minutes,
            set(self.used),
            self.state,
            self.prev,
        )

    def restore(self, snap: tuple) -> None:
        n, counts, self.minutes, used, self.state, self.prev = snap
        del self.line[n:]
        self.counts, self.used = list(counts), set(used)

    def _longest(self) -> int:
        """The longest shift still under its cap."""
        rules, counts = self.rules, self.counts
        open_ = [self.lengths[s] for s in rules.allowed if counts[s] < rules.cap[s]]
        return max(open_, default=0)

    def _longest_with(self, taken: int) -> int:
        """The longest shift still under its cap once `taken` is worked once more."""
        rules, counts = self.rules, self.counts
        open_ = [self.lengths[s] for s in rules.allowed if counts[s] + (s == taken) < rules.cap[s]]
        return max(open_, default=0)

    def step(self, d: int, noise: float) -> bool:
        """Take day d's cheapest admissible move; False on a dead end."""
        rules, lengths, follows, rng = self.rules, self.lengths, self.follows, self.rng
        horizon = self.horizon
        expected = self.target * (d + 1) / horizon
        wk = self.weekend[d]
        budget = rules.weekends - len(self.used)
        in_step = rules.weekends * (wk + 1) / max(1, self.n_weekends) if wk >= 0 else 0.0
        longest = self._longest()
        best, best_move = None, None
        for works, new in self.pattern.moves(d, self.state, rules.blocked[d]):
            if not works:
                most = self.pattern.most(d + 1, new, budget)
                if most <= _NEG or self.minutes + longest * most < rules.lo:
                    continue
                if d + 1 == horizon and self.minutes < rules.lo:
                    continue
                behind = max(0.0, (expected - self.minutes) / self.unit - 0.5)
                risk = max(0.0, (rules.lo - self.minutes) / self.unit - 0.8 * most)
                score = 1000.0 * (behind + risk) + rng.random() * (noise + 1e-3)
                if best is None or score < best:
                    best, best_move = score, (new, -1)
                continue
            new_weekend = wk >= 0 and wk not in self.used
            if new_weekend and budget <= 0:
                continue
            left = budget - (1 if new_weekend else 0)
            weekend_pace = 300.0 if new_weekend and len(self.used) + 1 > in_step + 1 else 0.0
            forced = 0
            if new < rules.min_run and new != d + 1:
                forced = min(rules.min_run - new, horizon - d - 1)
            row = self.cost[d]
            most_work = self.pattern.most(d + 1, new, left)
            for s in rules.allowed:
                if self.counts[s] >= rules.cap[s] or (self.prev >= 0 and not follows[self.prev][s]):
                    continue
                after = self.minutes + lengths[s]
                if after + forced * self.shortest > rules.hi:
                    continue
                if forced and not any(
                    follows[s][t] and self.counts[t] + (t == s) < rules.cap[t]
                    for t in rules.allowed
                ):
                    continue
                if d + 1 == horizon and after < rules.lo:
                    continue
                if most_work <= _NEG:
                    continue
                if (
                    after
                    + (self._longest_with(s) if self.counts[s] + 1 >= rules.cap[s] else longest)
                    * most_work
                    < rules.lo
                ):
                    continue
                ahead = max(0.0, (after - expected) / self.unit - 1.5)
                risk = max(0.0, (rules.lo - after) / self.unit - 0.8 * most_work)
                score = row[s] + 1000.0 * (ahead + risk) + weekend_pace
                score += rng.random() * (noise + 1e-3)
                if best is None or score < best:
                    best, best_move = score, (new, s)
        if best_move is None:
            return False
        self.state, s = best_move
        self.line.append(s)
        if s >= 0:
            self.counts[s] += 1
            self.minutes += lengths[s]
            if wk >= 0:
                self.used.add(wk)
        self.prev = s
        return True


def _solve_line(
    instance: Instance,
    person: Staff,
    cost: list[list[int]] | None,
    hint: list[int] | None,
    seconds: float,
) -> tuple[str, list[int] | None]:
    """One person's cheapest line by CP-SAT, with the solver's status ("INFEASIBLE": none)."""
    model = cp_model.CpModel()
    x, _ = _person(model, instance, person, _allowed(instance, person))
    if cost is not None:  # None: any valid line, found by feasibility search alone
        terms = [(v, cost[d][s]) for d, day in enumerate(x) for s, v in day.items()]
        weights = [c for _, c in terms]
        model.minimize(cp_model.LinearExpr.weighted_sum([v for v, _ in terms], weights))
    if hint is not None:
        for d, day in enumerate(x):
            for s, v in day.items():
                model.add_hint(v, hint[d] == s)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 2  # the second worker runs feasibility jump
    solver.parameters.max_time_in_seconds = max(0.05, seconds)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return _STATUS.get(status, "UNKNOWN"), None
    line = [
        next((s for s, v in day.items() if solver.boolean_value(v)), -1) if day else -1 for day in x
    ]
    return "FEASIBLE", line


@dataclass
class _Heuristic:
    """Everything the construction needs, prepared once per instance."""

    rules: list[_Rules]
    patterns: list[_Pattern]
    follows: list[list[bool]]
    lengths: list[int]
    costs: _Costs


def _prepare(instance: Instance) -> _Heuristic:
    horizon = instance.horizon
    rules = [_rules(instance, p) for p in instance.staff]
    patterns = [_Pattern(r, horizon) for r in rules]
    return _Heuristic(
        rules, patterns, _follows(instance), [s.length for s in instance.shifts], _Costs(instance)
    )


def _first_roster(
    instance: Instance, h: _Heuristic, rng: random.Random, deadline: float
) -> tuple[list[list[int]] | None, str]:
    """Lines for everybody, one person at a time against the cover left by the others.

    Hard rules never link two people, so a person the construction cannot place is solved
    alone by CP-SAT; if that proves the person has no valid line, the instance is infeasible.
    """
    lines: list[list[int]] = []
    for e, person in enumerate(instance.staff):
        cost = h.costs.matrix(e)
        line = None
        for _ in range(3):
            line = _construct(h.rules[e], cost, h.follows, h.lengths, h.patterns[e], rng)
            if line is not None:
                break
        if line is None:
            left = deadline - time.perf_counter()
            if left <= 0:
                return None, "UNKNOWN"
            # A first valid line quickly (CP-SAT would otherwise spend all the time left
            # making this one person's line cheaper); the improvement comes later anyway.
            status, line = _solve_line(instance, person, cost, None, min(left, 2.0))
            if line is None and status != "INFEASIBLE" and left > 2.0:
                left = deadline - time.perf_counter()
                status, line = _solve_line(instance, person, None, None, left)
            if line is None:
                return None, status
        h.costs.add(line, +1)
        lines.append(line)
    return lines, "FEASIBLE"


def _improve(
    instance: Instance,
    h: _Heuristic,
    lines: list[list[int]],
    rng: random.Random,
    deadline: float,
    exact_seconds: float,
) -> None:
    """Re-plan one person at a time against the others (in place) until the deadline, or
    until a whole pass over everybody changes nothing.

    Each step rebuilds the person's line by the construction (randomised) and, when
    `exact_seconds` > 0, by a short CP-SAT solve of that person alone (with the others fixed
    the person's share of the penalty is linear, so this finds the person's best line),
    keeping the cheapest.
    """
    order = list(range(len(lines)))
    while time.perf_counter() < deadline:
        rng.shuffle(order)
        changed = False
        for e in order:
            if time.perf_counter() >= deadline:
                return
            h.costs.add(lines[e], -1)
            cost = h.costs.matrix(e)
            best, best_cost = lines[e], _line_cost(lines[e], cost)
            line = _construct(h.rules[e], cost, h.follows, h.lengths, h.patterns[e], rng)
            if line is not None and _line_cost(line, cost) < best_cost:
                best, best_cost = line, _line_cost(line, cost)
            left = deadline - time.perf_counter()
            if exact_seconds > 0 and left > 0:
                seconds = min(exact_seconds, left)
                _, line = _solve_line(instance, instance.staff[e], cost, best, seconds)
                if line is not None and _line_cost(line, cost) < best_cost:
                    best, best_cost = line, _line_cost(line, cost)
            changed = changed or best is not lines[e]
            lines[e] = best
            h.costs.add(best, +1)
        if not changed:
            return
