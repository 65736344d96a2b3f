"""Benchmark: team formation (issue #5, item 9 b and c) on synthetic cadres.

    .venv/bin/python bench/team_formation.py [--people 25000] [--modes any,mix,same]

(b) 735 cadres (260 of them 县处级 or above, 40 agencies, 5 districts) → 245 teams of 3 with
    the default rules (10 s limit, 2 threads), then 200 of them sent to communities that
    ask for 200. Target: < 10 s, party-member spread ≤ 1.
(c) --people cadres (default 25,000; 35 % leader-eligible, so 8,333 teams of 3 fit; 500
    agencies, 12 districts) → as many teams as the pool allows, with the same rules, 60 %
    of them asked for by communities. Target: < 60 s.

Each case runs once per agency mode. For each it prints the wall time (measured around the
call, so it includes building the pool's tables), the status, the number of teams, the
spreads (max − min across teams) of party members, women and mean age, and the number of
hard-rule violations found by check_formation (must be 0). No database is involved.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from importlib.metadata import version

from shequ.mobilization.teams import Candidate, Need, TeamRules, check_formation, form_teams

YEAR = 2022


def synthetic_cadres(
    count: int, *, leader_share: float, agencies: int, districts: int, seed: int
) -> list[Candidate]:
    """Synthetic people: ranks, party membership (~70 %), women (~40 %), ages 22-60."""
    rng = random.Random(seed)
    leaders = round(count * leader_share)
    return [
        Candidate(
            id=i + 1,
            rank_level=rng.choice([3, 3, 3, 4]) if i < leaders else rng.choice([0, 1, 2]),
            party_member=rng.random() < 0.7,
            female=rng.random() < 0.4,
            birth_year=rng.randint(YEAR - 60, YEAR - 22),
            agency_id=rng.randrange(agencies),
            district_id=rng.randrange(districts),
        )
        for i in range(count)
    ]


def synthetic_needs(teams: int, districts: int, seed: int) -> list[Need]:
    """Communities, a few per district, asking for `teams` teams in all."""
    rng = random.Random(seed)
    needs, left, community = [], teams, 1
    while left > 0:
        ask = min(left, rng.randint(1, 6))
        needs.append(Need(community_id=community, district_id=rng.randrange(districts), teams=ask))
        left -= ask
        community += 1
    return needs


def run(label: str, pool: list[Candidate], rules: TeamRules, needs: list[Need]) -> None:
    started = time.perf_counter()
    result = form_teams(pool, rules, needs, reference_year=YEAR)
    seconds = time.perf_counter() - started
    violations = check_formation(pool, rules, result, needs)
    spread = {name: figures["spread"] for name, figures in result.balance.items()}
    home = {c.id: c.district_id for c in pool}
    district_of = {n.community_id: n.district_id for n in needs}
    sent = [t for t in result.teams if t.community_id is not None]
    same_district = sum(district_of[t.community_id] == home[t.leader_id] for t in sent)
    print(
        f"| {label} | {rules.agency_mode} | {len(pool):,} | {len(result.teams):,} "
        f"| {result.status} | {seconds:.2f} | {spread['party_members']:.0f} "
        f"| {spread['women']:.0f} | {spread['mean_age']:.2f} "
        f"| {len(sent):,} ({same_district:,} same district) | {len(violations)} |",
        flush=True,
    )
    if result.problems:
        print(f"|   problems: {'; '.join(result.problems)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=25_000, help="pool size for case (c)")
    parser.add_argument("--modes", default="any,mix,same", help="agency modes to run")
    parser.add_argument("--time-limit", type=float, default=TeamRules().time_limit_s)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]

    print(
        f"# {platform.machine()} × {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"OR-Tools {version('ortools')}; threads=2, time limit {args.time_limit:g} s"
    )
    print(
        "| case | agency mode | people | teams | status | seconds | party spread "
        "| women spread | mean-age spread (years) | teams sent to needs | violations |"
    )
    print("| --- | --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    article = synthetic_cadres(
        735, leader_share=260 / 735, agencies=40, districts=5, seed=args.seed
    )
    large = synthetic_cadres(
        args.people, leader_share=0.35, agencies=500, districts=12, seed=args.seed + 1
    )
    for mode in modes:
        rules = TeamRules(agency_mode=mode, time_limit_s=args.time_limit, threads=2)
        run("(b) article", article, rules, synthetic_needs(200, 5, args.seed))
    for mode in modes:
        rules = TeamRules(agency_mode=mode, time_limit_s=args.time_limit, threads=2)
        asked = args.people // 3 * 6 // 10
        run("(c) large pool", large, rules, synthetic_needs(asked, 12, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
