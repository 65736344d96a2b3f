"""Rosters: generate with the solver, explain, publish, re-plan, edit by hand with rule checks.

- `context`: the database turned into a `roster.problem.Problem` (here and only here; the
  solver and the independent checker never see a model instance), and who may be rostered;
- `explain`: what a roster misses and why, and the rule a hand edit would break, in words;
- `services`: the writes (generate, re-plan, publish, discard, add or take off a person);
- `jobs`: a roster made in the background by the task queue, with its progress.

The names other modules use are re-exported here: `planning.roster_generate(...)`.
"""

from shequ.duty.planning.context import (
    MAX_DAYS,
    Context,
    build_context,
    origin,
    pool,
    roster_context,
    slot_key,
)
from shequ.duty.planning.explain import (
    check_add,
    explain,
    explanation_text,
    violation_text,
)
from shequ.duty.planning.jobs import (
    fail_dead_roster_jobs,
    roster_job_now,
    roster_job_start,
    run_roster_job,
)
from shequ.duty.planning.services import (
    Replan,
    assignment_add,
    assignment_remove,
    keep_generated,
    replan_save,
    replan_solve,
    roster_discard,
    roster_generate,
    roster_publish,
    roster_replan,
)

__all__ = [
    "MAX_DAYS",
    "Context",
    "Replan",
    "assignment_add",
    "assignment_remove",
    "build_context",
    "check_add",
    "explain",
    "explanation_text",
    "fail_dead_roster_jobs",
    "keep_generated",
    "origin",
    "pool",
    "replan_save",
    "replan_solve",
    "roster_context",
    "roster_discard",
    "roster_generate",
    "roster_job_now",
    "roster_job_start",
    "roster_publish",
    "roster_replan",
    "run_roster_job",
    "slot_key",
    "violation_text",
]
