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


# The instants every engine stores and shows in city time: a day's margin inside Python's
# years 1 to 9999, so moving a time to UTC (to store it) or to city time (to show it) stays
# in range. Beyond them the move overflowed and the API answered 404 "Not found".
EARLIEST = dt.datetime(1, 1, 2, tzinfo=dt.UTC)
LATEST = dt.datetime(9999, 12, 30, tzinfo=dt.UTC)


def _storable_instant(value: dt.datetime) -> dt.datetime:
    try:
        instant = (timezone.make_aware(value) if timezone.is_naive(value) else value).astimezone(
            dt.UTC
        )
    except (OverflowError, ValueError):
        instant = None
    if instant is None or not EARLIEST <= instant <= LATEST:
        raise PydanticCustomError(
            "datetime_range", str(_("Give a time between the years 1 and 9999."))
        )
    # An aware time is kept in UTC: PostgreSQL refuses UTC offsets past ±15:59 (a 500), which
    # ISO 8601 and Python allow up to ±23:59. A naive one stays city time (see city_time).
    return value if timezone.is_naive(value) else instant


# The days the API plans and filters by (a roster's or a round's days, `?day=`): the present
# era, so a day plus a roster's 28 days, or a day's city-time bounds in UTC, stay storable.
# Past year 9999 they overflowed, answered 404 "Not found".
FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2199, 12, 31)


def _day_of_the_era(value: dt.date) -> dt.date:
    if not FIRST_DAY <= value <= LAST_DAY:
        raise PydanticCustomError("date_range", str(_("Give a date between 1900 and 2199.")))
    return value


# Every date-time an API operation reads (a body field or a query parameter).
Instant = Annotated[dt.datetime, AfterValidator(_storable_instant)]
# Every day an API operation plans or filters by.
Day = Annotated[dt.date, AfterValidator(_day_of_the_era)]
