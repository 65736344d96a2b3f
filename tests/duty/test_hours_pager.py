"""Page 2 of the hours report is page 2 of the same report (it used to fall back to the
default grouping and the last 7 days: the pager dropped by, from and to)."""

from __future__ import annotations

import datetime as dt
import re

from django.urls import reverse
from django.utils import timezone

from shequ.duty.models import Attendance, AttendanceSource


def _next_link(html: str) -> str:
    found = re.search(r'href="([^"]*)" rel="next"', html)
    assert found, "no next page link"
    return found.group(1).replace("&amp;", "&")


def test_page_two_of_the_hours_report_keeps_its_filters(personas, city, duty, login, settings):
    settings.PAGE_SIZE = 1
    day = timezone.localdate() - dt.timedelta(days=20)  # outside the default last 7 days
    start = timezone.make_aware(dt.datetime.combine(day, dt.time(8, 0)))
    for person in duty.people[:3]:
        Attendance.objects.create(
            staff=person,
            post=duty.gate,
            community=city.a,
            day=day,
            check_in_at=start,
            check_out_at=start + dt.timedelta(hours=4),
            minutes=240,
            in_source=AttendanceSource.APP,
            out_source=AttendanceSource.APP,
            recorded_by=personas.staff_a,
        )
    client = login(personas.staff_a)
    filters = {"by": "person", "from": day.isoformat(), "to": day.isoformat()}
    first = client.get(reverse("duty:hours"), filters).content.decode()
    assert "4.0" in first
    second = client.get(reverse("duty:hours") + _next_link(first)).content.decode()
    assert f'value="{day.isoformat()}"' in second  # the same days
    assert "4.0" in second  # the second person's hours on that day, not an empty report
    assert "No attendance in these days." not in second
