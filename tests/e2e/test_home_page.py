"""On a 360 px phone, a cadre starts the shift from the home page: Check in, then Open my gate."""

from __future__ import annotations

from django.utils import timezone

from shequ.duty.models import Attendance
from tests.duty.helpers import day_shift, put, roster_for
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_browser import _log_in


def test_cadre_checks_in_from_the_home_page_on_a_phone(live_server, personas, city, duty, phone):
    today = timezone.localdate()
    roster = roster_for(personas.staff_a, city.a, today, days=2)
    put(roster, day_shift(duty), today, duty.people[0], starts_at=timezone.now())
    _log_in(phone, live_server, "cadre")
    phone.wait_for_selector("[data-testid=home-shift-now]")
    phone.screenshot(path=str(ARTIFACTS / "home-cadre-zh-360.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.click("[data-testid=home-check-in]")
    phone.wait_for_selector("[data-testid=checked-in]")  # on My shifts, like its own button
    assert Attendance.objects.get(staff=duty.people[0]).post == duty.gate
    phone.goto(f"{live_server.url}/")
    assert phone.locator("[data-testid=home-check-out]").count() == 1
    phone.click("[data-testid=home-open-gate]")
    phone.wait_for_url(f"{live_server.url}/checkpoints/gate/{duty.gate.pk}/")
