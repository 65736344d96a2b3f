"""Rostering code: benchmark-format parsing and independent roster evaluation.

Kept free of Django and of any solver so that a roster can be re-checked by anyone from the
instance definition alone.
"""
