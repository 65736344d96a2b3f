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
    party × gender) a team holds. A spread of w means every team's count lies in one window
    [lo, lo + w]; with both windows fixed, choosing how many teams of each class composition
    to form is a small CP-SAT model per group (the whole pool, or one agency under "same")
    whose size does not grow with the pool. Trying widths from 0 up, party first, proves the
    party and women spreads optimal in milliseconds even for 25,000 people, where a flat
    person × team model would need 200 million booleans.
  * Concrete people fill the slots (largest class first, oldest first into the team with the
    lowest age sum). Then the mean-age spread shrinks by swaps that never touch the first two
    objectives or a hard rule: re-dealing one class at a time (optimal for that class by the
    rearrangement inequality), a random walk of same-class swaps across plateaus, and targeted
    swaps off the extremes — until a lower bound is met, nothing helps, or time runs out.
  * Under "mix" with a few large agencies, class compositions may not be seatable without
    colleagues meeting; then CP-SAT picks (class, agency) types per team instead.
  * Small pools (people × teams ≤ `_EXACT_MODEL_MAX_CELLS`) are finally solved by a flat
    CP-SAT model of the whole problem, started from the heuristic's answer, and kept only if
    better; it proves optimality when time allows.
"""

from __future__ import annotations

import datetime
import heapq
import itertools
import random
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ortools.graph.python import min_cost_flow
from ortools.sat.python import cp_model

# 厅级 (ting), 县处级 (chu), 乡科级 (ke), 科员 (keyuan), other
RANK_LEVELS = {"ting": 4, "chu": 3, "ke": 2, "keyuan": 1, "other": 0}
AGENCY_MODES = ("any", "same", "mix")

# Above this many person × team cells the flat exact model is too big to help within seconds.
_EXACT_MODEL_MAX_CELLS = 6000
# Share of the time limit the composition search may use; the rest goes to people and ages.
# Under "same" it solves one model per agency and age swaps are confined to an agency, so
# it gets more.
_COMPOSITION_TIME_SHARE = {"any": 0.4, "mix": 0.4, "same": 0.7}
# The (class, agency) type model for "mix" is built only up to this many team × type cells.
_TYPE_MODEL_MAX_CELLS = 60_000
# The age walk gives up after this many tries per team without lowering its penalty, and
# the search stops after this many kicks in a row that found nothing better.
_WALK_PATIENCE = 50
_KICKS = 40


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
    """A formed team; the counts and mean age are over all `size` people, leader included."""

    leader_id: int
    member_ids: list[int]
    community_id: int | None = None
    party_members: int = 0
    women: int = 0
    mean_age: float = 0.0


@dataclass
class Formation:
    """The result of `form_teams`; see its docstring for `status`, `problems`, `shortfall`."""

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
    # Teams asked for: team_count, or else as many as the pool allows (at least one); and in
    # either case enough to cover the needs.
    if rules.team_count is not None:
        asked = max(rules.team_count, needs_total)
        wanted = min(rules.team_count, capacity)
    else:
        asked = max(capacity, needs_total, 1)
        wanted = capacity
    groups: list[list[int]] = []
    proven = wanted == 0
    if wanted > 0:
        groups, proven = _form_by_composition(pool, rules, wanted, deadline)
        if len(pool) * wanted <= _EXACT_MODEL_MAX_CELLS and not proven:
            exact = _solve_exact(pool, rules, wanted, groups, deadline)
            if exact is not None and _standing(pool, exact[0]) <= _standing(pool, groups):
                groups, proven = exact

    teams = [_describe_team(pool, members) for members in groups]
    teams.sort(key=lambda team: team.leader_id)
    _assign_communities(pool, teams, needs)

    formed = len(teams)
    problems: list[str] = []
    shortfall: dict[str, int] = {}
    if formed < asked:
        status = "infeasible" if formed == 0 else "partial"
        problems, shortfall = _explain(pool, rules, asked, formed, capacity, needs_total)
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
            violations.append(
                f"{label} has {len(people)} {'person' if len(people) == 1 else 'people'}; "
                f"the rule is {rules.size}."
            )
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
        violations.append(
            f"{_plural(len(missing), 'candidate')} {'is' if len(missing) == 1 else 'are'} "
            "neither in a team nor unassigned."
        )
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
                    f"{_plural(count, 'team')} sent to community {community}, which has no need."
                )
            elif count > asked[community]:
                violations.append(
                    f"{_plural(count, 'team')} sent to community {community}, which asked for "
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
                    result[g] = found
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


# ---------------------------------------------------------------------------------------------
# Output: teams, communities, explanations


def _standing(pool: _Pool, teams: list[list[int]]) -> tuple[int, ...]:
    """(−teams, party spread, women spread, age-sum spread): the objective, smaller is better."""
    key: list[int] = [-len(teams)]
    for values in (pool.party, pool.female, pool.age):
        sums = [sum(values[p] for p in team) for team in teams] or [0]
        key.append(max(sums) - min(sums))
    return tuple(key)


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
    if formed == 0 and rules.team_count is None and not needs_total:
        problems.append("Not even one team can be formed from this pool.")
    teams_need = f"{_plural(asked, 'team')} {'needs' if asked == 1 else 'need'}"
    if leaders < asked:
        shortfall["leaders"] = asked - leaders
        problems.append(
            f"{teams_need} {_plural(asked, 'leader')} of rank level ≥ {level}; "
            f"the pool has {leaders}: {asked - leaders} missing."
        )
    if people < k * asked:
        shortfall["people"] = k * asked - people
        problems.append(
            f"{_plural(asked, 'team')} of {k} {'needs' if asked == 1 else 'need'} "
            f"{k * asked} people; the pool has {people}: {k * asked - people} missing."
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
            + (f" (agencies short of leaders for their people: {detail})." if detail else ".")
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
