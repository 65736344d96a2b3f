"""Check a formation against the hard rules (independent of the solver); balance figures."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from shequ.mobilization.teams.model import Candidate, Formation, Need, Team, TeamRules


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


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
