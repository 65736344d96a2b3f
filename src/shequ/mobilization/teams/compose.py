"""Large pools: how many teams of each class composition, by CP-SAT per group."""

from __future__ import annotations

import itertools
import time
from collections import Counter, defaultdict

from ortools.sat.python import cp_model

from shequ.mobilization.teams.model import TeamRules
from shequ.mobilization.teams.pool import (
    _CLASS_FEMALE,
    _CLASS_PARTY,
    _ELIGIBLE_CLASSES,
    _Pool,
    _solver,
)


def _compositions(size: int) -> list[tuple[int, ...]]:
    """Every multiset of `size` classes (as counts per class) that holds a possible leader."""
    found = []
    for combo in itertools.combinations_with_replacement(range(8), size):
        counts = [0] * 8
        for c in combo:
            counts[c] += 1
        if any(counts[c] for c in _ELIGIBLE_CLASSES):
            found.append(tuple(counts))
    return found


def _pick_evenly(items: list[int], count: int) -> tuple[list[int], list[int]]:
    """`count` items spread evenly over the sorted list (so each kind keeps its share)."""
    if count <= 0:
        return [], list(items)
    picked_at = {int((i + 0.5) * len(items) / count) for i in range(count)}
    picked = [x for i, x in enumerate(items) if i in picked_at]
    rest = [x for i, x in enumerate(items) if i not in picked_at]
    return picked, rest


def _greedy_compositions(
    class_counts: dict[object, Counter], caps: dict[object, int], wanted: int, k: int
) -> Counter:
    """A quick valid answer for when the search ran out of time: leaders and members dealt
    evenly in snake order."""
    share: dict[object, int] = {}
    left = wanted
    for g in sorted(caps, key=lambda g: (-caps[g], repr(g))):
        share[g] = min(caps[g], left)
        left -= share[g]
    chosen: Counter = Counter()
    for g, teams in share.items():
        if teams == 0:
            continue
        counts = class_counts[g]
        eligible = [c for c in _ELIGIBLE_CLASSES for _ in range(counts[c])]
        leaders, spare = _pick_evenly(eligible, teams)
        others = sorted(spare + [c for c in range(4) for _ in range(counts[c])])
        members, _ = _pick_evenly(others, (k - 1) * teams)
        slots = [[c] for c in leaders]
        for i, c in enumerate(members):
            row, col = divmod(i, teams)
            slots[col if row % 2 == 0 else teams - 1 - col].append(c)
        for slot in slots:
            comp = [0] * 8
            for c in slot:
                comp[c] += 1
            chosen[(g, tuple(comp))] += 1
    return chosen


def _windows(width: int, k: int, centre: float) -> list[tuple[int, int]]:
    """All windows [lo, lo + width] within 0..k, the ones around `centre` first."""
    found = [(lo, lo + width) for lo in range(k - width + 1)]
    return sorted(found, key=lambda w: abs((w[0] + w[1]) / 2 - centre))


def _solve_compositions(
    pool: _Pool,
    rules: TeamRules,
    class_counts: dict[object, Counter],
    caps: dict[object, int],
    wanted: int,
    deadline: float,
) -> tuple[Counter | None, dict[tuple[int, object], int] | None, bool]:
    """How many teams of each composition, per group, for the best party then women spread.

    A spread of w means every team's count lies in some window [lo, lo + w]. With both
    windows fixed the problem splits into one small CP-SAT model per group (per agency under
    "same") with no big-M terms, so infeasible windows are refuted in milliseconds. Widths
    are tried from 0 up — party first, then women among the narrowest party windows — which
    makes the result lexicographically optimal when no solve ran out of time.

    Returns (team count per (group, composition), people per (class, agency) under "mix",
    proven optimal).
    """
    search = _CompositionSearch(pool, rules, class_counts, caps, wanted, deadline)
    k = rules.size
    people = max(1, len(pool))
    party_centre = k * sum(pool.party) / people
    women_centre = k * sum(pool.female) / people
    anything = (0, k)
    narrowest: list[tuple[int, int]] = []
    for width in range(k + 1):
        narrowest = [w for w in _windows(width, k, party_centre) if search.plan(w, anything)]
        if narrowest:
            break
    for width in range(k + 1):
        for party in narrowest:
            for women in _windows(width, k, women_centre):
                plan = search.plan(party, women)
                if plan:
                    chosen, quota = search.finish(party, women, plan)
                    return chosen, quota, not search.timed_out
    return None, None, False


class _CompositionSearch:
    """Feasibility of balance windows, group by group, with a cache (agencies often repeat)."""

    def __init__(
        self,
        pool: _Pool,
        rules: TeamRules,
        class_counts: dict[object, Counter],
        caps: dict[object, int],
        wanted: int,
        deadline: float,
    ) -> None:
        self.pool, self.rules, self.caps, self.wanted = pool, rules, caps, wanted
        self.class_counts = class_counts
        self.deadline = deadline
        self.k = rules.size
        self.comps = _compositions(self.k)
        self.groups = sorted(caps, key=lambda g: (-caps[g], repr(g)))
        self.timed_out = False
        self.plans: dict[tuple, dict[object, Counter] | None] = {}
        self.cache: dict[tuple, Counter | None] = {}

    def plan(self, party: tuple[int, int], women: tuple[int, int]) -> dict[object, Counter] | None:
        """Compositions per group that fit both windows and make `wanted` teams, or None."""
        if (party, women) in self.plans:
            return self.plans[(party, women)]
        allowed = [
            comp
            for comp in self.comps
            if party[0] <= _count(comp, _CLASS_PARTY) <= party[1]
            and women[0] <= _count(comp, _CLASS_FEMALE) <= women[1]
        ]
        result: dict[object, Counter] | None = {}
        if self.rules.agency_mode == "same" and self.wanted < sum(self.caps.values()):
            # fewer teams than the agencies allow: each makes what it can, then trim
            for g in self.groups:
                found = self._group(g, allowed, self.caps[g], party, women, exact=False)
                if found:
                    # a copy: groups of the same counts share the cached answer, and _trim
                    # below takes teams from one group only
                    result[g] = Counter(found)
            made = sum(sum(c.values()) for c in result.values())
            if made < self.wanted:
                result = None
            else:
                _trim(result, made - self.wanted)
        else:
            for position, g in enumerate(self.groups):
                teams = self.wanted if self.rules.agency_mode != "same" else self.caps[g]
                found = self._group(g, allowed, teams, party, women, exact=True)
                if found is None:
                    # the group that failed is the likeliest to fail the next window too
                    self.groups.insert(0, self.groups.pop(position))
                    result = None
                    break
                result[g] = found
        self.plans[(party, women)] = result
        return result

    def _group(
        self,
        g: object,
        allowed: list[tuple[int, ...]],
        teams: int,
        party: tuple[int, int],
        women: tuple[int, int],
        exact: bool,
    ) -> Counter | None:
        counts = self.class_counts[g]
        signature = (tuple(counts[c] for c in range(8)), teams, party, women, exact)
        mix = self.rules.agency_mode == "mix"
        if not mix and signature in self.cache:
            return self.cache[signature]
        k = self.k
        with_party = sum(counts[c] for c in range(8) if _CLASS_PARTY[c])
        with_women = sum(counts[c] for c in range(8) if _CLASS_FEMALE[c])
        total = sum(counts.values())
        if exact and (
            with_party < teams * party[0]
            or total - with_party < teams * (k - party[1])
            or with_women < teams * women[0]
            or total - with_women < teams * (k - women[1])
        ):
            self.cache[signature] = None
            return None
        if not mix and teams * 8 < len(allowed):
            found, status = self._group_by_team(counts, teams, party, women, exact)
        else:
            model, z, _ = self._model(counts, allowed, teams, exact)
            if not exact:
                model.maximize(sum(z.values()))
            solver = self._solver()
            status = solver.solve(model)
            found = None
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                found = Counter({comp: solver.value(v) for comp, v in z.items() if solver.value(v)})
        if status == cp_model.UNKNOWN or (not exact and status == cp_model.FEASIBLE):
            self.timed_out = True
        if not mix:
            self.cache[signature] = found
        return found

    def _group_by_team(
        self,
        counts: Counter,
        teams: int,
        party: tuple[int, int],
        women: tuple[int, int],
        exact: bool,
    ) -> tuple[Counter | None, int]:
        """The same question for a group with few teams, as class counts per team.

        An agency forming five teams of six needs 40 integers this way against ~1,700
        compositions the other way.
        """
        k = self.k
        model = cp_model.CpModel()
        present = [c for c in range(8) if counts[c]]
        y = {
            (j, c): model.new_int_var(0, min(k, counts[c]), "")
            for j in range(teams)
            for c in present
        }
        active = [model.new_bool_var("") for _ in range(teams)]
        party_of = []
        for j in range(teams):
            on = active[j]
            if exact:
                model.add(on == 1)
            model.add(sum(y[j, c] for c in present) == k * on)
            model.add(sum(y[j, c] for c in present if c in _ELIGIBLE_CLASSES) >= on)
            in_party = sum(y[j, c] for c in present if _CLASS_PARTY[c])
            in_women = sum(y[j, c] for c in present if _CLASS_FEMALE[c])
            model.add(in_party >= party[0] * on)
            model.add(in_party <= party[1])
            model.add(in_women >= women[0] * on)
            model.add(in_women <= women[1])
            party_of.append(in_party)
        for j in range(teams - 1):  # teams are interchangeable: active first, then by party
            model.add(active[j] >= active[j + 1])
            model.add(party_of[j] >= party_of[j + 1])
        for c in present:
            model.add(sum(y[j, c] for j in range(teams)) <= counts[c])
        if not exact:
            model.maximize(sum(active))
        solver = self._solver()
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None, status
        found: Counter = Counter()
        for j in range(teams):
            if solver.value(active[j]):
                comp = tuple(solver.value(y[j, c]) if (j, c) in y else 0 for c in range(8))
                found[comp] += 1
        return found, status

    def _model(
        self, counts: Counter, allowed: list[tuple[int, ...]], teams: int, exact: bool
    ) -> tuple[cp_model.CpModel, dict, dict]:
        model = cp_model.CpModel()
        z: dict[tuple[int, ...], cp_model.IntVar] = {}
        for comp in allowed:
            bound = min([teams] + [counts[c] // comp[c] for c in range(8) if comp[c]])
            if bound > 0:
                z[comp] = model.new_int_var(0, bound, "")
        if exact:
            model.add(sum(z.values()) == teams)
        else:
            model.add(sum(z.values()) <= teams)
        quota: dict[tuple[int, object], cp_model.IntVar] = {}
        if self.rules.agency_mode == "mix":
            # each agency can put at most one person in each team
            by_class_agency = Counter(zip(self.pool.cls, self.pool.agency, strict=True))
            for (c, agency), n in by_class_agency.items():
                top = n if agency is None else min(n, teams)
                quota[(c, agency)] = model.new_int_var(0, top, "")
            per_agency: dict[object, list[cp_model.IntVar]] = defaultdict(list)
            for (_, agency), v in quota.items():
                if agency is not None:
                    per_agency[agency].append(v)
            for members in per_agency.values():
                model.add(sum(members) <= teams)
        for c in range(8):
            used = sum(comp[c] * v for comp, v in z.items() if comp[c])
            if quota:
                model.add(sum(v for (cc, _), v in quota.items() if cc == c) == used)
            else:
                model.add(used <= counts[c])
        return model, z, quota

    def finish(
        self, party: tuple[int, int], women: tuple[int, int], plan: dict[object, Counter]
    ) -> tuple[Counter, dict[tuple[int, object], int] | None]:
        """The chosen plan as (group, composition) counts; under "mix" also each agency's share,
        spread as evenly as the windows allow so that the people can be seated apart."""
        chosen = Counter({(g, comp): n for g, found in plan.items() for comp, n in found.items()})
        if self.rules.agency_mode != "mix":
            return chosen, None
        allowed = [comp for _, comp in chosen]
        allowed = [
            comp
            for comp in self.comps
            if party[0] <= _count(comp, _CLASS_PARTY) <= party[1]
            and women[0] <= _count(comp, _CLASS_FEMALE) <= women[1]
        ]
        g = self.groups[0]
        model, z, quota = self._model(self.class_counts[g], allowed, self.wanted, exact=True)
        heaviest = model.new_int_var(0, self.wanted, "")
        per_agency: dict[object, list[cp_model.IntVar]] = defaultdict(list)
        for (_, agency), v in quota.items():
            if agency is not None:
                per_agency[agency].append(v)
        for members in per_agency.values():
            model.add(sum(members) <= heaviest)
        model.minimize(heaviest)
        for comp, v in z.items():
            model.add_hint(v, plan[g].get(comp, 0))
        solver = self._solver()
        if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return chosen, None
        chosen = Counter({(g, comp): solver.value(v) for comp, v in z.items() if solver.value(v)})
        return chosen, {key: solver.value(v) for key, v in quota.items()}

    def _solver(self) -> cp_model.CpSolver:
        left = self.deadline - time.monotonic()
        solver = _solver(self.rules, left)
        if len(self.groups) > 1:
            solver.parameters.num_workers = 1  # tiny per-agency models: threads only cost
        return solver


def _count(comp: tuple[int, ...], flags: list[int]) -> int:
    return sum(n for n, flag in zip(comp, flags, strict=True) if flag)


def _trim(plan: dict[object, Counter], surplus: int) -> None:
    """Drop `surplus` teams, from the groups that made the most (any fewer still fit)."""
    while surplus > 0:
        g = max(plan, key=lambda g: (sum(plan[g].values()), repr(g)))
        comp = next(iter(plan[g]))
        plan[g][comp] -= 1
        if not plan[g][comp]:
            del plan[g][comp]
        surplus -= 1
