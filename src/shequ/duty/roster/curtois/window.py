"""Curtois & Qu solver: a few people re-planned over a window of days, as a small CP-SAT model.

On long horizons a sub-problem over the whole horizon (`search._sub_model`, the days outside
the window fixed) is mostly fixed variables; `_window_model` builds only the window and a
margin of fixed days around it (the *span*). The span is the person's horizon in a virtual
instance whose limits are what the days outside it leave: total minutes, shift caps and weekends
less what the fixed days outside use. The span starts on a Monday (so weekends keep their days)
and the margin is longer than any run rule: a run reaching from the margin into the window then
covers the whole margin and is already longer than any minimum, and one covering the margin
would already break the maximum, so the rules stated on the span alone are exactly the rules
of the whole line. Days of the span outside the window keep their current shifts.
"""

from __future__ import annotations

from dataclasses import replace

from ortools.sat.python import cp_model

from shequ.duty.roster.curtois.construction import _Heuristic
from shequ.duty.roster.curtois.instance import Instance
from shequ.duty.roster.curtois.model import Var, _person

WINDOW_MODEL_MIN_HORIZON = 43
"""Horizons from this many days use the window model (the 14- and 28-day published instances
keep the whole-horizon one their tuning was measured with)."""


def _span(instance: Instance, h: _Heuristic, free: list[int], days: range) -> range:
    margin = 1 + max(max(r.max_run, r.min_run, r.min_off) for r in (h.rules[e] for e in free))
    lo = max(0, days.start - margin)
    lo -= lo % 7
    hi = min(instance.horizon, days.stop + margin)
    hi = min(instance.horizon, -(-hi // 7) * 7)
    return range(lo, hi)


def _window_model(
    instance: Instance,
    h: _Heuristic,
    lines: list[list[int]],
    free: list[int],
    days: range,
) -> tuple[cp_model.CpModel, list[list[dict[int, Var]]], range]:
    """The people in `free` re-planned on `days`, over the span around it (see the module)."""
    span = _span(instance, h, free, days)
    lo, hi = span.start, span.stop
    shifts, lengths = instance.shifts, h.lengths
    weeks = instance.horizon // 7
    model = cp_model.CpModel()
    variables = model.proto.variables
    costs = h.costs
    xs: list[list[dict[int, Var]]] = []
    terms: list[Var] = []
    weights: list[int] = []
    touched: dict[tuple[int, int], list[Var]] = {}
    for e in free:
        person, line = instance.staff[e], lines[e]
        outside = [s for d, s in enumerate(line) if s >= 0 and not lo <= d < hi]
        minutes = sum(lengths[s] for s in outside)
        used = {s: outside.count(s) for s in set(outside)}
        weekends = sum(
            1
            for w in range(weeks)
            if not lo <= 7 * w + 5 < hi and (line[7 * w + 5] >= 0 or line[7 * w + 6] >= 0)
        )
        caps = {
            shifts[s].id: max(0, h.rules[e].cap[s] - used.get(s, 0)) for s in h.rules[e].allowed
        }
        virtual_person = replace(
            person,
            max_shifts=caps,
            max_total_minutes=person.max_total_minutes - minutes,
            min_total_minutes=person.min_total_minutes - minutes,
            max_weekends=max(0, person.max_weekends - weekends),
        )
        blocked = instance.days_off.get(person.id, frozenset())
        virtual = replace(
            instance,
            horizon=hi - lo,
            staff=(virtual_person,),
            days_off={person.id: frozenset(d - lo for d in blocked if lo <= d < hi)},
            on_requests=(),
            off_requests=(),
            cover=(),
        )
        x, _ = _person(model, virtual, virtual_person, h.rules[e].allowed)
        xs.append(x)
        own = costs.requests[e]
        for v, day in enumerate(x):
            d = lo + v
            if d not in days:
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
    return model, xs, span


def _minimize_with_cover(model, costs, free, lines, touched, terms, weights) -> None:  # noqa: ANN001
    """Cover of each (day, shift type) the re-planned people touch, counted with the fixed
    people's lines: its under / over penalties join `terms`, and the model minimizes them all
    (the window and the crew neighbourhoods share it)."""
    for (d, si), on in touched.items():
        fixed = costs.count[d][si] - sum(1 for e in free if lines[e][d] == si)
        req = costs.req[d][si]
        under = model.new_int_var(0, max(0, req - fixed), "")
        over = model.new_int_var(0, len(on) + fixed, "")
        model.add(cp_model.LinearExpr.sum(on) + under - over == req - fixed)
        terms.extend((under, over))
        weights.extend((costs.under[d][si], costs.over[d][si]))
    model.minimize(cp_model.LinearExpr.weighted_sum(terms, weights))
