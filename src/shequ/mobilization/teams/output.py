"""Output: teams described, teams assigned to communities, shortfalls explained."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from ortools.graph.python import min_cost_flow

from shequ.mobilization.teams.check import _plural
from shequ.mobilization.teams.model import Need, Team, TeamRules
from shequ.mobilization.teams.pool import _agency_counts, _Pool


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
