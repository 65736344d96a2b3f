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

Modules: `model` (the public dataclasses and constants), `check` (check_formation, balance_of),
`pool` (validation, the pool, capacity), `seat` (the large-pool heuristic: people into slots,
agency repair), `compose` (the composition search), `ages` (age balancing), `exact` (the flat
model for small pools), `output` (describing teams, communities, explanations).
"""

from __future__ import annotations

import datetime
import time
from collections.abc import Sequence

from shequ.mobilization.teams.check import balance_of, check_formation
from shequ.mobilization.teams.exact import _solve_exact
from shequ.mobilization.teams.model import (
    AGENCY_MODES,
    RANK_LEVELS,
    Candidate,
    Formation,
    Need,
    Team,
    TeamRules,
)
from shequ.mobilization.teams.output import _assign_communities, _describe_team, _explain, _standing
from shequ.mobilization.teams.pool import _Pool, _team_capacity, _validate
from shequ.mobilization.teams.seat import _form_by_composition

# Above this many person × team cells the flat exact model is too big to help within seconds.
# (Defined here, next to its only reader `form_teams`, so tests can patch it on the package.)
_EXACT_MODEL_MAX_CELLS = 6000


def form_teams(
    candidates: Sequence[Candidate],
    rules: TeamRules = TeamRules(),  # noqa: B008 -- a frozen dataclass, safe to share
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
