"""Team formation: every hard rule on random pools, the article's 735 → 245 case,
shortfalls explained with exact numbers, agency modes, needs by district, balance figures.

Pure unit tests: no database. Synthetic people only.
"""

from __future__ import annotations

import random
from collections import Counter
from functools import cache
from itertools import combinations
from unittest import mock

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from shequ.mobilization import teams
from shequ.mobilization.teams import (
    RANK_LEVELS,
    Candidate,
    Formation,
    Need,
    Team,
    TeamRules,
    check_formation,
    form_teams,
)

YEAR = 2022
CHU, KE = RANK_LEVELS["chu"], RANK_LEVELS["ke"]


def cadres(
    count: int,
    *,
    leaders: int,
    seed: int = 1,
    agencies: int = 40,
    districts: int = 5,
    first_id: int = 1,
) -> list[Candidate]:
    """`count` synthetic cadres, the first `leaders` of them 县处级 or 厅级."""
    rng = random.Random(seed)
    return [
        Candidate(
            id=first_id + i,
            rank_level=rng.choice([3, 3, 3, 4]) if i < leaders else rng.choice([0, 1, 2]),
            party_member=rng.random() < 0.7,
            female=rng.random() < 0.4,
            birth_year=rng.randint(1962, 2000),
            agency_id=rng.randrange(agencies),
            district_id=rng.randrange(districts),
        )
        for i in range(count)
    ]


def person(pid: int, *, rank: int = KE, agency: int | None = None, **kw: object) -> Candidate:
    fields: dict = {"party_member": False, "female": False, "birth_year": 1985}
    fields.update(kw)
    return Candidate(id=pid, rank_level=rank, agency_id=agency, **fields)


def recomputed_balance(pool: list[Candidate], formation: Formation) -> dict[str, list[float]]:
    by_id = {c.id: c for c in pool}
    figures: dict[str, list[float]] = {"party_members": [], "women": [], "mean_age": []}
    for team in formation.teams:
        people = [by_id[p] for p in (team.leader_id, *team.member_ids)]
        figures["party_members"].append(sum(p.party_member for p in people))
        figures["women"].append(sum(p.female for p in people))
        figures["mean_age"].append(sum(YEAR - p.birth_year for p in people) / len(people))
    return figures


def assert_consistent(pool: list[Candidate], rules: TeamRules, formation: Formation) -> None:
    """What every formation must satisfy besides the hard rules."""
    assert formation.status in ("optimal", "feasible", "partial", "infeasible")
    if formation.status in ("partial", "infeasible"):
        assert formation.problems, "a partial result must say why"
        assert formation.shortfall, "a partial result must say what is missing"
        assert all(n > 0 for n in formation.shortfall.values())
        assert set(formation.shortfall) <= {"leaders", "people", "teams"}
        leaders = sum(c.rank_level >= rules.leader_min_level for c in pool)
        if "leaders" in formation.shortfall:
            assert any("leader" in p and f"has {leaders}:" in p for p in formation.problems)
    else:
        assert formation.problems == []
        assert formation.shortfall == {}
    if formation.status == "infeasible":
        assert formation.teams == []
    if formation.status == "partial":
        assert formation.teams
    figures = recomputed_balance(pool, formation)
    for name, values in figures.items():
        values = values or [0.0]
        assert formation.balance[name]["min"] == pytest.approx(min(values))
        assert formation.balance[name]["max"] == pytest.approx(max(values))
        assert formation.balance[name]["spread"] == pytest.approx(max(values) - min(values))


@st.composite
def pools(draw: st.DrawFn, max_people: int = 40) -> list[Candidate]:
    count = draw(st.integers(0, max_people))
    agencies = draw(st.integers(1, 6))
    return [
        Candidate(
            id=100 + 3 * i,
            rank_level=draw(st.integers(0, 4)),
            party_member=draw(st.booleans()),
            female=draw(st.booleans()),
            birth_year=draw(st.integers(1960, 2001)),
            agency_id=draw(st.one_of(st.none(), st.integers(1, agencies))),
            district_id=draw(st.one_of(st.none(), st.integers(1, 3))),
        )
        for i in range(count)
    ]


rule_sets = st.builds(
    TeamRules,
    size=st.integers(2, 4),
    leader_min_level=st.integers(0, 4),
    agency_mode=st.sampled_from(["any", "same", "mix"]),
    team_count=st.one_of(st.none(), st.integers(0, 15)),
    time_limit_s=st.just(1.0),
)
need_lists = st.lists(
    st.builds(
        Need,
        community_id=st.integers(1, 5),
        district_id=st.one_of(st.none(), st.integers(1, 3)),
        teams=st.integers(0, 4),
    ),
    max_size=3,
    unique_by=lambda need: need.community_id,
)


@settings(max_examples=40, deadline=None)
@given(pool=pools(), rules=rule_sets, needs=need_lists)
def test_random_pools_never_break_a_hard_rule(
    pool: list[Candidate], rules: TeamRules, needs: list[Need]
) -> None:
    formation = form_teams(pool, rules, needs, reference_year=YEAR)
    assert check_formation(pool, rules, formation, needs) == []
    assert_consistent(pool, rules, formation)


@settings(max_examples=40, deadline=None)
@given(pool=pools(), rules=rule_sets, needs=need_lists)
def test_large_pool_method_never_breaks_a_hard_rule_either(
    pool: list[Candidate], rules: TeamRules, needs: list[Need]
) -> None:
    # the path big pools take (compositions, slot filling, swaps), forced on small pools
    with mock.patch.object(teams, "_EXACT_MODEL_MAX_CELLS", 0):
        formation = form_teams(pool, rules, needs, reference_year=YEAR)
    assert check_formation(pool, rules, formation, needs) == []
    assert_consistent(pool, rules, formation)


def most_teams_by_brute_force(pool: list[Candidate], rules: TeamRules) -> int:
    """Largest number of disjoint valid teams, by trying every team (tiny pools only)."""
    k = rules.size

    def valid(team: tuple[Candidate, ...]) -> bool:
        if not any(c.rank_level >= rules.leader_min_level for c in team):
            return False
        if rules.agency_mode == "same":
            return len({c.agency_id for c in team}) == 1
        if rules.agency_mode == "mix":
            named = [c.agency_id for c in team if c.agency_id is not None]
            return len(named) == len(set(named))
        return True

    @cache
    def best(left: tuple[int, ...]) -> int:
        if len(left) < k:
            return 0
        first, rest = left[0], left[1:]
        found = best(rest)
        for others in combinations(rest, k - 1):
            if valid(tuple(pool[i] for i in (first, *others))):
                remaining = tuple(i for i in rest if i not in others)
                found = max(found, 1 + best(remaining))
        return found

    return best(tuple(range(len(pool))))


@settings(max_examples=40, deadline=None)
@given(pool=pools(max_people=10), rules=rule_sets)
# Two agencies (one of them "no agency") able to make one team each, one team asked for: the
# two groups shared one cached plan, so dropping the surplus team dropped both (0 formed).
@example(
    pool=[
        Candidate(
            id=100 + i, rank_level=0, party_member=False, female=False,
            birth_year=1960, agency_id=agency, district_id=None,
        )
        for i, agency in enumerate([1, None, 1, None])
    ],
    rules=TeamRules(size=2, leader_min_level=0, agency_mode="same", team_count=1),
)  # fmt: skip
def test_as_many_teams_as_the_pool_allows_are_formed(
    pool: list[Candidate], rules: TeamRules
) -> None:
    most = most_teams_by_brute_force(pool, rules)
    expected = most if rules.team_count is None else min(most, rules.team_count)
    for exact_cells in (teams._EXACT_MODEL_MAX_CELLS, 0):
        with mock.patch.object(teams, "_EXACT_MODEL_MAX_CELLS", exact_cells):
            formation = form_teams(pool, rules, reference_year=YEAR)
        assert len(formation.teams) == expected


def test_article_case_735_cadres_make_245_teams_balanced_within_one_party_member() -> None:
    pool = cadres(735, leaders=260)
    formation = form_teams(pool, TeamRules(), reference_year=YEAR)
    assert check_formation(pool, TeamRules(), formation) == []
    assert len(formation.teams) == 245
    assert formation.status in ("optimal", "feasible")
    if formation.status == "optimal":
        # Proven minimal, so within one. How far the search gets within its time limit
        # depends on the machine: bench/team_formation.py measures it, not this test.
        assert formation.balance["party_members"]["spread"] <= 1
        assert formation.balance["women"]["spread"] <= 1
    by_id = {c.id: c for c in pool}
    for team in formation.teams:
        assert len(team.member_ids) == 2
        assert by_id[team.leader_id].rank_level >= CHU
        # the designated leader is the most senior person of the team
        assert all(by_id[m].rank_level <= by_id[team.leader_id].rank_level for m in team.member_ids)
    assert_consistent(pool, TeamRules(), formation)


def test_too_few_leaders_gives_the_best_partial_result_and_the_exact_number_missing() -> None:
    pool = cadres(735, leaders=200)
    rules = TeamRules(team_count=245)
    formation = form_teams(pool, rules, reference_year=YEAR)
    assert formation.status == "partial"
    assert formation.shortfall == {"leaders": 45}
    assert (
        "245 teams need 245 leaders of rank level ≥ 3; the pool has 200: 45 missing."
        in formation.problems
    )
    assert len(formation.teams) == 200  # every leader leads a team
    assert check_formation(pool, rules, formation) == []
    assert len(formation.unassigned) == 735 - 600


def test_too_few_people_names_how_many_people_are_missing() -> None:
    pool = cadres(20, leaders=10)
    rules = TeamRules(team_count=8)
    formation = form_teams(pool, rules, reference_year=YEAR)
    assert formation.status == "partial"
    assert formation.shortfall == {"people": 4}
    assert len(formation.teams) == 6
    assert check_formation(pool, rules, formation) == []


def test_needs_beyond_the_pool_make_the_result_partial() -> None:
    pool = cadres(30, leaders=5)
    needs = [Need(community_id=1, district_id=1, teams=4), Need(2, 2, 4)]
    formation = form_teams(pool, TeamRules(), needs, reference_year=YEAR)
    assert formation.status == "partial"
    assert formation.shortfall == {"leaders": 3}
    assert len(formation.teams) == 5
    assert any("8 teams; 5 could be formed" in p for p in formation.problems)
    assert check_formation(pool, TeamRules(), formation, needs) == []


def test_a_pool_without_a_leader_is_infeasible_and_says_so() -> None:
    pool = [person(i) for i in range(1, 10)]
    formation = form_teams(pool, TeamRules(), reference_year=YEAR)
    assert formation.status == "infeasible"
    assert formation.teams == []
    assert formation.shortfall == {"leaders": 1}
    assert formation.problems[0] == "Not even one team can be formed from this pool."
    assert "1 team needs 1 leader of rank level ≥ 3; the pool has 0: 1 missing." in (
        formation.problems
    )
    assert formation.unassigned == list(range(1, 10))


def test_an_empty_pool_is_infeasible() -> None:
    formation = form_teams([], TeamRules(), reference_year=YEAR)
    assert formation.status == "infeasible"
    assert formation.shortfall == {"leaders": 1, "people": 3}


def test_asking_for_no_teams_is_not_a_problem() -> None:
    pool = cadres(9, leaders=3)
    formation = form_teams(pool, TeamRules(team_count=0), reference_year=YEAR)
    assert formation.status == "optimal"
    assert formation.teams == []
    assert len(formation.unassigned) == 9


def test_same_agency_mode_keeps_every_team_inside_one_agency() -> None:
    pool = cadres(300, leaders=90, agencies=6, seed=3)
    rules = TeamRules(agency_mode="same")
    formation = form_teams(pool, rules, reference_year=YEAR)
    by_id = {c.id: c for c in pool}
    for team in formation.teams:
        assert len({by_id[p].agency_id for p in (team.leader_id, *team.member_ids)}) == 1
    people = Counter(c.agency_id for c in pool)
    leaders = Counter(c.agency_id for c in pool if c.rank_level >= CHU)
    assert len(formation.teams) == sum(min(leaders[a], people[a] // 3) for a in people)
    assert check_formation(pool, rules, formation) == []


def test_same_agency_mode_explains_an_agency_without_leaders() -> None:
    # agency 1: six people, no leader; agency 2: three leaders, nobody else
    pool = [person(i, agency=1) for i in range(1, 7)]
    pool += [person(i, agency=2, rank=CHU) for i in range(7, 10)]
    rules = TeamRules(agency_mode="same", team_count=3)
    formation = form_teams(pool, rules, reference_year=YEAR)
    assert formation.status == "partial"
    assert len(formation.teams) == 1
    assert formation.shortfall == {"teams": 2}
    assert any("agency 1: 6 people, 0 leaders" in p for p in formation.problems)
    assert check_formation(pool, rules, formation) == []


def test_mix_agency_mode_never_seats_two_colleagues_together() -> None:
    # Agency 1 holds half the pool and all 20 leaders. Under "any" that makes 20 teams; under
    # "mix" agency 1 places one person per team, so T + 30 others ≥ 3·T gives 15 teams.
    pool = [person(i, agency=1, rank=CHU if i <= 20 else KE) for i in range(1, 31)]
    pool += [person(i, agency=i % 7 + 2) for i in range(31, 61)]
    rules = TeamRules(agency_mode="mix")
    formation = form_teams(pool, rules, reference_year=YEAR)
    by_id = {c.id: c for c in pool}
    assert len(formation.teams) == 15
    for team in formation.teams:
        agencies = [by_id[p].agency_id for p in (team.leader_id, *team.member_ids)]
        assert len(agencies) == len(set(agencies))
    assert check_formation(pool, rules, formation) == []
    assert len(form_teams(pool, TeamRules(), reference_year=YEAR).teams) == 20


def test_mix_agency_mode_explains_an_agency_too_large_to_spread() -> None:
    # 20 of 30 people in agency 1: at most one per team, so only 5 teams of 3 fit
    pool = [person(i, agency=1, rank=CHU) for i in range(1, 21)]
    pool += [person(i, agency=i, rank=KE) for i in range(21, 31)]
    rules = TeamRules(agency_mode="mix", team_count=10)
    formation = form_teams(pool, rules, reference_year=YEAR)
    assert formation.status == "partial"
    assert len(formation.teams) == 5
    assert formation.shortfall == {"teams": 5}
    assert any("agency 1 has 20" in p for p in formation.problems)
    assert check_formation(pool, rules, formation) == []


def test_needs_are_covered_preferring_a_community_in_the_leaders_district() -> None:
    # leaders 1-2 live in district 2, leaders 3-4 in district 1; members anywhere. Community
    # 11 (district 1) comes first: handing out teams in order would send it leaders 1 and 2.
    pool = [person(1, rank=CHU, district_id=2), person(2, rank=CHU, district_id=2)]
    pool += [person(3, rank=CHU, district_id=1), person(4, rank=CHU, district_id=1)]
    pool += [person(i, district_id=i % 2 + 1) for i in range(5, 13)]
    needs = [Need(community_id=11, district_id=1, teams=2), Need(22, 2, 2)]
    formation = form_teams(pool, TeamRules(), needs, reference_year=YEAR)
    assert len(formation.teams) == 4
    district = {c.id: c.district_id for c in pool}
    community_district = {11: 1, 22: 2}
    for team in formation.teams:
        assert community_district[team.community_id] == district[team.leader_id]
    assert Counter(t.community_id for t in formation.teams) == {11: 2, 22: 2}
    assert check_formation(pool, TeamRules(), formation, needs) == []


def test_teams_beyond_the_needs_stay_without_a_community() -> None:
    pool = cadres(30, leaders=10)
    needs = [Need(community_id=7, district_id=None, teams=3)]
    formation = form_teams(pool, TeamRules(), needs, reference_year=YEAR)
    assert formation.status in ("optimal", "feasible")
    assert Counter(t.community_id for t in formation.teams) == {7: 3, None: 7}


def test_cross_district_teams_still_cover_a_need() -> None:
    pool = cadres(9, leaders=3, districts=1)  # everyone in district 0
    needs = [Need(community_id=5, district_id=9, teams=2)]
    formation = form_teams(pool, TeamRules(), needs, reference_year=YEAR)
    assert Counter(t.community_id for t in formation.teams) == {5: 2, None: 1}


@pytest.mark.parametrize("mode", ["any", "same", "mix"])
def test_a_large_pool_forms_valid_balanced_teams(mode: str) -> None:
    pool = cadres(3000, leaders=1100, agencies=120, seed=11)
    rules = TeamRules(agency_mode=mode, time_limit_s=5)
    formation = form_teams(pool, rules, reference_year=YEAR)
    assert check_formation(pool, rules, formation) == []
    assert formation.status in ("optimal", "feasible")
    if mode != "same":  # small agencies on their own cannot all balance
        assert len(formation.teams) == 1000
    if mode != "same" and formation.status == "optimal":
        # Proven minimal, so within one; within the time limit: bench/team_formation.py.
        assert formation.balance["party_members"]["spread"] <= 1
        assert formation.balance["women"]["spread"] <= 1
        assert formation.balance["mean_age"]["spread"] <= 1
    assert_consistent(pool, rules, formation)


def test_balance_figures_match_the_teams() -> None:
    pool = cadres(60, leaders=25, seed=5)
    formation = form_teams(pool, TeamRules(time_limit_s=1), reference_year=YEAR)
    figures = recomputed_balance(pool, formation)
    by_id = {c.id: c for c in pool}
    for team, party, women, age in zip(
        formation.teams,
        figures["party_members"],
        figures["women"],
        figures["mean_age"],
        strict=True,
    ):
        assert (team.party_members, team.women) == (party, women)
        assert team.mean_age == pytest.approx(age)
        assert by_id[team.leader_id].rank_level >= CHU
    assert formation.balance["mean_age"]["spread"] == pytest.approx(
        max(figures["mean_age"]) - min(figures["mean_age"])
    )


def test_check_formation_names_each_broken_rule() -> None:
    pool = [
        person(1, rank=CHU, agency=1),
        person(2, agency=1),
        person(3, agency=2),
        person(4, rank=KE, agency=2),
        person(5, agency=3),
        person(6, agency=3),
    ]
    bad = Formation(
        teams=[
            Team(leader_id=1, member_ids=[2, 3], community_id=9),
            Team(leader_id=4, member_ids=[3, 99], community_id=9),
            Team(leader_id=5, member_ids=[], community_id=8),
        ],
        unassigned=[],
        status="feasible",
        problems=[],
        shortfall={},
        balance={},
        seconds=0.0,
    )
    mix = check_formation(pool, TeamRules(agency_mode="mix", team_count=2), bad, [Need(9, 1, 1)])
    assert "Candidate 3 is in team 1 and in team 2." in mix
    assert "team 2 holds 99, who is not in the pool." in mix
    assert "team 3 has 1 person; the rule is 3." in mix
    assert "team 2's leader 4 has rank level 2, below 3." in mix
    assert "team 1 has 2 members of agency 1 but agency_mode is 'mix'." in mix
    assert "1 candidate is neither in a team nor unassigned." in mix
    assert "3 teams formed; team_count allows 2." in mix
    assert "2 teams sent to community 9, which asked for 1." in mix
    assert "1 team sent to community 8, which has no need." in mix
    same = check_formation(pool, TeamRules(agency_mode="same"), bad)
    assert "team 1 mixes agencies but agency_mode is 'same'." in same


def test_a_valid_formation_passes_the_check() -> None:
    pool = [person(1, rank=CHU, agency=1), person(2, agency=2), person(3, agency=None)]
    good = Formation([Team(1, [2, 3])], [], "feasible", [], {}, {}, 0.0)
    for mode in ("any", "mix"):
        assert check_formation(pool, TeamRules(agency_mode=mode), good) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"size": 0}, "size must be at least 1"),
        ({"agency_mode": "both"}, "agency_mode must be one of"),
        ({"team_count": -1}, "team_count cannot be negative"),
        ({"time_limit_s": 0}, "time_limit_s must be positive"),
        ({"threads": 0}, "threads at least 1"),
    ],
)
def test_bad_rules_are_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        form_teams(cadres(6, leaders=2), TeamRules(**kwargs))


def test_duplicate_people_and_needs_are_refused() -> None:
    with pytest.raises(ValueError, match=r"Candidates appear twice: \[1\]"):
        form_teams([person(1, rank=CHU), person(1), person(2)])
    with pytest.raises(ValueError, match="merge them"):
        form_teams(cadres(6, leaders=2), needs=[Need(1, 1, 1), Need(1, 2, 1)])
    with pytest.raises(ValueError, match="negative number of teams"):
        form_teams(cadres(6, leaders=2), needs=[Need(1, 1, -1)])
