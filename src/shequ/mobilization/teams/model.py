"""Public data of team formation: rank levels, agency modes, input and result dataclasses."""

from __future__ import annotations

from dataclasses import dataclass

# 厅级 (ting), 县处级 (chu), 乡科级 (ke), 科员 (keyuan), other
RANK_LEVELS = {"ting": 4, "chu": 3, "ke": 2, "keyuan": 1, "other": 0}
AGENCY_MODES = ("any", "same", "mix")


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
