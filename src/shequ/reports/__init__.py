"""Daily reports: each community's figures for a local day, compiled from the other apps'
selectors (figures.py), reviewed, corrected with a reason and submitted; agencies' own
reports; roll-ups street → district → city with the worst communities (docs/reports.md)."""
