"""Curtois & Qu solver: one person's hard rules in index form, and their run-state tables.

Hard rules only ever link one person's days, so the solver handles them per person. Here a
shift type is its index in `instance.shifts` and a person's line is one index per day (-1 for
off). `_Rules` holds the person's limits, `_line_ok` checks a whole line (the solver's own
check; the independent one is `evaluator.evaluate`, with the same boundary conventions), and
`_Pattern` is the automaton of work/off runs with, per day and state, the most days still
workable within the weekend limit: the construction looks ahead with it (`construction`) and
the full model states it again as a redundant flow (`model._pattern_flow`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shequ.duty.roster.curtois.instance import Instance, Staff

_NEG = -(10**9)


def _allowed(instance: Instance, person: Staff) -> list[int]:
    return [i for i, s in enumerate(instance.shifts) if person.max_shifts.get(s.id, 1) > 0]


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
