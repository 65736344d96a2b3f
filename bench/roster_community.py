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

    .venv/bin/python bench/roster_community.py --street 30 90

(issue #22) only a street of 40 such communities of 50 people each (2,000 people, 28 days),
solved as the background job solves it (`roster.street.street_roster`: community by
community, greedy then CP-SAT, then help across communities) at each limit: the penalty and
its parts, rule violations (must be 0), when the first community was done and the wall time.
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
from shequ.duty.roster.street import street_roster

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


def street(communities: int, people: int, days: int, seed: int) -> Problem:
    """`communities` communities shaped as `community`, each with its own people (group)."""
    parts = [community(people, days, seed + c) for c in range(communities)]
    persons = tuple(
        replace(p, id=c * 100_000 + p.id, name=f"C{c}-{p.name}", group=str(c))
        for c, part in enumerate(parts)
        for p in part.people
    )
    slots = tuple(
        replace(s, id=f"{c}:{s.id}", post=f"{c}{s.post}", group=str(c))
        for c, part in enumerate(parts)
        for s in part.slots
    )
    requests = tuple(
        replace(r, person=c * 100_000 + r.person, slot=f"{c}:{r.slot}")
        for c, part in enumerate(parts)
        for r in part.requests
    )
    return Problem(days=days, people=persons, slots=slots, requests=requests)


def run_street(communities: int, people: int, days: int, seconds: float, threads: int) -> None:
    """A street's roster as the worker makes it (`street.street_roster`), with its progress."""
    problem = street(communities, people, days, seed=7)
    marks: list[tuple[float, float]] = []
    t0 = time.perf_counter()

    def progress(done: float, note: str) -> None:
        marks.append((time.perf_counter() - t0, done))

    result = street_roster(problem, time_limit_s=seconds, threads=threads, progress=progress)
    wall = time.perf_counter() - t0
    penalty = check.penalty(problem, result.assignment)
    violations = len(check.violations(problem, result.assignment))
    first = next((t for t, done in marks if done > 0), wall)
    needed = sum(s.min_people for s in problem.slots)
    print(
        f"street {communities} communities × {people} people = {len(problem.people)} people, "
        f"{days} days, {len(problem.slots)} shifts ({needed} person-shifts needed); "
        f"limit {seconds:g} s, load {os.getloadavg()[0]:.1f}"
    )
    print(
        f"  {result.status}: penalty {penalty.total} (short {sum(penalty.short.values())}, "
        f"no party member {len(penalty.no_party)}, requests broken "
        f"{len(penalty.broken_requests)} of {len(problem.requests)}, spread "
        f"{penalty.spread_half_hours / 2:g} h), {violations} rule violations; "
        f"first community done at {first:.1f} s, all at {wall:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--street",
        type=float,
        nargs="*",
        help="only the street of 40 communities x 50 people, 28 days, at these limits (s)",
    )
    args = parser.parse_args()
    if args.street is not None:
        for limit in args.street or [30.0]:
            run_street(40, 50, 28, limit, args.threads)
        return
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
