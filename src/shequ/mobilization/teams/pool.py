"""The pool as parallel lists, input validation, and how many teams the pool allows."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from ortools.sat.python import cp_model

from shequ.mobilization.teams.model import AGENCY_MODES, Candidate, Need, TeamRules


def _validate(candidates: Sequence[Candidate], rules: TeamRules, needs: Sequence[Need]) -> None:
    if rules.size < 1:
        raise ValueError(f"Team size must be at least 1, not {rules.size}.")
    if rules.agency_mode not in AGENCY_MODES:
        raise ValueError(f"agency_mode must be one of {AGENCY_MODES}, not {rules.agency_mode!r}.")
    if rules.team_count is not None and rules.team_count < 0:
        raise ValueError(f"team_count cannot be negative ({rules.team_count}).")
    if rules.time_limit_s <= 0 or rules.threads < 1:
        raise ValueError("time_limit_s must be positive and threads at least 1.")
    ids = Counter(c.id for c in candidates)
    twice = sorted(pid for pid, count in ids.items() if count > 1)
    if twice:
        raise ValueError(f"Candidates appear twice: {twice[:10]}.")
    communities = Counter(need.community_id for need in needs)
    if any(count > 1 for count in communities.values()):
        raise ValueError("A community appears in two needs; merge them into one.")
    if any(need.teams < 0 for need in needs):
        raise ValueError("A need cannot ask for a negative number of teams.")


class _Pool:
    """The candidates as parallel lists indexed 0..n-1 (fast in the inner loops)."""

    def __init__(self, candidates: Sequence[Candidate], rules: TeamRules, year: int) -> None:
        self.candidates = list(candidates)
        self.ids = [c.id for c in candidates]
        self.eligible = [c.rank_level >= rules.leader_min_level for c in candidates]
        self.party = [bool(c.party_member) for c in candidates]
        self.female = [bool(c.female) for c in candidates]
        self.age = [year - c.birth_year for c in candidates]
        self.agency = [c.agency_id for c in candidates]
        self.rank = [c.rank_level for c in candidates]
        self.district = [c.district_id for c in candidates]
        # class = leader-eligible × party × gender: all that party and gender balance can see
        self.cls = [
            4 * e + 2 * p + f
            for e, p, f in zip(self.eligible, self.party, self.female, strict=True)
        ]

    def __len__(self) -> int:
        return len(self.ids)


_CLASS_PARTY = [(c >> 1) & 1 for c in range(8)]
_CLASS_FEMALE = [c & 1 for c in range(8)]
_ELIGIBLE_CLASSES = (4, 5, 6, 7)


def _agency_counts(pool: _Pool) -> tuple[Counter, Counter]:
    people: Counter = Counter(pool.agency)
    leaders: Counter = Counter(a for a, e in zip(pool.agency, pool.eligible, strict=True) if e)
    return people, leaders


def _team_capacity(pool: _Pool, rules: TeamRules) -> int:
    """Most teams the pool allows under the hard rules (exact, from counts alone).

    "any": min(leaders, people // size). "same": the sum of that per agency.
    "mix": the largest T with Σ_a min(people_a, T) ≥ size·T and Σ_a min(leaders_a, T) ≥ T
    (each agency can place at most one person in each team; the unaffiliated count one by one).
    The "mix" form was checked against a brute-force model on random pools.
    """
    k = rules.size
    leaders = sum(pool.eligible)
    simple = min(leaders, len(pool) // k)
    if rules.agency_mode == "any":
        return simple
    people_by, leaders_by = _agency_counts(pool)
    if rules.agency_mode == "same":
        return sum(min(leaders_by[a], n // k) for a, n in people_by.items())
    solo_people = people_by.pop(None, 0)
    solo_leaders = leaders_by.pop(None, 0)

    def fits(t: int) -> bool:
        people = solo_people + sum(min(n, t) for n in people_by.values())
        heads = solo_leaders + sum(min(n, t) for n in leaders_by.values())
        return people >= k * t and heads >= t

    low, high = 0, simple  # both conditions hold on a prefix of T, so bisect
    while low < high:
        mid = (low + high + 1) // 2
        if fits(mid):
            low = mid
        else:
            high = mid - 1
    return low


def _group_key(pool: _Pool, rules: TeamRules, person: int) -> object:
    """Which group a person's team must come from: their agency under "same", else one pool."""
    return pool.agency[person] if rules.agency_mode == "same" else 0


def _solver(rules: TeamRules, seconds: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, seconds)
    solver.parameters.num_workers = rules.threads
    solver.parameters.random_seed = rules.seed
    return solver
