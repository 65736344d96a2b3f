"""Times as people type them."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def city_time(when: dt.datetime | None) -> dt.datetime | None:
    """A time without a zone is the city's local time (what an officer types); aware ones pass."""
    if when is not None and timezone.is_naive(when):
        return timezone.make_aware(when)
    return when
