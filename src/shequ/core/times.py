"""Times as people type them."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.utils import timezone
from django.utils.translation import gettext as _
from pydantic import AfterValidator, WithJsonSchema
from pydantic_core import PydanticCustomError


def city_time(when: dt.datetime | None) -> dt.datetime | None:
    """A time without a zone is the city's local time (what an officer types); aware ones pass."""
    if when is not None and timezone.is_naive(when):
        return timezone.make_aware(when)
    return when


def _time_of_day(value: dt.time) -> dt.time:
    if value.tzinfo is not None:
        raise PydanticCustomError(
            "time_with_zone",
            str(_("Give a time of day in city time without a zone, e.g. 08:00.")),
        )
    return value


# A time of day (a post's or a site's opening hours, a shift's start) is a wall-clock time in
# the city, the same every day. One with a zone (`08:00:00+08:00`) has no single meaning over
# the year and cannot be stored (SQLite refused it with a 500; PostgreSQL dropped the zone),
# so the API refuses it with a 422 naming the field. Every time-of-day field uses this type.
# The schema says so: JSON Schema's `format: time` is RFC 3339's, which requires the zone.
TIME_OF_DAY = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$"
CityTime = Annotated[
    dt.time,
    AfterValidator(_time_of_day),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": TIME_OF_DAY,
            "description": "A time of day in city time, without a zone: 08:00 or 08:00:00.",
            "example": "08:00",
        }
    ),
]
