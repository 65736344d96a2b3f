"""Duty: posts, shifts and rosters (plain package for now; the Django app comes later)."""
