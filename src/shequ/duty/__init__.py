"""Duty: posts and their shifts, rosters, attendance, swaps and sick reports, urgent calls, hours.

The Django app has the usual files (`models`, `services`, `selectors`, `api`, `views`); the
writes beyond set-up live in `planning` (rosters: generate, explain, publish, re-plan, hand
edits), `attendance`, `changes` (swaps, sick reports), `calls` (urgent calls) and `reports`
(hours, person-times). `roster/` is the solving side, free of Django: `planning` turns the
database into a `roster.problem.Problem`, and nothing else there sees a model instance.
"""
