"""Benchmark: community rosters and re-plans (issue #6, "re-plans in seconds").

    .venv/bin/python bench/roster_community.py [--seconds 5] [--threads 2]

Synthetic communities shaped like the demo's (a 2 × 12 h gate needing 2 people with a party
member and the night rule, a 3 × 8 h gate needing 1, a 09–17 patrol needing 2) with 40, 111
and 300 people on duty, 7 and 28 days, default rules, ~10 % of people unable to work on a
random day and a few requests. For each it prints the greedy first roster's time and
penalty, the planner's roster (`roster.best.best_roster`: CP-SAT from the greedy hint within
`--seconds`, or the greedy one if better) status, penalty and wall time, the
number of short person-shifts, then a re-plan after one rostered person falls ill for two
days: wall time and number of changes. Every roster is re-checked by the independent rule
checker (violations must be 0). No database is involved.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from dataclasses import replace
from importlib.metadata import version

from shequ.duty.roster import check
from shequ.duty.roster.best import best_roster
from shequ.duty.roster.greedy import greedy_roster
from shequ.duty.roster.problem import DAY, PREFER, Person, Problem, Request, Slot

# post, shift, start minute, minutes, people, party, night rule
SHAPE = [
    ("北门", "白班", 8 * 60, 720, 2, True, False),
    ("北门", "夜班", 20 * 60, 720, 2, True, True),
    ("南门", "早班", 8 * 60, 480, 1, False, False),
    ("南门", "中班", 16 * 60, 480, 1, False, True),
    ("南门", "夜班", 0, 480, 1, False, True),
    ("巡查", "日班", 9 * 60, 480, 2, False, False),
]


def community(people: int, days: int, seed: int) -> Problem:
    rng = random.Random(seed)
    persons = tuple(
        Person(
            id=i,
            name=f"P{i}",
            woman=rng.random() < 0.4,
            party=rng.random() < 0.6,
            unavailable=frozenset(d for d in range(days) if rng.random() < 0.1),
        )
        for i in range(people)
    )
    slots = tuple(
        Slot(
            id=f"{post}{shift}:{d}",
            post=post,
            shift=shift,
            day=d,
            start=d * DAY + start,
            end=d * DAY + start + minutes,
            min_people=n,
            max_people=n,
            party=party,
            not_only_women=night,
        )
        for d in range(days)
        for post, shift, start, minutes, n, party, night in SHAPE
    )
    requests = tuple(
        Request(rng.randrange(people), d, PREFER, f"北门白班:{d}")
        for d in range(days)
        for _ in range(2)
    )
    return Problem(days=days, people=persons, slots=slots, requests=requests)


def run(people: int, days: int, seconds: float, threads: int) -> None:
    problem = community(people, days, seed=people * 100 + days)
    t0 = time.perf_counter()
    first = greedy_roster(problem)
    greedy_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = best_roster(problem, time_limit_s=seconds, threads=threads)
    solve_s = time.perf_counter() - t0
    roster = result.assignment
    penalty = check.penalty(problem, roster)
    violations = len(check.violations(problem, roster))

    # Re-plan: someone on the roster falls ill on days 2 and 3.
    ill = sorted(p for p, s in roster if problem.slot(s).day == 2)[0]
    people_now = tuple(
        replace(p, unavailable=p.unavailable | {2, 3}) if p.id == ill else p for p in problem.people
    )
    again = replace(problem, people=people_now, published=frozenset(roster))
    t0 = time.perf_counter()
    redo = best_roster(again, time_limit_s=seconds, threads=threads)
    replan_s = time.perf_counter() - t0
    new = redo.assignment
    changes = len(set(new) ^ set(roster))
    must = sum(1 for p, s in roster if p == ill and problem.slot(s).day in (2, 3))
    print(
        f"{people:>6} {days:>4} {len(problem.slots):>6} {greedy_s:>8.2f} "
        f"{check.penalty(problem, first).total:>8} {result.status:>9} {penalty.total:>8} "
        f"{solve_s:>7.2f} {sum(penalty.short.values()):>6} {violations:>4} "
        f"{replan_s:>8.2f} {redo.status:>9} {changes:>4} (ill person had {must}) "
        f"{len(check.violations(again, new)):>3}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    print(
        f"# {platform.node()} · {os.cpu_count()} CPUs · Python {sys.version.split()[0]} · "
        f"OR-Tools {version('ortools')} · limit {args.seconds} s · {args.threads} threads"
    )
    print(
        "people days shifts greedy_s greedy_pen    status  penalty solve_s  short viol replan_s chg"
    )
    for people, days in [(40, 7), (111, 7), (300, 7), (111, 28)]:
        run(people, days, args.seconds, args.threads)


if __name__ == "__main__":
    main()
