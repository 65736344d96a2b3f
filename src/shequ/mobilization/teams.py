"""Team formation: a leader plus members, balanced across teams, sent where they are needed.

The articles: 735 cadres were formed into 245 teams of three — one county-level (县处级) leader
and two members, "balanced by party membership, age and gender" — and sent to communities.
This module is pure Python plus OR-Tools (no Django, no database) so the page, the CLI and the
benchmarks call the same code, and tests can check every hard rule on random pools.

Hard rules: nobody is in two teams; every team has exactly `size` people of whom one, the
designated leader (the most senior member), has rank level ≥ `leader_min_level`;
`agency_mode` "same" keeps a team within one agency, "mix" forbids two members of one agency.
A person without an agency never blocks a team: under "same" the unaffiliated form their own
group, under "mix" they never clash with anyone.

Objective, lexicographic (each one matters only among the best of the one before):
  1. spread (max − min across teams) of party members per team,
  2. spread of women per team,
  3. spread of mean age per team.
The exact model encodes that order as one weighted sum whose weights make it strictly
lexicographic. Teams are then assigned to needs so that as many needed teams as possible are
covered and, among those assignments, as many teams as possible go to a community in their
leader's district (min cost flow).

How (and why this way):
  * How many teams can be formed follows from counts alone (closed forms per agency mode, see
    `_team_capacity`), so a shortfall is explained exactly before any search.
  * Party and gender balance depend only on how many people of each *class* (leader-eligible ×
    party × gender) a team holds, and teams are interchangeable. CP-SAT therefore chooses how
    many teams of each composition to form: about a hundred integers for k = 3 whatever the
    pool size, so the party and women spreads are proven optimal in milliseconds even for
    25,000 people (a flat person × team model would need 200 million booleans there).
  * Concrete people fill the slots, oldest first into the team with the lowest projected age
    sum, then swaps between people of the same class (which change neither party nor gender
    counts nor any hard rule) shrink the mean-age spread until it reaches its lower bound, no
    swap helps, or time runs out.
  * Small pools (people × teams ≤ `_EXACT_MODEL_MAX_CELLS`) are then solved by a flat CP-SAT
    model of the whole problem, hinted with the heuristic's answer, and proven optimal when
    time allows.
"""

from __future__ import annotations

import datetime
import heapq
import itertools
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ortools.graph.python import min_cost_flow
from ortools.sat.python import cp_model

RANK_LEVELS = {
    "ting": 4,
    "chu": 3,
    "ke": 2,
    "keyuan": 1,
    "other": 0,
}  # 厅级 县处级 乡科级 科员 other
AGENCY_MODES = ("any", "same", "mix")

# Above this many person × team cells the flat exact model is too big to help within seconds.
_EXACT_MODEL_MAX_CELLS = 6000
# Share of the time limit the composition model may use; the rest goes to people and ages.
_COMPOSITION_TIME_SHARE = 0.4


@dataclass(frozen=True)
class Candidate:
    """One person in the pool; `rank_level` uses RANK_LEVELS."""

    id: int
    rank_level: int
    party_member: bool
    female: bool
    birth_year: int
    agency_id: int | None = None
    district_id: int | None = None


@dataclass(frozen=True)
class Need:
    """A community asking for `teams` teams."""

    community_id: int
    district_id: int | None
    teams: int


@dataclass(frozen=True)
class TeamRules:
    """How teams are formed; `team_count=None` forms as many full teams as the pool allows."""

    size: int = 3
    leader_min_level: int = 3
    agency_mode: str = "any"
    team_count: int | None = None
    time_limit_s: float = 10.0
    threads: int = 2
    seed: int = 0


@dataclass
class Team:
    leader_id: int
    member_ids: list[int]
    community_id: int | None = None
    party_members: int = 0
    women: int = 0
    mean_age: float = 0.0


@dataclass
class Formation:
    teams: list[Team]
    unassigned: list[int]
    status: str
    problems: list[str]
    shortfall: dict[str, int]
    balance: dict[str, dict[str, float]]
    seconds: float


# ---------------------------------------------------------------------------------------------
# Public entry points


def form_teams(
    candidates: Sequence[Candidate],
    rules: TeamRules = TeamRules(),
    needs: Sequence[Need] = (),
    reference_year: int | None = None,
) -> Formation:
    """Form balanced teams from `candidates` and assign them to `needs`.

    Status: "optimal" when all three spreads are proven minimal, "feasible" when the teams are
    valid but the age spread (or the whole model) is not proven minimal, "partial" when fewer
    teams than asked (by `team_count` or by the needs) could be formed — `problems` says why in
    words and `shortfall` in numbers — and "infeasible" when not even one team can be formed.
    Raises ValueError for malformed input (duplicate ids, unknown agency mode, ...).
    """
    started = time.monotonic()
    _validate(candidates, rules, needs)
    year = reference_year if reference_year is not None else datetime.date.today().year
    deadline = started + rules.time_limit_s
    pool = _Pool(candidates, rules, year)
    needs_total = sum(need.teams for need in needs)

    capacity = _team_capacity(pool, rules)
    if rules.team_count is not None:
        target: int | None = max(rules.team_count, needs_total)
        wanted = min(rules.team_count, capacity)
    else:
        target = needs_total if needs_total else None
        wanted = capacity

    # what the caller asked for; with no team_count and no needs, "as many as the pool allows"
    asked = target if target is not None else max(capacity, 1)
    groups: list[list[int]] = []
    proven = wanted == 0
    if wanted > 0:
        groups, proven = _form_by_composition(pool, rules, wanted, deadline)
        if len(pool) * wanted <= _EXACT_MODEL_MAX_CELLS and not proven:
            exact = _solve_exact(pool, rules, wanted, groups, deadline)
            if exact is not None:
                groups, proven = exact

    teams = [_describe_team(pool, members) for members in groups]
    teams.sort(key=lambda team: team.leader_id)
    _assign_communities(pool, teams, needs)

    formed = len(teams)
    problems: list[str] = []
    shortfall: dict[str, int] = {}
    if formed < asked:
        status = "infeasible" if formed == 0 else "partial"
        problems, shortfall = _explain(pool, rules, target, asked, formed, capacity, needs_total)
    else:
        status = "optimal" if proven else "feasible"

    used = {pid for team in teams for pid in (team.leader_id, *team.member_ids)}
    return Formation(
        teams=teams,
        unassigned=sorted(pid for pid in pool.ids if pid not in used),
        status=status,
        problems=problems,
        shortfall=shortfall,
        balance=balance_of(teams),
        seconds=time.monotonic() - started,
    )


def check_formation(
    candidates: Sequence[Candidate],
    rules: TeamRules,
    formation: Formation,
    needs: Sequence[Need] = (),
) -> list[str]:
    """Every hard rule the formation breaks, in words; empty when it is valid.

    Independent of the solver on purpose: tests and the confirm page rely on it after a user
    swapped members by hand. Community counts are checked only when `needs` are given.
    """
    by_id = {c.id: c for c in candidates}
    violations: list[str] = []
    where: dict[int, str] = {}

    def place(pid: int, label: str) -> None:
        if pid not in by_id:
            violations.append(f"{label} holds {pid}, who is not in the pool.")
        elif pid in where:
            violations.append(f"Candidate {pid} is in {where[pid]} and in {label}.")
        else:
            where[pid] = label

    for number, team in enumerate(formation.teams, start=1):
        label = f"team {number}"
        people = [team.leader_id, *team.member_ids]
        for pid in people:
            place(pid, label)
        if len(people) != rules.size:
            violations.append(f"{label} has {len(people)} people; the rule is {rules.size}.")
        leader = by_id.get(team.leader_id)
        if leader is not None and leader.rank_level < rules.leader_min_level:
            violations.append(
                f"{label}'s leader {leader.id} has rank level {leader.rank_level}, "
                f"below {rules.leader_min_level}."
            )
        known = [by_id[pid] for pid in people if pid in by_id]
        if rules.agency_mode == "same" and len({c.agency_id for c in known}) > 1:
            violations.append(f"{label} mixes agencies but agency_mode is 'same'.")
        if rules.agency_mode == "mix":
            counts = Counter(c.agency_id for c in known if c.agency_id is not None)
            for agency, count in counts.items():
                if count > 1:
                    violations.append(
                        f"{label} has {count} members of agency {agency} but agency_mode is 'mix'."
                    )
    for pid in formation.unassigned:
        place(pid, "the unassigned list")
    missing = [pid for pid in by_id if pid not in where]
    if missing:
        violations.append(f"{len(missing)} candidates are neither in a team nor unassigned.")
    if rules.team_count is not None and len(formation.teams) > rules.team_count:
        violations.append(
            f"{len(formation.teams)} teams formed; team_count allows {rules.team_count}."
        )
    if needs:
        asked = {need.community_id: need.teams for need in needs}
        sent = Counter(t.community_id for t in formation.teams if t.community_id is not None)
        for community, count in sent.items():
            if community not in asked:
                violations.append(
                    f"{count} teams sent to community {community}, which has no need."
                )
            elif count > asked[community]:
                violations.append(
                    f"{count} teams sent to community {community}, which asked for "
                    f"{asked[community]}."
                )
    return violations


def balance_of(teams: Iterable[Team]) -> dict[str, dict[str, float]]:
    """Min, max and spread across teams of party members, women and mean age."""
    teams = list(teams)
    figures: dict[str, dict[str, float]] = {}
    for name in ("party_members", "women", "mean_age"):
        values = [float(getattr(team, name)) for team in teams] or [0.0]
        low, high = min(values), max(values)
        figures[name] = {"min": low, "max": high, "spread": high - low}
    return figures


# ---------------------------------------------------------------------------------------------
# Input and the pool


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


# ---------------------------------------------------------------------------------------------
# How many teams the pool allows


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


# ---------------------------------------------------------------------------------------------
# Large pools: compositions by CP-SAT, people into slots, age swaps


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


def _group_key(pool: _Pool, rules: TeamRules, person: int) -> object:
    """Which group a person's team must come from: their agency under "same", else one pool."""
    return pool.agency[person] if rules.agency_mode == "same" else 0


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
    hint = _greedy_compositions(class_counts, caps, wanted, k)
    budget = max(0.05, (deadline - time.monotonic()) * _COMPOSITION_TIME_SHARE)
    chosen, quota, proven = _solve_compositions(
        pool, rules, class_counts, caps, wanted, hint, budget
    )
    if chosen is None:
        chosen, quota = hint, None
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
    in_team = {p for team in teams for p in team}
    spare = [p for p in range(len(pool)) if p not in in_team]
    age_optimal = _balance_ages(pool, rules, teams, spare, deadline - 0.05)
    return teams, proven and age_optimal and dropped == 0


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
    """A quick valid answer (hint and fallback): leaders and members dealt in snake order."""
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


def _solve_compositions(
    pool: _Pool,
    rules: TeamRules,
    class_counts: dict[object, Counter],
    caps: dict[object, int],
    wanted: int,
    hint: Counter,
    budget: float,
) -> tuple[Counter | None, dict[tuple[int, object], int] | None, bool]:
    """CP-SAT over team compositions: how many teams of each kind, per group.

    Returns (team count per (group, composition), people per (class, agency) under "mix", proven).
    """
    k = rules.size
    model = cp_model.CpModel()
    comps = _compositions(k)
    z: dict[tuple[object, tuple[int, ...]], cp_model.IntVar] = {}
    bounds: dict[tuple[object, tuple[int, ...]], int] = {}
    for g, cap in caps.items():
        counts = class_counts[g]
        for comp in comps:
            bound = min([cap] + [counts[c] // comp[c] for c in range(8) if comp[c]])
            if bound > 0:
                z[(g, comp)] = model.new_int_var(0, bound, "")
                bounds[(g, comp)] = bound
    model.add(sum(z.values()) == wanted)
    for g, cap in caps.items():
        mine = [v for (gg, _), v in z.items() if gg == g]
        model.add(sum(mine) <= cap)
        for c in range(8):
            model.add(
                sum(comp[c] * v for (gg, comp), v in z.items() if gg == g) <= class_counts[g][c]
            )
    used: dict[tuple[int, ...], cp_model.IntVar] = {}
    for (g, comp), v in z.items():
        if comp not in used:
            used[comp] = model.new_bool_var("")
        model.add(v <= bounds[(g, comp)] * used[comp])
    spreads = []
    for weights in (_CLASS_PARTY, _CLASS_FEMALE):
        high, low = model.new_int_var(0, k, ""), model.new_int_var(0, k, "")
        for comp, flag in used.items():
            value = sum(w * n for w, n in zip(weights, comp, strict=True))
            model.add(high >= value).only_enforce_if(flag)
            model.add(low <= value).only_enforce_if(flag)
        spreads.append(high - low)
    objective = (k + 1) * spreads[0] + spreads[1]
    quota_vars: dict[tuple[int, object], cp_model.IntVar] = {}
    if rules.agency_mode == "mix":
        # each agency can put at most one person in each team; keep agencies' use even too
        by_class_agency = Counter(zip(pool.cls, pool.agency, strict=True))
        for (c, agency), n in by_class_agency.items():
            quota_vars[(c, agency)] = model.new_int_var(
                0, n if agency is None else min(n, wanted), ""
            )
        for c in range(8):
            model.add(
                sum(v for (cc, _), v in quota_vars.items() if cc == c)
                == sum(comp[c] * v for (_, comp), v in z.items())
            )
        heaviest = model.new_int_var(0, wanted, "")
        by_agency: dict[object, list[cp_model.IntVar]] = defaultdict(list)
        for (_, agency), v in quota_vars.items():
            if agency is not None:
                by_agency[agency].append(v)
        for members in by_agency.values():
            model.add(sum(members) <= heaviest)
        objective = objective * (wanted + 1) + heaviest
    model.minimize(objective)
    for key, v in z.items():
        model.add_hint(v, hint.get(key, 0))
    solver = _solver(rules, budget)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, None, False
    chosen = Counter({key: solver.value(v) for key, v in z.items() if solver.value(v)})
    quota = {key: solver.value(v) for key, v in quota_vars.items()} if quota_vars else None
    return chosen, quota, status == cp_model.OPTIMAL


def _solver(rules: TeamRules, seconds: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, seconds)
    solver.parameters.num_workers = rules.threads
    solver.parameters.random_seed = rules.seed
    return solver


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
                load: Counter = Counter()
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

    Oldest first, each into the team whose projected age sum (sum so far + free slots × mean
    age) is lowest — the longest-processing-time rule with fixed slot counts. Under "mix" the
    largest agencies go first and a team already holding the agency is skipped; anyone left
    without a team is returned as stranded.
    """
    mix = rules.agency_mode == "mix"
    free = [list(comp) for _, comp in specs]
    group_of = [g for g, _ in specs]
    sums = [0] * len(specs)
    left = [sum(comp) for _, comp in specs]
    agencies: list[set[object]] = [set() for _ in specs]
    teams: list[list[int]] = [[] for _ in specs]
    mean = sum(pool.age[p] for p in used) / len(used) if used else 0.0
    version = [0] * len(specs)
    heaps: dict[tuple[object, int], list[tuple[float, int, int]]] = defaultdict(list)
    for t, (g, comp) in enumerate(specs):
        for c in range(8):
            if comp[c]:
                heaps[(g, c)].append((left[t] * mean, t, 0))
    for h in heaps.values():
        heapq.heapify(h)
    if mix:
        size = Counter(pool.agency[p] for p in used if pool.agency[p] is not None)
        order = sorted(used, key=lambda p: (-size.get(pool.agency[p], 0), -pool.age[p], p))
    else:
        order = sorted(used, key=lambda p: (-pool.age[p], p))
    stranded = []
    for p in order:
        c = pool.cls[p]
        heap = heaps[(_group_key(pool, rules, p), c)]
        aside = []
        home = -1
        while heap:
            entry = heapq.heappop(heap)
            _, t, v = entry
            if v != version[t] or free[t][c] == 0:
                continue
            if mix and pool.agency[p] is not None and pool.agency[p] in agencies[t]:
                aside.append(entry)
                continue
            home = t
            break
        for entry in aside:
            heapq.heappush(heap, entry)
        if home < 0:
            stranded.append(p)
            continue
        t = home
        teams[t].append(p)
        free[t][c] -= 1
        left[t] -= 1
        sums[t] += pool.age[p]
        if pool.agency[p] is not None:
            agencies[t].add(pool.agency[p])
        version[t] += 1
        projected = sums[t] + left[t] * mean
        for cc in range(8):
            if free[t][cc]:
                heapq.heappush(heaps[(group_of[t], cc)], (projected, t, version[t]))
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


def _balance_ages(
    pool: _Pool, rules: TeamRules, teams: list[list[int]], spare: list[int], deadline: float
) -> bool:
    """Shrink the spread of team age sums by swapping people of the same class; True if optimal.

    A swap of two people of the same class (and, under "same", the same agency) changes
    neither party nor gender counts nor the leader rule, so it is always safe; under "mix" the
    swap must not put two members of one agency together. Unused people of the same class may
    swap in too. Each accepted swap moves a team off the current maximum (or minimum) without
    creating a new extreme, so the search always ends; it stops at the lower bound (equal sums,
    or sums one apart when the total cannot be split evenly).
    """
    if not teams:
        return True
    mix = rules.agency_mode == "mix"
    age = pool.age
    key = [(_group_key(pool, rules, p), pool.cls[p]) for p in range(len(pool))]
    team_of = [-1] * len(pool)
    for t, team in enumerate(teams):
        for p in team:
            team_of[p] = t
    holders: dict[tuple[object, int], list[int]] = defaultdict(list)
    for p in [q for team in teams for q in team] + spare:
        holders[(key[p], age[p])].append(p)
    sums = [sum(age[p] for p in team) for team in teams]
    agencies = [
        Counter(pool.agency[p] for p in team if pool.agency[p] is not None) for team in teams
    ]
    at_sum: dict[int, set[int]] = defaultdict(set)
    for t, s in enumerate(sums):
        at_sum[s].add(t)
    high, low = max(sums), min(sums)
    spare_keys = {key[p] for p in spare}
    total = sum(sums)
    lower_bound = 0 if spare_keys or total % len(teams) == 0 else 1

    def clash(t: int, out: int, into: int) -> bool:
        if not mix or t < 0:
            return False
        a = pool.agency[into]
        return a is not None and a != pool.agency[out] and agencies[t][a] > 0

    def swap(x: int, y: int) -> None:
        nonlocal high, low
        t, u = team_of[x], team_of[y]
        for team, out, into in ((t, x, y), (u, y, x)):
            if team < 0:
                continue
            members = teams[team]
            members[members.index(out)] = into
            team_of[into] = team
            if pool.agency[out] is not None:
                agencies[team][pool.agency[out]] -= 1
            if pool.agency[into] is not None:
                agencies[team][pool.agency[into]] += 1
            at_sum[sums[team]].discard(team)
            sums[team] += age[into] - age[out]
            at_sum[sums[team]].add(team)
        if u < 0:
            team_of[x] = -1
        while not at_sum[high]:
            high -= 1
        while not at_sum[low]:
            low += 1

    def improve(t: int, down: bool) -> bool:
        """Move team t off the extreme it sits on by one swap; False if none exists."""
        gap = high - low
        deltas = sorted(range(1, gap), key=lambda d: (abs(2 * d - gap), d))
        for x in teams[t]:
            for d in deltas:
                for y in holders.get((key[x], age[x] - d if down else age[x] + d), ()):
                    u = team_of[y]
                    if u == t:
                        continue
                    if u >= 0 and not (sums[u] + d < high if down else sums[u] - d > low):
                        continue
                    if clash(t, x, y) or clash(u, y, x):
                        continue
                    swap(x, y)
                    return True
        return False

    steps = 0
    while high - low > lower_bound:
        steps += 1
        if steps % 64 == 0 and time.monotonic() > deadline:
            return False
        if improve(next(iter(at_sum[high])), down=True):
            continue
        if improve(next(iter(at_sum[low])), down=False):
            continue
        return False
    return True


# ---------------------------------------------------------------------------------------------
# Small pools: the whole problem as one CP-SAT model


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
    for t, (head, team) in enumerate(heads_hint[:wanted]):
        for p in team:
            model.add_hint(x[p, t], 1)
        model.add_hint(lead[head, t], 1)
    solver = _solver(rules, deadline - time.monotonic())
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    teams = [[p for p in range(n) if solver.value(x[p, t])] for t in range(wanted)]
    return teams, status == cp_model.OPTIMAL


# ---------------------------------------------------------------------------------------------
# Output: teams, communities, explanations


def _describe_team(pool: _Pool, members: list[int]) -> Team:
    """The most senior member leads (any leader-eligible one would do; seniority is expected)."""
    head = max(members, key=lambda p: (pool.rank[p], -pool.ids[p]))
    others = sorted((p for p in members if p != head), key=lambda p: pool.ids[p])
    return Team(
        leader_id=pool.ids[head],
        member_ids=[pool.ids[p] for p in others],
        party_members=sum(pool.party[p] for p in members),
        women=sum(pool.female[p] for p in members),
        mean_age=sum(pool.age[p] for p in members) / len(members),
    )


def _home_district(pool: _Pool, index: dict[int, int], team: Team) -> int | None:
    """The leader's district, else the most common district among the members."""
    leader = pool.district[index[team.leader_id]]
    if leader is not None:
        return leader
    seen = Counter(pool.district[index[pid]] for pid in team.member_ids)
    seen.pop(None, None)
    return min(seen, key=lambda d: (-seen[d], d)) if seen else None


def _assign_communities(pool: _Pool, teams: list[Team], needs: Sequence[Need]) -> None:
    """Cover as many needed teams as possible, then as many as possible in the home district.

    Teams with the same home district are interchangeable here, so the flow runs on districts
    (a handful of nodes) rather than on thousands of teams.
    """
    open_needs = [need for need in needs if need.teams > 0]
    if not teams or not open_needs:
        return
    index = {pid: i for i, pid in enumerate(pool.ids)}
    by_home: dict[int | None, list[Team]] = defaultdict(list)
    for team in teams:
        by_home[_home_district(pool, index, team)].append(team)
    homes = sorted(by_home, key=lambda d: (d is None, d or 0))
    flow = min_cost_flow.SimpleMinCostFlow()
    source, sink = 0, 1 + len(homes) + len(open_needs)
    arcs = []
    for h, home in enumerate(homes, start=1):
        flow.add_arc_with_capacity_and_unit_cost(source, h, len(by_home[home]), 0)
        for j, need in enumerate(open_needs):
            node = 1 + len(homes) + j
            cost = 0 if home is not None and home == need.district_id else 1
            arc = flow.add_arc_with_capacity_and_unit_cost(h, node, need.teams, cost)
            arcs.append((arc, home, need))
    for j, need in enumerate(open_needs):
        flow.add_arc_with_capacity_and_unit_cost(1 + len(homes) + j, sink, need.teams, 0)
    supply = min(len(teams), sum(need.teams for need in open_needs))
    flow.set_node_supply(source, supply)
    flow.set_node_supply(sink, -supply)
    if flow.solve_max_flow_with_min_cost() != flow.OPTIMAL:
        return
    for arc, home, need in arcs:
        for _ in range(flow.flow(arc)):
            by_home[home].pop().community_id = need.community_id


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _explain(
    pool: _Pool,
    rules: TeamRules,
    target: int | None,
    asked: int,
    formed: int,
    capacity: int,
    needs_total: int,
) -> tuple[list[str], dict[str, int]]:
    """Why fewer teams than asked: sentences for people, numbers for programs.

    `shortfall` names the pool-wide missing "leaders" and "people" for the teams asked (for one
    team when nothing was asked and none can be formed). "teams" (how many teams short) is
    added when something other than a pool-wide count is the cause: the agency rule, the
    large-pool heuristic, or a team_count below the needs.
    """
    k, level = rules.size, rules.leader_min_level
    leaders, people = sum(pool.eligible), len(pool)
    problems: list[str] = []
    shortfall: dict[str, int] = {}
    if formed == 0 and target is None:
        problems.append("Not even one team can be formed from this pool.")
    teams_word = _plural(asked, "team")
    if leaders < asked:
        shortfall["leaders"] = asked - leaders
        problems.append(
            f"{teams_word} need {asked} leaders of rank level ≥ {level}; "
            f"the pool has {leaders}: {asked - leaders} missing."
        )
    if people < k * asked:
        shortfall["people"] = k * asked - people
        problems.append(
            f"{teams_word} of {k} need {k * asked} people; "
            f"the pool has {people}: {k * asked - people} missing."
        )
    pool_wide = min(leaders, people // k)
    if rules.agency_mode == "same" and capacity < min(pool_wide, asked):
        people_by, leaders_by = _agency_counts(pool)
        short = sorted(
            (a for a in people_by if leaders_by[a] < people_by[a] // k),
            key=lambda a: (leaders_by[a] - people_by[a] // k, repr(a)),
        )
        detail = "; ".join(
            f"agency {a}: {people_by[a]} people, {leaders_by[a]} leaders" for a in short[:5]
        )
        problems.append(
            "With agency_mode 'same' each team comes from one agency, and the agencies "
            f"can form only {capacity} teams together"
            + (f" (agencies with more people than leaders: {detail})." if detail else ".")
        )
    if rules.agency_mode == "mix" and capacity < min(pool_wide, asked):
        people_by, _ = _agency_counts(pool)
        people_by.pop(None, None)
        detail = ", ".join(f"agency {a} has {n}" for a, n in people_by.most_common(3))
        problems.append(
            "With agency_mode 'mix' no team may hold two members of one agency, so an agency "
            f"places at most one person in each team; the pool fits only {capacity} teams "
            f"(largest agencies: {detail})."
        )
    wanted = min(capacity, asked if rules.team_count is None else rules.team_count)
    if formed < wanted:
        problems.append(
            f"The large-pool search could not arrange {_plural(wanted - formed, 'more team')} "
            "without two members of one agency; those people are left unassigned."
        )
    if needs_total > formed:
        if rules.team_count is not None and rules.team_count < needs_total:
            problems.append(
                f"The needs ask for {needs_total} teams but team_count is {rules.team_count}."
            )
        else:
            problems.append(
                f"The needs ask for {needs_total} teams; {formed} could be formed, "
                f"so {needs_total - formed} stay uncovered."
            )
    if rules.agency_mode != "any" or formed < wanted or not shortfall:
        shortfall["teams"] = asked - formed
    return problems, shortfall


__all__ = [
    "AGENCY_MODES",
    "RANK_LEVELS",
    "Candidate",
    "Formation",
    "Need",
    "Team",
    "TeamRules",
    "balance_of",
    "check_formation",
    "form_teams",
]
