"""Duty's pages, one module per feature; `duty/urls.py` routes to each module's views.

- `setup`: a planner's home, a community's posts and rules, what a shift needs;
- `rosters`: make a roster, the grid and its hand edits, publish / re-plan / discard, Excel;
- `me`: the person on duty's own shifts, check-in and check-out, calendar feed, post QR codes;
- `changes`: swap and sick requests; `calls`: urgent calls; `hours`: person-times and hours.

Views parse the request, call one selector or service and render; the reads are in
`duty.selectors` (and `attendance.selectors`), the writes in the services.
"""
