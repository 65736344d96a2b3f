"""Small pools: the whole problem as one CP-SAT model."""

from __future__ import annotations

import time
from collections import defaultdict

from ortools.sat.python import cp_model

from shequ.mobilization.teams.model import TeamRules
from shequ.mobilization.teams.pool import _Pool, _solver


def _solve_exact(
    pool: _Pool, rules: TeamRules, wanted: int, hint: list[list[int]], deadline: float
) -> tuple[list[list[int]], bool] | None:
    """Flat model x[person, team]; the weights make the objective lexicographic."""
    k, n = rules.size, len(pool)
    if deadline - time.monotonic() < 0.02:
        return None
    model = cp_model.CpModel()
    x = {(p, t): model.new_bool_var("") for p in range(n) for t in range(wanted)}
    lead = {
        (p, t): model.new_bool_var("") for p in range(n) if pool.eligible[p] for t in range(wanted)
    }
    youngest = min(pool.age)
    age = [a - youngest for a in pool.age]
    age_range = k * (max(age) if age else 0)
    for p in range(n):
        model.add_at_most_one(x[p, t] for t in range(wanted))
    party_hi, party_lo = model.new_int_var(0, k, ""), model.new_int_var(0, k, "")
    women_hi, women_lo = model.new_int_var(0, k, ""), model.new_int_var(0, k, "")
    age_hi, age_lo = model.new_int_var(0, age_range, ""), model.new_int_var(0, age_range, "")
    groups = sorted({pool.agency[p] for p in range(n)}, key=repr)
    for t in range(wanted):
        members = [x[p, t] for p in range(n)]
        model.add(sum(members) == k)
        heads = [v for (p, tt), v in lead.items() if tt == t]
        model.add_exactly_one(heads)
        for (p, tt), v in lead.items():
            if tt == t:
                model.add_implication(v, x[p, t])
        party = sum(x[p, t] for p in range(n) if pool.party[p])
        women = sum(x[p, t] for p in range(n) if pool.female[p])
        ages = sum(age[p] * x[p, t] for p in range(n))
        model.add(party_lo <= party)
        model.add(party <= party_hi)
        model.add(women_lo <= women)
        model.add(women <= women_hi)
        model.add(age_lo <= ages)
        model.add(ages <= age_hi)
        if rules.agency_mode == "mix":
            by_agency: dict[object, list[cp_model.IntVar]] = defaultdict(list)
            for p in range(n):
                if pool.agency[p] is not None:
                    by_agency[pool.agency[p]].append(x[p, t])
            for same in by_agency.values():
                if len(same) > 1:
                    model.add_at_most_one(same)
        elif rules.agency_mode == "same":
            pick = {g: model.new_bool_var("") for g in groups}
            model.add_exactly_one(pick.values())
            for p in range(n):
                model.add_implication(x[p, t], pick[pool.agency[p]])
    # teams are interchangeable: order them by their designated leader's index
    position = [sum(p * v for (p, tt), v in lead.items() if tt == t) for t in range(wanted)]
    for t in range(wanted - 1):
        model.add(position[t] < position[t + 1])
    age_weight = age_range + 1
    women_weight = (k + 1) * age_weight
    party_weight = (k + 1) * women_weight
    model.minimize(
        party_weight * (party_hi - party_lo)
        + women_weight * (women_hi - women_lo)
        + (age_hi - age_lo)
    )
    heads_hint = []
    for team in hint:
        eligible = [p for p in team if pool.eligible[p]]
        if eligible:
            heads_hint.append((min(eligible), team))
    heads_hint.sort()
    # a complete hint (every variable) lets CP-SAT start from the heuristic's answer at once
    seat = {p: t for t, (_, team) in enumerate(heads_hint[:wanted]) for p in team}
    heads = {head: t for t, (head, _) in enumerate(heads_hint[:wanted])}
    for (p, t), v in x.items():
        model.add_hint(v, seat.get(p) == t)
    for (p, t), v in lead.items():
        model.add_hint(v, heads.get(p) == t)
    if len(heads_hint) >= wanted:
        hinted = [team for _, team in heads_hint[:wanted]]
        for (high, low), values in (
            ((party_hi, party_lo), [sum(pool.party[p] for p in team) for team in hinted]),
            ((women_hi, women_lo), [sum(pool.female[p] for p in team) for team in hinted]),
            ((age_hi, age_lo), [sum(age[p] for p in team) for team in hinted]),
        ):
            model.add_hint(high, max(values))
            model.add_hint(low, min(values))
    solver = _solver(rules, deadline - time.monotonic())
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    teams = [[p for p in range(n) if solver.value(x[p, t])] for t in range(wanted)]
    return teams, status == cp_model.OPTIMAL
