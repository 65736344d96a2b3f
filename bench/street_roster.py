"""Benchmark: a street's roster as the background job makes it, and how good it is (issue #22).

    .venv/bin/python bench/street_roster.py [--seconds 60 ...] [--threads 2] [--no-wishes-first]

A street of 40 communities of 50 people (2,000 people), 28 days, each community shaped as
`bench/roster_community.py`'s (a 2 x 12 h gate for 2 with a party member, a 3 x 8 h gate for
1 with the night rule, a 09-17 patrol for 2; ~10 % of people unable to work on a random day;
two requests a day for the gate's day shift). It is solved as `run_roster_job` solves it in
the worker (`roster.street.street_roster` with the job's progress and first-draft hooks, the
job's limit `SHEQU_ROSTER_JOB_SECONDS`), without the database (building the problem from the
database and saving the draft are not included). Printed per limit:

- seconds to the first complete roster that breaks no rule (what the job page shows while it
  improves) and its penalty, then seconds to done and the final penalty;
- the proven lower bound (`roster.bound`: no roster of this street scores below it) and the
  gap, (penalty - bound) / penalty;
- person-shifts uncovered, shifts without the party member they need, requests broken, the
  hours spread, and rule violations by the independent checker (0 expected);
- CPU seconds of the process (the machine is shared: wall time is noisy), load average.

`--no-wishes-first` runs the same without giving the requests that fit together first (the
construction before 2026-12-07), for a comparison at the same load.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from dataclasses import replace
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from roster_community import street

from shequ.duty.roster import check
from shequ.duty.roster import street as street_module
from shequ.duty.roster.street import street_roster


def run(seconds: float, threads: int) -> None:
    problem = street(40, 50, 28, seed=7)
    load_before = os.getloadavg()[0]
    cpu0, t0 = time.process_time(), time.perf_counter()
    draft: dict[str, float] = {}
    percents: list[float] = []

    def on_draft(penalty: check.Penalty) -> None:
        draft.update(
            seconds=time.perf_counter() - t0,
            cpu=time.process_time() - cpu0,
            penalty=penalty.total,
            short=sum(penalty.short.values()),
        )

    result = street_roster(
        problem,
        time_limit_s=seconds,
        threads=threads,
        progress=lambda done, note: percents.append(done),
        on_draft=on_draft,
    )
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    penalty = check.penalty(problem, result.assignment)
    violations = len(check.violations(problem, result.assignment))
    bound = result.bound or 0
    gap = (penalty.total - bound) / penalty.total if penalty.total else 0.0
    needed = sum(s.min_people for s in problem.slots)
    print(
        f"limit {seconds:g} s: {len(problem.people)} people, {problem.days} days, "
        f"{len(problem.slots)} shifts ({needed} person-shifts), {len(problem.requests)} requests"
    )
    print(
        f"  first complete roster: {draft.get('seconds', float('nan')):.1f} s "
        f"(cpu {draft.get('cpu', float('nan')):.1f} s), penalty {draft.get('penalty')}, "
        f"uncovered {draft.get('short')}"
    )
    print(
        f"  done: {wall:.1f} s (cpu {cpu:.1f} s), {result.status}, penalty {penalty.total}; "
        f"lower bound {bound}, gap {100 * gap:.1f} %; {len(percents)} progress steps"
    )
    print(
        f"  uncovered {sum(penalty.short.values())}, no party member {len(penalty.no_party)}, "
        f"requests broken {len(penalty.broken_requests)} of {len(problem.requests)}, "
        f"spread {penalty.spread_half_hours / 2:g} h, rule violations {violations}; "
        f"load {load_before:.1f} -> {os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, nargs="*", default=[60.0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-wishes-first", action="store_true")
    args = parser.parse_args()
    if args.no_wishes_first:
        original = street_module.lower_bound

        def bound_only(problem, **kwargs):  # type: ignore[no-untyped-def]
            return replace(original(problem, **kwargs), wishes=frozenset())

        street_module.lower_bound = bound_only
    print(
        f"# {platform.node()} · {platform.machine()} × {os.cpu_count()} CPUs · Python "
        f"{sys.version.split()[0]} · OR-Tools {version('ortools')} · {args.threads} threads"
        f"{' · no wishes first' if args.no_wishes_first else ''}"
    )
    for seconds in args.seconds:
        run(seconds, args.threads)


if __name__ == "__main__":
    main()
