"""On a 360 px phone, a cadre takes a help request (我来), sets off and delivers it; the
request's timeline says who did what, and nothing is wider than the screen."""

from __future__ import annotations

from shequ.assistance.models import HelpRequest, HelpStatus
from tests.assistance.conftest import open_request
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_browser import _log_in


def test_cadre_claims_and_delivers_a_help_request_on_a_phone(live_server, personas, city, phone):
    request = open_request(personas.staff_a, city.ha1, "medical", details="透析，需送医院")
    _log_in(phone, live_server, "cadre")
    phone.goto(f"{live_server.url}/help/")
    phone.click("[data-testid=queue] a")
    phone.click("[data-testid=claim]")
    phone.wait_for_selector("[data-testid=set-off]")
    phone.click("[data-testid=set-off]")
    phone.wait_for_selector("[data-testid=deliver]")
    phone.screenshot(path=str(ARTIFACTS / "help-request-zh-360.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.click("[data-testid=deliver]")
    phone.wait_for_selector("[data-testid=status]")
    assert "已送达" in phone.inner_text("[data-testid=status]")
    timeline = phone.inner_text("[data-testid=timeline]")
    assert "已认领" in timeline
    assert "在路上" in timeline
    assert HelpRequest.objects.get(pk=request.pk).status == HelpStatus.DELIVERED
