"""Curtois & Qu solver: the CP-SAT model of a whole instance, and of one person.

Every hard rule follows the conventions of `evaluator.evaluate` (which never calls this module):
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
constraints where possible, linear expressions built once per constraint. `_person` (one
person's variables and hard rules) is also what the one-person solves (`construction`) and the
neighbourhood sub-problems (`search`) are built from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model
from ortools.util.python.sorted_interval_list import Domain

from shequ.duty.roster.curtois.instance import OFF, Instance, Staff
from shequ.duty.roster.curtois.rules import _NEG, _allowed, _Pattern, _rules

__all__ = ["build_model"]

Var = cp_model.IntVar
_BOOL = Domain(0, 1)


def _bool_maker(model: cp_model.CpModel) -> Callable[[], Var]:
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
                add_or([~w for w in window])

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


_STATUS = {
    cp_model.OPTIMAL: "OPTIMAL",
    cp_model.FEASIBLE: "FEASIBLE",
    cp_model.INFEASIBLE: "INFEASIBLE",
    cp_model.MODEL_INVALID: "UNKNOWN",
    cp_model.UNKNOWN: "UNKNOWN",
}
