"""The roster a planner gets: CP-SAT started from the greedy roster, or the greedy roster
when the solver found nothing better in time; both measured by the independent checker."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from shequ.duty.roster import check
from shequ.duty.roster.greedy import greedy_roster
from shequ.duty.roster.lns import improve
from shequ.duty.roster.model import Result, solve
from shequ.duty.roster.problem import Problem

GREEDY = "GREEDY"

LNS_MIN_PAIRS = 5_000
"""Beyond a week and from this many (person, shift) pairs on, the greedy roster is improved by
windows of days (`lns.improve`) rather than by CP-SAT on the whole model."""


@dataclass(frozen=True)
class Best:
    status: str  # OPTIMAL / FEASIBLE (the solver's) or GREEDY; INFEASIBLE when neither is legal
    assignment: frozenset[tuple[int, str]]
    penalty: int | None
    seconds: float
    bound: int | None = None  # proven: no roster of the problem scores below (roster/bound.py)

    @property
    def feasible(self) -> bool:
        return self.status != "INFEASIBLE"


def best_roster(
    problem: Problem,
    *,
    time_limit_s: float,
    threads: int = 2,
    on_draft: Callable[[check.Penalty], None] | None = None,
) -> Best:
    """`on_draft` is told the greedy roster's penalty when it breaks no rule, before CP-SAT."""
    started = time.perf_counter()
    first = greedy_roster(problem)
    if on_draft is not None and not check.violations(problem, first):
        on_draft(check.penalty(problem, first))
    if problem.days > 7 and len(problem.people) * len(problem.slots) > LNS_MIN_PAIRS:
        # Tens of people over weeks: the whole model rarely improves on the greedy roster
        # within seconds; windows of days re-planned from it do (roster/lns.py).
        left = max(0.1, time_limit_s - (time.perf_counter() - started))
        chosen, objective = improve(problem, first, time_limit_s=left, threads=threads)
        found = Result("FEASIBLE" if objective is not None else "UNKNOWN", chosen, objective)
    else:
        found = solve(problem, time_limit_s=time_limit_s, threads=threads, hint=first)
    options = []  # (penalty, tie-break: the solver's first, status, roster)
    # Both candidates go through the checker: a roster that breaks a rule is never offered.
    if found.feasible and not check.violations(problem, found.assignment):
        options.append(
            (check.penalty(problem, found.assignment).total, 0, found.status, found.assignment)
        )
    if not check.violations(problem, first):
        options.append((check.penalty(problem, first).total, 1, GREEDY, first))
    seconds = time.perf_counter() - started
    if not options:
        return Best("INFEASIBLE", frozenset(), None, seconds)
    total, _, status, assignment = min(options, key=lambda o: o[:2])
    return Best(status, assignment, total, seconds)
