"""Large pools: shrinking the spread of team age sums by same-class swaps."""

from __future__ import annotations

import random
import time
from collections import Counter, defaultdict

from shequ.mobilization.teams.model import TeamRules
from shequ.mobilization.teams.pool import _group_key, _Pool

# The age walk gives up after this many tries per team without lowering its penalty, and
# the search stops after this many kicks in a row that found nothing better.
_WALK_PATIENCE = 50
_KICKS = 40


def _balance_ages(pool: _Pool, rules: TeamRules, teams: list[list[int]], deadline: float) -> bool:
    """Shrink the spread of team age sums in place; True when it reaches its lower bound.

    Re-deal one class at a time (fast, optimal per class), then a random walk of swaps across
    plateaus and targeted swaps off the extremes; when those stall, kick a few extreme teams
    with random swaps and search again (iterated local search), keeping the best teams seen.
    """
    if not teams:
        return True
    balancer = _AgeBalancer(pool, rules, teams)
    if balancer.done():
        return True
    balancer.regroup_by_class(deadline)
    balancer.walk(deadline)
    balancer.extremes(deadline)
    best, best_teams = balancer.score(), [list(team) for team in teams]
    misses = 0
    while not balancer.done() and misses < _KICKS and time.monotonic() < deadline:
        balancer.kick()
        balancer.walk(deadline, patience=_WALK_PATIENCE // 5)
        balancer.extremes(deadline)
        if balancer.score() < best:
            best, best_teams, misses = balancer.score(), [list(team) for team in teams], 0
        else:
            misses += 1
            for team, members in zip(teams, best_teams, strict=True):
                team[:] = members
            balancer = _AgeBalancer(pool, rules, teams, balancer.lower_bound, misses)
    return best[0] <= balancer.lower_bound


class _AgeBalancer:
    """Local search on team age sums that never breaks a hard rule or worsens party/women.

    Swaps are between people of the same class (and, under "same", the same agency): they
    change neither party nor gender counts nor the number of possible leaders in a team; under
    "mix" a swap must not seat two members of one agency together. Unused people of the same
    class may swap in (everyone outside a team is spare).
    """

    def __init__(
        self,
        pool: _Pool,
        rules: TeamRules,
        teams: list[list[int]],
        lower_bound: int | None = None,
        round_: int = 0,
    ) -> None:
        self.pool, self.rules, self.teams = pool, rules, teams
        self.mix = rules.agency_mode == "mix"
        # seeded so a run can be repeated; the walk needs variety, not secrecy
        self.rng = random.Random(rules.seed * 1000 + round_)  # noqa: S311 -- not security
        n = len(pool)
        self.key = [(_group_key(pool, rules, p), pool.cls[p]) for p in range(n)]
        self.team_of = [-1] * n
        for t, team in enumerate(teams):
            for p in team:
                self.team_of[p] = t
        self.holders: dict[tuple[object, int], list[int]] = defaultdict(list)
        for p in range(n):
            self.holders[(self.key[p], pool.age[p])].append(p)
        self.sums = [sum(pool.age[p] for p in team) for team in teams]
        self.agencies = [
            Counter(pool.agency[p] for p in team if pool.agency[p] is not None) for team in teams
        ]
        self.at_sum: dict[int, set[int]] = defaultdict(set)
        for t, total in enumerate(self.sums):
            self.at_sum[total].add(t)
        self.high, self.low = max(self.sums), min(self.sums)
        self.lower_bound = self._sum_spread_bound() if lower_bound is None else lower_bound

    def _sum_spread_bound(self) -> int:
        """A lower bound on the spread of team age sums (the search stops when it gets there).

        Swaps keep each team's head count per class, so a class can at best use its youngest
        or its oldest members. Hence the total lies in a known range, and equal sums need a
        multiple of the team count in it; and under "same" the group whose teams are oldest
        even at best and the one youngest even at worst set a floor on the spread.
        """
        ages_of: dict[tuple[object, int], list[int]] = defaultdict(list)
        for (key, years), people in self.holders.items():
            ages_of[key].extend([years] * len(people))
        seats: dict[object, Counter] = defaultdict(Counter)
        teams_in: Counter = Counter()
        for team in self.teams:
            teams_in[self.key[team[0]][0]] += 1
            for p in team:
                seats[self.key[p][0]][self.key[p]] += 1
        lowest_all = highest_all = 0
        oldest_floor, youngest_ceiling = 0, None
        for group, needed in seats.items():
            lowest = highest = 0
            for key, count in needed.items():
                ages = sorted(ages_of[key])
                lowest += sum(ages[:count])
                highest += sum(ages[-count:])
            lowest_all += lowest
            highest_all += highest
            oldest_floor = max(oldest_floor, -(-lowest // teams_in[group]))
            ceiling = highest // teams_in[group]
            youngest_ceiling = (
                ceiling if youngest_ceiling is None else min(youngest_ceiling, ceiling)
            )
        teams = len(self.teams)
        divisible = highest_all // teams * teams >= lowest_all
        return max(0 if divisible else 1, oldest_floor - (youngest_ceiling or 0))

    def score(self) -> tuple[int, int]:
        """(spread, teams on an extreme): lower is better."""
        return self.high - self.low, len(self.at_sum[self.high]) + len(self.at_sum[self.low])

    def kick(self) -> None:
        """Swap a random member of a few extreme teams with a random same-class person of a
        similar age, whatever it does to the spread, to leave a local optimum."""
        age, key = self.pool.age, self.key
        extreme = list(self.at_sum[self.high] | self.at_sum[self.low])
        for t in self.rng.sample(extreme, min(len(extreme), 3)):
            x = self.rng.choice(self.teams[t])
            shift = self.rng.choice((-3, -2, -1, 1, 2, 3))
            bucket = self.holders.get((key[x], age[x] + shift))
            if not bucket:
                continue
            y = self.rng.choice(bucket)
            u = self.team_of[y]
            if u != t and not self._clash(t, x, y) and not self._clash(u, y, x):
                self.swap(x, y)
        self._refresh_extremes()

    def done(self) -> bool:
        return self.high - self.low <= self.lower_bound

    def _clash(self, t: int, out: int, into: int) -> bool:
        """Would `into` replacing `out` in team t seat two members of one agency together?"""
        if not self.mix or t < 0:
            return False
        agency = self.pool.agency[into]
        return (
            agency is not None and agency != self.pool.agency[out] and self.agencies[t][agency] > 0
        )

    def _move(self, t: int, out: int, into: int) -> None:
        age = self.pool.age
        members = self.teams[t]
        members[members.index(out)] = into
        self.team_of[into] = t
        if self.pool.agency[out] is not None:
            self.agencies[t][self.pool.agency[out]] -= 1
        if self.pool.agency[into] is not None:
            self.agencies[t][self.pool.agency[into]] += 1
        self.at_sum[self.sums[t]].discard(t)
        self.sums[t] += age[into] - age[out]
        self.at_sum[self.sums[t]].add(t)

    def _refresh_extremes(self) -> None:
        self.high, self.low = max(self.sums), min(self.sums)

    def swap(self, x: int, y: int) -> None:
        """Exchange x (in a team) with y (in another team, or unused)."""
        t, u = self.team_of[x], self.team_of[y]
        self._move(t, x, y)
        if u >= 0:
            self._move(u, y, x)
        else:
            self.team_of[x] = -1
        for team in (t, u):
            if team >= 0:
                self.high = max(self.high, self.sums[team])
                self.low = min(self.low, self.sums[team])
        while not self.at_sum[self.high]:
            self.high -= 1
        while not self.at_sum[self.low]:
            self.low += 1

    def regroup_by_class(self, deadline: float) -> None:
        """Re-deal one class at a time: its oldest into the teams the others made youngest.

        Holding everyone else fixed, pairing the class's people (sorted by age, descending)
        with their teams (sorted by the age sum of the other members, ascending) minimises the
        largest sum and maximises the smallest at once — the rearrangement inequality — so
        each step is optimal for its block; a team with two slots of a class is dealt one slot
        ("layer") at a time. Repeats while the sum of squared team sums falls, which ends.
        """
        layers: dict[tuple[object, int, int], list[tuple[int, int]]] = defaultdict(list)
        for t, team in enumerate(self.teams):
            seen: Counter = Counter()
            for i, p in enumerate(team):
                layers[(*self.key[p], seen[self.key[p]])].append((t, i))
                seen[self.key[p]] += 1
        blocks = sorted(layers.values(), key=len, reverse=True)
        blocks = [block for block in blocks if len(block) > 1]
        changed = True
        while changed and not self.done() and time.monotonic() < deadline:
            changed = False
            for block in blocks:
                changed |= self._redeal(block)
            self._refresh_extremes()
        self._refresh_extremes()

    def _redeal(self, block: list[tuple[int, int]]) -> bool:
        age, sums, teams = self.pool.age, self.sums, self.teams
        people = sorted((teams[t][i] for t, i in block), key=lambda p: -age[p])
        slots = sorted(block, key=lambda ti: sums[ti[0]] - age[teams[ti[0]][ti[1]]])
        if self.mix and not self._untangle(slots, people):
            return False
        old = [sums[t] for t, _ in block]
        new = [sums[t] - age[teams[t][i]] + age[p] for (t, i), p in zip(slots, people, strict=True)]
        # (under "mix" the untangled deal may not be the rearrangement optimum: check extremes)
        if sum(s * s for s in new) >= sum(s * s for s in old):
            return False
        if max(new) > max(old) or min(new) < min(old):
            return False
        for (t, i), p in zip(slots, people, strict=True):
            out = teams[t][i]
            if out != p:
                self._place(t, i, p)
        return True

    def _untangle(self, slots: list[tuple[int, int]], people: list[int]) -> bool:
        """Under "mix", swap neighbours in the deal until nobody sits with a colleague."""

        def clashes(j: int) -> bool:
            t, i = slots[j]
            agency = self.pool.agency[people[j]]
            if agency is None:
                return False
            return any(self.pool.agency[q] == agency for n, q in enumerate(self.teams[t]) if n != i)

        for j in range(len(people)):
            if not clashes(j):
                continue
            for d in (1, -1, 2, -2, 3, -3):
                m = j + d
                if 0 <= m < len(people):
                    people[j], people[m] = people[m], people[j]
                    if not clashes(j) and not clashes(m):
                        break
                    people[j], people[m] = people[m], people[j]
            else:
                return False
        return not any(clashes(j) for j in range(len(people)))

    def _place(self, t: int, i: int, p: int) -> None:
        """Seat p at position i of team t (p's own old position is overwritten by its caller)."""
        pool = self.pool
        out = self.teams[t][i]
        self.teams[t][i] = p
        self.team_of[p] = t
        for agency, step in ((pool.agency[out], -1), (pool.agency[p], 1)):
            if agency is not None:
                self.agencies[t][agency] += step
        self.at_sum[self.sums[t]].discard(t)
        self.sums[t] += pool.age[p] - pool.age[out]
        self.at_sum[self.sums[t]].add(t)

    def _improve(self, t: int, down: bool) -> bool:
        """Move team t off the extreme it sits on by one swap; False if none exists.

        The partner team must stay strictly inside the current extremes, so each swap lowers
        (spread, number of teams on an extreme) and the search ends.
        """
        age, key, sums = self.pool.age, self.key, self.sums
        gap = self.high - self.low
        shifts = sorted(range(1, gap), key=lambda d: (abs(2 * d - gap), d))
        for x in self.teams[t]:
            for d in shifts:
                for y in self.holders.get((key[x], age[x] - d if down else age[x] + d), ()):
                    u = self.team_of[y]
                    if u == t:
                        continue
                    if u >= 0 and not (sums[u] + d < self.high if down else sums[u] - d > self.low):
                        continue
                    if self._clash(t, x, y) or self._clash(u, y, x):
                        continue
                    self.swap(x, y)
                    return True
        return False

    def extremes(self, deadline: float) -> None:
        """Take teams off the maximum, else off the minimum, one swap at a time, until stuck."""
        steps = 0
        while not self.done():
            steps += 1
            if steps % 64 == 0 and time.monotonic() > deadline:
                return
            if self._improve(next(iter(self.at_sum[self.high])), down=True):
                continue
            if self._improve(next(iter(self.at_sum[self.low])), down=False):
                continue
            return

    def walk(self, deadline: float, patience: int = _WALK_PATIENCE) -> None:
        """Random walk on same-class swaps towards every sum in the target window.

        The window is [q, q] or [q, q + 1] around the mean sum (what the lower bound allows);
        the penalty is the squared distance of each team's sum from it. Each step takes a team
        outside the window and tries a random swap that moves it towards the window; a swap is
        kept when the total penalty does not rise. Sideways moves let it cross plateaus where
        the strict searches above stop. Ends at zero penalty, at the deadline, or after
        `patience` tries per team without progress.
        """
        age, key, sums, rng = self.pool.age, self.key, self.sums, self.rng
        teams_n = len(self.teams)
        width = self.lower_bound

        def window() -> tuple[int, int]:
            low = sum(sums) // teams_n if width else round(sum(sums) / teams_n)
            return low, low + width

        low, high = window()

        def penalty(total: int) -> int:
            if total < low:
                return (low - total) ** 2
            return (total - high) ** 2 if total > high else 0

        outside = [t for t in range(teams_n) if penalty(sums[t])]
        where = {t: n for n, t in enumerate(outside)}

        def track(t: int) -> None:
            if penalty(sums[t]) and t not in where:
                where[t] = len(outside)
                outside.append(t)
            elif not penalty(sums[t]) and t in where:
                n = where.pop(t)
                last = outside.pop()
                if last != t:
                    outside[n] = last
                    where[last] = n

        energy = sum(penalty(total) for total in sums)
        patience *= teams_n
        idle = tries = 0
        while outside and idle < patience:
            tries += 1
            if tries % 1024 == 0:
                if time.monotonic() > deadline:
                    break
                if not width:  # unused people can change the total: re-centre the window
                    low, high = window()
                    outside[:] = [t for t in range(teams_n) if penalty(sums[t])]
                    where = {t: n for n, t in enumerate(outside)}
                    energy = sum(penalty(total) for total in sums)
                    if not outside:
                        break
            idle += 1
            t = outside[rng.randrange(len(outside))]
            x = rng.choice(self.teams[t])
            gap = sums[t] - high if sums[t] > high else sums[t] - low
            shift = rng.randint(1, abs(gap)) if rng.random() < 0.5 else abs(gap)
            wanted = age[x] - shift if gap > 0 else age[x] + shift
            bucket = self.holders.get((key[x], wanted))
            if not bucket:
                continue
            y = bucket[rng.randrange(len(bucket))]
            u = self.team_of[y]
            if u == t:
                continue
            change = age[y] - age[x]
            delta = penalty(sums[t] + change) - penalty(sums[t])
            if u >= 0:
                delta += penalty(sums[u] - change) - penalty(sums[u])
            if delta > 0 or self._clash(t, x, y) or self._clash(u, y, x):
                continue
            self.swap(x, y)
            track(t)
            if u >= 0:
                track(u)
            if delta < 0:
                energy += delta
                idle = 0
        self._refresh_extremes()
