"""CP-SAT model of the Curtois & Qu nurse-rostering benchmark.

Every hard rule follows the conventions of `curtois.evaluate` (which never calls this module):
the days around the horizon count as days off for forbidden successions and for the maximum run
of shifts, while runs of shifts or of days off touching the first or last day are never "too
short". Weekends are days 5 and 6 of each whole week. The objective is the evaluator's penalty:
unmet on-requests, honoured-against off-requests, and weighted under/over cover.

Modelling choices that keep the model small and its LP relaxation tight:

* one Boolean per (person, day, allowed shift) and a "works" Boolean per (person, day) equal to
  their sum (so at most one shift a day); no variables at all on a person's days off, which the
  rules below treat as the constant "off";
* forbidden successions as cliques: for every distinct set B of forbidden successors, the
  shifts on day d whose forbidden set contains B and the shifts of B on day d+1 are at most one
  (the maximal bicliques, so one constraint per distinct set instead of one per pair);
* max consecutive shifts as one clause per window of max+1 days ("some day off");
* minimum runs as three-literal clauses: a run of shifts starting on day s > 0 (off on s-1, on on
  s) forces day s+j on for every j < min, and the same for days off. Runs reaching the last day
  satisfy these anyway, and runs from day 0 are not constrained, as in the evaluator;
* a weekend Boolean per (person, weekend) bounded below by both weekend days;
* cover as count + under - over == requirement with integer slacks paid by their weights;
* redundantly, each person's work/off days as a path through run states (`_pattern_flow`):
  its LP relaxation is the convex hull of the valid day patterns, which tightens the bound.

Building stays cheap in Python: unnamed Booleans, clauses and at-most-ones rather than linear
constraints where possible, linear expressions built once per constraint.

`solve` (see its docstring) does not hand everything to CP-SAT. Hard rules only ever link one
person's days, so a roster can be built one person at a time (`_construct`, a day-by-day
construction with look-ahead tables, and CP-SAT on that one person where it fails), and with
the others fixed a person's share of the penalty is linear, which makes re-planning one person
or a few people (neighbourhood search) cheap. That gives a feasible roster within seconds even
on year-long instances where CP-SAT's presolve of the full model alone outlasts a minute, and
the best roster found is always what `solve` returns.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model
from ortools.util.python.sorted_interval_list import Domain

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


Var = cp_model.IntVar
_BOOL = Domain(0, 1)


def _bool_maker(model: cp_model.CpModel):  # type: ignore[no-untyped-def]
    """An unnamed Boolean factory: about twice as fast as `new_bool_var` (no name or Domain)."""
    proto = model.proto
    return lambda: Var(proto).with_domain(_BOOL)


@dataclass
class _Built:
    model: cp_model.CpModel
    # x[e][d] maps shift index -> Boolean; empty on a day off
    x: list[list[dict[int, Var]]]
    # works[e][d] is None on a day off
    works: list[list[Var | None]]
    constant: int


def _allowed(instance: Instance, person: Staff) -> list[int]:
    return [i for i, s in enumerate(instance.shifts) if person.max_shifts.get(s.id, 1) > 0]


def _succession_cliques(
    instance: Instance, allowed: list[int]
) -> list[tuple[list[int], list[int]]]:
    """(shifts on day d, shifts on day d+1) pairs that are pairwise forbidden: maximal bicliques.

    For every distinct forbidden set B (within the person's allowed shifts), the left side is
    every shift whose forbidden set contains B. Each forbidden pair (a, b) lies in the clique of
    B = forbidden(a), and every pair of a clique is forbidden, so these cliques say exactly the
    succession rule.
    """
    ids = [s.id for s in instance.shifts]
    index = {sid: i for i, sid in enumerate(ids)}
    allowed_set = set(allowed)
    forbidden = {
        a: frozenset(index[b] for b in instance.shifts[a].forbidden_successors) & allowed_set
        for a in allowed
    }
    out = []
    for right in sorted({f for f in forbidden.values() if f}, key=sorted):
        left = [a for a in allowed if forbidden[a] >= right]
        out.append((left, sorted(right)))
    return out


def _person(
    model: cp_model.CpModel,
    instance: Instance,
    person: Staff,
    allowed: list[int],
) -> tuple[list[dict[int, Var]], list[Var | None]]:
    """Variables and every hard rule of one person; returns (x by day, works by day)."""
    horizon = instance.horizon
    shifts = instance.shifts
    off_days = instance.days_off.get(person.id, frozenset())
    new_bool = _bool_maker(model)
    x: list[dict[int, Var]] = []
    works: list[Var | None] = []
    for d in range(horizon):
        if d in off_days or not allowed:
            x.append({})
            works.append(None)
            continue
        day = {si: new_bool() for si in allowed}
        w = new_bool()
        x.append(day)
        works.append(w)
        # works == sum of the day's shifts: exactly one of them or "not works".
        model.add_exactly_one([*day.values(), ~w])

    # Forbidden successions.
    for left, right in _succession_cliques(instance, allowed):
        for d in range(horizon - 1):
            today, tomorrow = x[d], x[d + 1]
            if today and tomorrow:
                model.add_at_most_one([today[a] for a in left] + [tomorrow[b] for b in right])

    # Max shifts per type.
    for si in allowed:
        limit = person.max_shifts.get(shifts[si].id)
        if limit is None:
            continue
        terms = [day[si] for day in x if day]
        if len(terms) > limit:
            model.add(cp_model.LinearExpr.sum(terms) <= limit)

    # Total minutes.
    worked = [w for w in works if w is not None]
    lengths = {shifts[si].length for si in allowed}
    if len(lengths) == 1:
        minutes = cp_model.LinearExpr.sum(worked) * lengths.pop()
    else:
        terms = [day[si] for day in x if day for si in allowed]
        coeffs = [shifts[si].length for day in x if day for si in allowed]
        minutes = cp_model.LinearExpr.weighted_sum(terms, coeffs)
    model.add_linear_constraint(minutes, person.min_total_minutes, person.max_total_minutes)

    _run_rules(model, person, works)

    # Max weekends: a weekend Boolean at least each of its two days.
    weekends = horizon // 7
    flags = []
    for wk in range(weekends):
        days = [w for w in (works[7 * wk + 5], works[7 * wk + 6]) if w is not None]
        if not days:
            continue
        flag = new_bool()
        for w in days:
            model.add_implication(w, flag)
        flags.append(flag)
    if person.max_weekends < len(flags):
        model.add(cp_model.LinearExpr.sum(flags) <= person.max_weekends)
    return x, works


def _run_rules(model: cp_model.CpModel, person: Staff, works: list[Var | None]) -> None:
    """Max consecutive shifts and min consecutive shifts / days off, as clauses."""
    horizon = len(works)
    add_or = model.add_bool_or

    k = person.max_consecutive_shifts
    if k < horizon:
        for start in range(horizon - k):
            window = works[start : start + k + 1]
            if all(w is not None for w in window):
                add_or([~w for w in window])  # type: ignore[operator]

    # A run of shifts starting at s > 0 (off at s-1, on at s) holds on s+1 .. s+min-1.
    # None (a fixed day off) is the constant false: drop it from a clause, or skip a clause it
    # satisfies.
    k = person.min_consecutive_shifts
    for s in range(1, horizon - 1):
        on = works[s]
        if on is None:
            continue
        before = works[s - 1]
        for j in range(1, min(k, horizon - s)):
            after = works[s + j]
            clause = [~on]
            if before is not None:
                clause.append(before)
            if after is not None:
                clause.append(after)
            add_or(clause)

    # A run of days off starting at s > 0 (on at s-1, off at s) holds on s+1 .. s+min-1.
    k = person.min_consecutive_days_off
    for s in range(1, horizon - 1):
        before = works[s - 1]
        if before is None:
            continue
        on = works[s]
        for j in range(1, min(k, horizon - s)):
            after = works[s + j]
            if after is None:
                continue
            clause = [~before, ~after]
            if on is not None:
                clause.append(on)
            add_or(clause)


def _pattern_flow(model: cp_model.CpModel, pattern: _Pattern, works: list[Var | None]) -> None:
    """One person's work/off days as a path through the run states (a redundant formulation).

    The clauses already forbid every bad run; this path (one arc per day, flow conserved at
    each state) describes the same day patterns, but its LP relaxation is their convex hull,
    which tightens the bound CP-SAT's LP workers compute.
    """
    horizon, table = pattern.horizon, pattern.table
    n = 1 + pattern.k + pattern.q
    rules = pattern.rules
    live = [[bool((table[d, st] > _NEG).any()) for st in range(n)] for d in range(horizon + 1)]
    new_bool = _bool_maker(model)
    into: dict[int, list[Var]] = {0: []}
    for d in range(horizon):
        out_of: dict[int, list[Var]] = {}
        nxt: dict[int, list[Var]] = {}
        on: list[Var] = []
        day: list[Var] = []
        for st in range(n):
            if not live[d][st] or (d > 0 and st not in into) or (d == 0 and st != 0):
                continue
            for works_, new in pattern.moves(d, st, rules.blocked[d]):
                if not live[d + 1][new]:
                    continue
                arc = new_bool()
                day.append(arc)
                out_of.setdefault(st, []).append(arc)
                nxt.setdefault(new, []).append(arc)
                if works_:
                    on.append(arc)
        model.add_exactly_one(day)
        if d > 0:
            for st, arcs in into.items():
                model.add(
                    cp_model.LinearExpr.sum(arcs) == cp_model.LinearExpr.sum(out_of.get(st, []))
                )
        w = works[d]
        if w is not None:
            model.add(cp_model.LinearExpr.sum(on) == w)
        into = nxt


def build_model(instance: Instance) -> _Built:
    """Build the CP-SAT model; the objective equals the evaluator's penalty."""
    model = cp_model.CpModel()
    index = {s.id: i for i, s in enumerate(instance.shifts)}
    staff_index = {p.id: e for e, p in enumerate(instance.staff)}

    x: list[list[dict[int, Var]]] = []
    works: list[list[Var | None]] = []
    for person in instance.staff:
        px, pw = _person(model, instance, person, _allowed(instance, person))
        x.append(px)
        works.append(pw)
        _pattern_flow(model, _Pattern(_rules(instance, person), instance.horizon), pw)

    coeff: dict[Var, int] = {}
    constant = 0
    for r in instance.on_requests:
        var = x[staff_index[r.staff]][r.day].get(index[r.shift])
        constant += r.weight
        if var is not None:
            coeff[var] = coeff.get(var, 0) - r.weight
    for r in instance.off_requests:
        var = x[staff_index[r.staff]][r.day].get(index[r.shift])
        if var is not None:
            coeff[var] = coeff.get(var, 0) + r.weight

    n_staff = len(instance.staff)
    terms: list[Var] = list(coeff)
    weights: list[int] = list(coeff.values())
    for c in instance.cover:
        si = index[c.shift]
        on_shift = [v for px in x if (v := px[c.day].get(si)) is not None]
        if not on_shift:
            constant += max(c.requirement, 0) * c.weight_under
            continue
        count = cp_model.LinearExpr.sum(on_shift)
        under = model.new_int_var(0, max(c.requirement, 0), "")
        over = model.new_int_var(0, n_staff, "")
        model.add(count + under - over == c.requirement)
        terms.extend((under, over))
        weights.extend((c.weight_under, c.weight_over))

    model.minimize(cp_model.LinearExpr.weighted_sum(terms, weights) + constant)
    return _Built(model, x, works, constant)


# --------------------------------------------------------------------------- construction heuristic

_NEG = -(10**9)


@dataclass
class _Rules:
    """One person's hard rules in index form (shift index per day, -1 for off)."""

    allowed: list[int]
    blocked: list[bool]  # fixed days off
    cap: list[int]  # per shift index; 0 when not allowed
    max_run: int
    min_run: int
    min_off: int
    weekends: int
    lo: int
    hi: int


def _rules(instance: Instance, person: Staff) -> _Rules:
    horizon = instance.horizon
    off = instance.days_off.get(person.id, frozenset())
    allowed = _allowed(instance, person)
    cap = [0] * len(instance.shifts)
    for si in allowed:
        cap[si] = min(person.max_shifts.get(instance.shifts[si].id, horizon), horizon)
    return _Rules(
        allowed=allowed,
        blocked=[d in off for d in range(horizon)],
        cap=cap,
        max_run=max(1, person.max_consecutive_shifts),
        min_run=person.min_consecutive_shifts,
        min_off=person.min_consecutive_days_off,
        weekends=person.max_weekends,
        lo=person.min_total_minutes,
        hi=person.max_total_minutes,
    )


def _follows(instance: Instance) -> list[list[bool]]:
    """follows[a][b]: shift b may be worked the day after shift a."""
    ids = [s.id for s in instance.shifts]
    return [[b not in a.forbidden_successors for b in ids] for a in instance.shifts]


def _weekend_of(horizon: int) -> list[int]:
    """Weekend number of each day (days 5 and 6 of each whole week), -1 on other days."""
    out = [-1] * horizon
    for w in range(horizon // 7):
        out[7 * w + 5] = out[7 * w + 6] = w
    return out


def _line_ok(rules: _Rules, line: list[int], follows: list[list[bool]], lengths: list[int]) -> bool:
    """Every hard rule of one person's line (the solver's own check, not the evaluator's)."""
    horizon = len(line)
    counts: dict[int, int] = {}
    minutes = 0
    for d, s in enumerate(line):
        if s < 0:
            continue
        if rules.blocked[d] or rules.cap[s] <= 0:
            return False
        counts[s] = counts.get(s, 0) + 1
        minutes += lengths[s]
        if d + 1 < horizon and line[d + 1] >= 0 and not follows[s][line[d + 1]]:
            return False
    if any(n > rules.cap[s] for s, n in counts.items()) or not rules.lo <= minutes <= rules.hi:
        return False
    start = 0
    for d in range(1, horizon + 1):
        if d < horizon and (line[d] >= 0) == (line[start] >= 0):
            continue
        length, interior = d - start, start > 0 and d < horizon
        if line[start] >= 0:
            if length > rules.max_run or (interior and length < rules.min_run):
                return False
        elif interior and length < rules.min_off:
            return False
        start = d
    weekend = _weekend_of(horizon)
    worked = {weekend[d] for d, s in enumerate(line) if s >= 0 and weekend[d] >= 0}
    return len(worked) <= rules.weekends


class _Pattern:
    """Work/off states of one person and the most days still workable, per weekend budget.

    States at the start of day d describe day d-1: 0 is "before day 0", 1..K a run of r shifts,
    K+1..K+Q a run of q days off (q capped at Q = max(min off, 1)). Runs starting on day 0 are
    recognised by their length (r == d or q == d) and are exempt from the minimum, as runs
    reaching the last day are: every state is final. `table[d, st, b]` is the most days that
    can still be worked from state st on day d when at most b more weekends may be started
    (working a Saturday, or a Sunday after a Saturday off), or _NEG when no completion exists.
    """

    def __init__(self, rules: _Rules, horizon: int) -> None:
        self.k, self.q = rules.max_run, max(1, rules.min_off)
        self.rules, self.horizon = rules, horizon
        n = 1 + self.k + self.q
        weekend = _weekend_of(horizon)
        budgets = min(max(rules.weekends, 0), horizon // 7) + 1
        table = np.full((horizon + 1, n, budgets), _NEG, dtype=np.int64)
        table[horizon] = 0
        for d in range(horizon - 1, -1, -1):
            nxt, row = table[d + 1], table[d]
            for st in range(n):
                for works, new in self.moves(d, st, rules.blocked[d]):
                    if works and self.starts_weekend(d, st, weekend):
                        value = np.full(budgets, _NEG, dtype=np.int64)
                        value[1:] = nxt[new, :-1]
                    else:
                        value = nxt[new].copy()
                    value[value > _NEG] += works
                    np.maximum(row[st], value, out=row[st])
        self.table = table
        self.budgets = budgets

    def starts_weekend(self, d: int, st: int, weekend: list[int]) -> bool:
        """Working day d from state st starts a new weekend."""
        if weekend[d] < 0:
            return False
        return d % 7 == 5 or not 1 <= st <= self.k

    def most(self, d: int, st: int, budget: int) -> int:
        if d >= self.horizon:
            return 0
        return int(self.table[d, st, min(max(budget, 0), self.budgets - 1)])

    def moves(self, d: int, st: int, blocked: bool) -> list[tuple[int, int]]:
        """(works, next state) pairs allowed from state `st` on day d."""
        k, q, rules = self.k, self.q, self.rules
        out = []
        if st == 0:
            if d != 0:
                return out
            out.append((0, k + 1))
            if not blocked:
                out.append((1, 1))
        elif st <= k:
            if st < k and not blocked:
                out.append((1, st + 1))
            if st >= rules.min_run or st == d:
                out.append((0, k + 1))
        else:
            off = st - k
            out.append((0, k + min(off + 1, q)))
            if not blocked and (off >= rules.min_off or off == d):
                out.append((1, 1))
        return out


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


def _solve_line(
    instance: Instance, person: Staff, cost: list[list[int]], hint: list[int] | None, seconds: float
) -> tuple[str, list[int] | None]:
    """One person's cheapest line by CP-SAT, with the solver's status ("INFEASIBLE": none)."""
    model = cp_model.CpModel()
    x, _ = _person(model, instance, person, _allowed(instance, person))
    terms = [(v, cost[d][s]) for d, day in enumerate(x) for s, v in day.items()]
    model.minimize(cp_model.LinearExpr.weighted_sum([v for v, _ in terms], [c for _, c in terms]))
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
            status, line = _solve_line(instance, person, cost, None, left)
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


_STATUS = {
    cp_model.OPTIMAL: "OPTIMAL",
    cp_model.FEASIBLE: "FEASIBLE",
    cp_model.INFEASIBLE: "INFEASIBLE",
    cp_model.MODEL_INVALID: "UNKNOWN",
    cp_model.UNKNOWN: "UNKNOWN",
}


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
    for (d, si), on in touched.items():
        fixed = costs.count[d][si] - sum(1 for e in free if lines[e][d] == si)
        req = costs.req[d][si]
        under = model.new_int_var(0, max(0, req - fixed), "")
        over = model.new_int_var(0, len(on) + fixed, "")
        model.add(cp_model.LinearExpr.sum(on) + under - over == req - fixed)
        terms.extend((under, over))
        weights.extend((costs.under[d][si], costs.over[d][si]))
    model.minimize(cp_model.LinearExpr.weighted_sum(terms, weights))
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
    to what each kind has recently gained per second, but each at least 30 % of the time."""
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
    odds following what each kind has recently gained per second (`_people_share`).
    One search loop per thread, each on people the others are not re-planning (CP-SAT lets
    Python threads run while it solves). Each sub-problem gets at most a second; k and w grow
    while their sub-problems solve fast and shrink when they run out of time. A new plan is
    kept when, against the roster as it is by then, it does not make the penalty worse.
    """
    people = len(lines)
    if people < 2:
        return
    lock = threading.Lock()
    busy: set[int] = set()
    size = {"people": 2, "window": 7}
    limit = {"people": people // max(1, threads), "window": instance.horizon}
    share = max(2, -(-people // max(1, threads)))
    rate = {"people": 0.0, "window": 0.0}  # recent penalty decrease per second of CP-SAT
    seeds = [rng.randrange(1 << 30) for _ in range(max(1, threads))]

    def loop(seed: int) -> None:
        own = random.Random(seed)  # noqa: S311 - a seeded, reproducible search, not security
        step = 0
        while True:
            left = deadline - time.perf_counter()
            if left <= 0.05:
                return
            with lock:
                pool = [e for e in range(people) if e not in busy]
                if len(pool) < 2:
                    return
                kind = "people" if own.random() < _people_share(rate) else "window"
                if kind == "people":
                    count, window = min(size[kind], len(pool)), None
                else:
                    count, window = min(share, len(pool)), size[kind]
                free, days = _neighbourhood(instance, h, lines, pool, count, window, own)
                busy.update(free)
                model, xs = _sub_model(instance, h, lines, free, days)
            step += 1
            solver = cp_model.CpSolver()
            params = solver.parameters
            params.num_workers = 1
            params.random_seed = seed + step
            params.max_time_in_seconds = seconds = max(0.01, min(1.0, left))
            params.linearization_level = 2  # cuts prove these small sub-problems much faster
            started = time.perf_counter()
            status = solver.solve(model)
            took = time.perf_counter() - started
            gain = 0
            with lock:
                busy.difference_update(free)
                if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                    new = [
                        [
                            next((si for si, v in d.items() if solver.boolean_value(v)), -1)
                            for d in x
                        ]
                        for x in xs
                    ]
                    change = _delta(h, lines, free, new)
                    if change <= 0:
                        gain = -change
                        for e, line in zip(free, new, strict=True):
                            h.costs.add(lines[e], -1)
                            lines[e] = line
                            h.costs.add(line, +1)
                rate[kind] = 0.9 * rate[kind] + 0.1 * gain / max(took, 0.01)
                if took < 0.3 * seconds:
                    if own.random() < 0.3:
                        size[kind] = min(limit[kind], size[kind] + 1)
                else:
                    size[kind] = max(2, size[kind] - 1)

    workers = [threading.Thread(target=loop, args=(seed,)) for seed in seeds[1:]]
    for worker in workers:
        worker.start()
    loop(seeds[0])
    for worker in workers:
        worker.join()


def _roster(instance: Instance, built: _Built, values: list[int]) -> dict[str, list[str]]:
    ids = [s.id for s in instance.shifts]
    roster: dict[str, list[str]] = {}
    for person, px, pw in zip(instance.staff, built.x, built.works, strict=True):
        line = [OFF] * instance.horizon
        for d, w in enumerate(pw):
            if w is not None and values[w.index]:
                line[d] = next(ids[si] for si, v in px[d].items() if values[v.index])
        roster[person.id] = line
    return roster


_FULL_MODEL_MAX_VARS = 40_000
"""Above this many shift Booleans, CP-SAT's presolve alone can outlast a one-minute limit, so
the roster comes from the construction and neighbourhood search only."""

_SMALL_MODEL_VARS = 1_500
"""Up to this many shift Booleans CP-SAT on the full model gets (almost) all the time; above
it the neighbourhood search gets `_SEARCH_SHARE` of it first."""

_SEARCH_SHARE = 0.9

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
    4. Larger: re-plan one person at a time (construction, then CP-SAT on one person) until
       the time is up or nobody can improve alone.

    The best roster found is what comes back, whichever step found it.
    """
    started = time.perf_counter()
    deadline = started + max(0.1, time_limit_s - _RESERVE_S)
    rng = random.Random(seed)  # noqa: S311 - a seeded, reproducible search, not security
    size = _size(instance)
    h = _prepare(instance)
    lines, status = _first_roster(instance, h, rng, deadline)
    if lines is None and status == "INFEASIBLE":
        return Solution(False, None, {}, time.perf_counter() - started, status)
    workers = max(1, threads)

    if size > _FULL_MODEL_MAX_VARS:
        if lines is None:
            return Solution(False, None, {}, time.perf_counter() - started, status)
        # Sub-problems of several people over a long horizon are too slow for CP-SAT within a
        # minute: re-plan one person at a time, by the construction until that stops paying,
        # then also by CP-SAT on that person alone.
        _improve(instance, h, lines, rng, deadline, exact_seconds=0.0)
        _improve(instance, h, lines, rng, deadline, exact_seconds=2.0)
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
