"""Large pools: the composition heuristic end to end, and concrete people into the slots
(agency clashes under "mix" repaired, or seated by (class, agency) type)."""

from __future__ import annotations

import heapq
import time
from collections import Counter, defaultdict

from ortools.sat.python import cp_model

from shequ.mobilization.teams.ages import _balance_ages
from shequ.mobilization.teams.compose import _greedy_compositions, _solve_compositions
from shequ.mobilization.teams.model import TeamRules
from shequ.mobilization.teams.pool import (
    _CLASS_FEMALE,
    _CLASS_PARTY,
    _ELIGIBLE_CLASSES,
    _group_key,
    _Pool,
    _solver,
)

# Share of the time limit the composition search may use; the rest goes to people and ages.
# Under "same" it solves one model per agency and age swaps are confined to an agency, so
# it gets more.
_COMPOSITION_TIME_SHARE = {"any": 0.4, "mix": 0.4, "same": 0.7}
# The (class, agency) type model for "mix" is built only up to this many team × type cells.
_TYPE_MODEL_MAX_CELLS = 60_000


def _form_by_composition(
    pool: _Pool, rules: TeamRules, wanted: int, deadline: float
) -> tuple[list[list[int]], bool]:
    """Heuristic for any pool size: (teams as lists of person indices, proven optimal).

    Under "mix" it may return fewer teams than wanted when it cannot seat everyone apart.
    """
    k = rules.size
    by_group: dict[object, list[int]] = defaultdict(list)
    for person in range(len(pool)):
        by_group[_group_key(pool, rules, person)].append(person)
    class_counts = {g: Counter(pool.cls[p] for p in members) for g, members in by_group.items()}
    caps = {
        g: min(sum(class_counts[g][c] for c in _ELIGIBLE_CLASSES), len(members) // k)
        for g, members in by_group.items()
    }
    caps = {g: cap for g, cap in caps.items() if cap > 0}
    share = _COMPOSITION_TIME_SHARE[rules.agency_mode]
    budget = max(0.05, (deadline - time.monotonic()) * share)
    chosen, quota, proven = _solve_compositions(
        pool, rules, class_counts, caps, wanted, time.monotonic() + budget
    )
    if chosen is None:  # out of time before any window was settled: a plain valid answer
        chosen, quota = _greedy_compositions(class_counts, caps, wanted, k), None
    specs = [
        (g, comp) for (g, comp), count in sorted(chosen.items(), key=repr) for _ in range(count)
    ]
    used = _choose_people(pool, rules, by_group, specs, quota, wanted)
    teams, stranded = _fill_slots(pool, rules, specs, used)
    dropped = 0
    if stranded:
        teams, stranded = _repair_agency_clashes(pool, teams, specs, stranded, deadline)
        complete = [team for team in teams if len(team) == k]
        dropped = len(teams) - len(complete)
        teams = complete
    if dropped and wanted * 8 * len(set(pool.agency)) <= _TYPE_MODEL_MAX_CELLS:
        # few, large agencies: seat people by (class, agency) type with CP-SAT instead
        until = time.monotonic() + (deadline - time.monotonic()) * 0.7
        seated = _seat_mix_by_types(pool, rules, wanted, teams, until)
        if seated is not None:
            teams, proven = seated
            dropped = 0
    # leave time to describe the teams and assign communities (~6 µs a person) before the limit
    reserve = 0.05 + 6e-6 * len(pool)
    age_optimal = _balance_ages(pool, rules, teams, deadline - reserve)
    return teams, proven and age_optimal and dropped == 0


def _seat_mix_by_types(
    pool: _Pool, rules: TeamRules, wanted: int, hint: list[list[int]], deadline: float
) -> tuple[list[list[int]], bool] | None:
    """Under "mix" with few large agencies: choose each team's (class, agency) types at once.

    Class compositions chosen without agencies can be impossible to seat when every team needs
    a member of the same few agencies, so this model decides types per team: at most one per
    agency, at least one possible leader, party then women spread minimised (lexicographic
    weights). Sized teams × types, so it is used only when that is small. Returns (teams,
    spreads proven optimal) or None when it found nothing in time.
    """
    k = rules.size
    types = sorted(Counter(zip(pool.cls, pool.agency, strict=True)).items(), key=repr)
    model = cp_model.CpModel()
    n: dict[tuple[int, int], cp_model.IntVar] = {}
    for t in range(wanted):
        for j, ((_c, agency), count) in enumerate(types):
            top = min(count, k if agency is None else 1)
            n[t, j] = model.new_int_var(0, top, "")
    high_low = [model.new_int_var(0, k, "") for _ in range(4)]
    party_hi, party_lo, women_hi, women_lo = high_low
    party_of = []
    for t in range(wanted):
        here = [(j, n[t, j]) for j in range(len(types))]
        model.add(sum(v for _, v in here) == k)
        model.add(sum(v for j, v in here if types[j][0][0] in _ELIGIBLE_CLASSES) >= 1)
        by_agency: dict[object, list[cp_model.IntVar]] = defaultdict(list)
        for j, v in here:
            if types[j][0][1] is not None:
                by_agency[types[j][0][1]].append(v)
        for same in by_agency.values():
            if len(same) > 1:
                model.add(sum(same) <= 1)
        party = sum(v for j, v in here if _CLASS_PARTY[types[j][0][0]])
        women = sum(v for j, v in here if _CLASS_FEMALE[types[j][0][0]])
        model.add_linear_constraint(party - party_lo, 0, k)
        model.add_linear_constraint(party_hi - party, 0, k)
        model.add_linear_constraint(women - women_lo, 0, k)
        model.add_linear_constraint(women_hi - women, 0, k)
        party_of.append(party)
    for j, (_, count) in enumerate(types):
        model.add(sum(n[t, j] for t in range(wanted)) <= count)
    model.minimize((k + 1) * (party_hi - party_lo) + (women_hi - women_lo))
    index = {key: j for j, (key, _) in enumerate(types)}
    ordered = sorted(hint, key=lambda team: -sum(pool.party[p] for p in team))
    for t, team in enumerate(ordered[:wanted]):
        seen = Counter(index[(pool.cls[p], pool.agency[p])] for p in team)
        for j in range(len(types)):
            model.add_hint(n[t, j], seen[j])
    solver = _solver(rules, deadline - time.monotonic())
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    ages = sorted(pool.age)
    median = ages[len(ages) // 2]
    people: dict[tuple[int, object], list[int]] = defaultdict(list)
    for p in sorted(range(len(pool)), key=lambda p: (-abs(pool.age[p] - median), pool.ids[p])):
        people[(pool.cls[p], pool.agency[p])].append(p)  # popped from the end: nearest first
    teams = []
    for t in range(wanted):
        team = []
        for j, (key, _) in enumerate(types):
            team.extend(people[key].pop() for _ in range(solver.value(n[t, j])))
        teams.append(team)
    return teams, status == cp_model.OPTIMAL


def _choose_people(
    pool: _Pool,
    rules: TeamRules,
    by_group: dict[object, list[int]],
    specs: list[tuple[object, tuple[int, ...]]],
    quota: dict[tuple[int, object], int] | None,
    wanted: int,
) -> list[int]:
    """Who fills the slots: per group and class, the people nearest the pool's median age.

    Leaving out the oldest and youngest first makes equal age sums easier to reach.
    """
    ages = sorted(pool.age)
    median = ages[len(ages) // 2] if ages else 0
    need: Counter = Counter()
    for g, comp in specs:
        for c in range(8):
            need[(g, c)] += comp[c]
    chosen: list[int] = []
    load: Counter = Counter()  # people taken per agency, at most one per team under "mix"
    for g, members in by_group.items():
        for c in range(8):
            count = need[(g, c)]
            if not count:
                continue
            people = sorted(
                (p for p in members if pool.cls[p] == c),
                key=lambda p: (abs(pool.age[p] - median), pool.ids[p]),
            )
            if quota is not None:
                left = {a: n for (cc, a), n in quota.items() if cc == c}
                picked = []
                for p in people:
                    if left.get(pool.agency[p], 0) > 0:
                        left[pool.agency[p]] -= 1
                        picked.append(p)
                chosen.extend(picked[:count])
            elif rules.agency_mode == "mix":
                picked = []
                for p in people:
                    agency = pool.agency[p]
                    if agency is None or load[agency] < wanted:
                        load[agency] += 1
                        picked.append(p)
                    if len(picked) == count:
                        break
                chosen.extend(picked)
            else:
                chosen.extend(people[:count])
    return chosen


def _fill_slots(
    pool: _Pool, rules: TeamRules, specs: list[tuple[object, tuple[int, ...]]], used: list[int]
) -> tuple[list[list[int]], list[int]]:
    """Put each chosen person into a free slot of their class, balancing age sums as we go.

    Class by class (largest first), oldest first, each person goes to the team with the lowest
    age sum so far among those with a free slot of their class: the longest-processing-time
    rule, repeated so that each class evens out what the classes before it left uneven. Under
    "mix" the largest agencies go first instead (so they still find teams without a colleague)
    and a team already holding the person's agency is skipped; anyone left without a team is
    returned as stranded.
    """
    mix = rules.agency_mode == "mix"
    free = [list(comp) for _, comp in specs]
    sums = [0] * len(specs)
    agencies: list[set[object]] = [set() for _ in specs]
    teams: list[list[int]] = [[] for _ in specs]
    version = [0] * len(specs)
    heaps: dict[tuple[object, int], list[tuple[int, int, int]]] = defaultdict(list)
    for t, (g, comp) in enumerate(specs):
        for c in range(8):
            if comp[c]:
                heaps[(g, c)].append((0, t, 0))
    if mix:
        size = Counter(pool.agency[p] for p in used if pool.agency[p] is not None)
        order = sorted(used, key=lambda p: (-size.get(pool.agency[p], 0), -pool.age[p], p))
    else:
        size = Counter(pool.cls[p] for p in used)
        order = sorted(used, key=lambda p: (-size[pool.cls[p]], pool.cls[p], -pool.age[p], p))
    stranded = []
    for p in order:
        c, agency = pool.cls[p], pool.agency[p]
        key = (_group_key(pool, rules, p), c)
        heap = heaps[key]
        aside = []
        home = -1
        while heap:
            entry = heapq.heappop(heap)
            t = entry[1]
            if entry[2] != version[t] or free[t][c] == 0:
                continue
            if mix and agency is not None and agency in agencies[t]:
                aside.append(entry)
                continue
            home = t
            break
        for entry in aside:
            heapq.heappush(heap, entry)
        if home < 0:
            stranded.append(p)
            continue
        teams[home].append(p)
        free[home][c] -= 1
        sums[home] += pool.age[p]
        if agency is not None:
            agencies[home].add(agency)
        version[home] += 1
        g = specs[home][0]
        for cc in range(8):
            if free[home][cc]:
                heapq.heappush(heaps[(g, cc)], (sums[home], home, version[home]))
    return teams, stranded


def _repair_agency_clashes(
    pool: _Pool,
    teams: list[list[int]],
    specs: list[tuple[object, tuple[int, ...]]],
    stranded: list[int],
    deadline: float,
) -> tuple[list[list[int]], list[int]]:
    """Place people the "mix" fill could not, by moving a same-agency member elsewhere.

    For a stranded person x of agency a, take a team t with a free slot of x's class; it holds
    some w of agency a. Swap w with a same-class person v (in another team u, or unused) whose
    agency is new to t while a is new to u; then x takes the free slot in t.
    """
    team_of = {p: t for t, team in enumerate(teams) for p in team}
    by_class: dict[int, list[int]] = defaultdict(list)
    for p in range(len(pool)):
        by_class[pool.cls[p]].append(p)
    stranded_set = set(stranded)

    def agencies_of(t: int) -> Counter:
        return Counter(pool.agency[q] for q in teams[t] if pool.agency[q] is not None)

    def free_of(t: int, c: int) -> int:
        return specs[t][1][c] - sum(1 for q in teams[t] if pool.cls[q] == c)

    still = []
    for x in stranded:
        c, a = pool.cls[x], pool.agency[x]
        placed = False
        incomplete = [t for t, team in enumerate(teams) if len(team) < sum(specs[t][1])]
        for t in incomplete:
            if free_of(t, c) <= 0 or time.monotonic() > deadline:
                continue
            here = agencies_of(t)
            if not here[a]:
                teams[t].append(x)
                team_of[x] = t
                placed = True
                break
            w = next(q for q in teams[t] if pool.agency[q] == a)
            for v in by_class[pool.cls[w]]:
                if v in stranded_set or v == w or pool.agency[v] == a:
                    continue
                if pool.agency[v] is not None and here[pool.agency[v]]:
                    continue
                u = team_of.get(v, -1)
                if u == t:
                    continue
                if u >= 0 and agencies_of(u)[a]:
                    continue
                teams[t][teams[t].index(w)] = v
                team_of[v] = t
                team_of.pop(w)
                if u >= 0:
                    teams[u][teams[u].index(v)] = w
                    team_of[w] = u
                teams[t].append(x)
                team_of[x] = t
                placed = True
                break
            if placed:
                break
        if not placed:
            still.append(x)
    return teams, still
