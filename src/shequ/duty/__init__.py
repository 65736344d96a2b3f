"""Duty: posts and their shifts, rosters, attendance, swaps and sick reports, urgent calls, hours.

The Django app's faces are `views/` (pages, one module per feature, routed by `urls`) and `api`
(/api/v1/duty); both parse input, call one selector or service, and answer. Reads live in
`selectors` (every object fetched by id goes through a `get_<model>_for`: 404 out of sight)
and `attendance.selectors`; writes in the services, each one transaction with its audit row:

- `services`: set-up (posts, shifts, what they need, a community's rules, duty requests);
- `planning/`: rosters (build the solver's problem, explain, generate, re-plan, publish, edit);
- `attendance/`: check-in and check-out, offline batches, entries by hand, overtime, no-shows;
- `changes` (swaps, sick reports), `calls` (urgent calls), `reports` (hours, person-times).

`roster/` is the solving side, free of Django: `planning.context` turns the database into a
`roster.problem.Problem`, and nothing there sees a model instance. `admin` shows duty's models
read-only; `demo` fills the demo city.
"""
