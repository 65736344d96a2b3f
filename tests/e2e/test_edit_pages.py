"""Two editors on a 360 px phone, as a browser submits them: a notice's last day through the
real date input (the browser sends ISO whatever the language), and a running campaign's
questions with a new one added. Screenshots go to tests/e2e/artifacts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shequ.notices.models import Notice
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_browser import _log_in
from tests.outreach.conftest import door  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db(transaction=True)


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_a_notice_s_last_day_is_kept_from_the_date_input(live_server, personas, city, phone):
    day = timezone.localdate() + dt.timedelta(days=9)
    _log_in(phone, live_server, "staff_a")
    phone.goto(f"{live_server.url}/notices/new/")
    phone.select_option("#place", str(city.a.pk))
    phone.fill("#title", "封控告知书")
    phone.fill("#body", "小区封控管理，请居家。")
    phone.fill("[data-testid=until]", day.isoformat())
    _fits(phone)
    phone.click("[data-testid=save]")
    phone.wait_for_selector("[data-testid=figures]")
    assert Notice.objects.get().until == day
    assert phone.input_value("[data-testid=until]") == day.isoformat()
    assert day.isoformat() in phone.inner_text("[data-testid=figures]")
    _fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "notice-until-360.png"), full_page=True)


def test_staff_add_a_question_to_a_running_campaign(live_server, personas, door, phone):  # noqa: F811
    _log_in(phone, live_server, "staff_a")
    phone.goto(f"{live_server.url}/outreach/c/{door.campaign.pk}/")
    phone.click("[data-testid=edit-questions]")
    rows = phone.locator("[data-testid=question-row]")
    blank = rows.nth(len(door.campaign.questions))
    blank.locator("input[name$=label]").fill("是否需要代购药品")
    blank.locator("select[name$=type]").select_option("yes_no")
    _fits(phone)
    phone.screenshot(path=str(ARTIFACTS / "campaign-questions-360.png"), full_page=True)
    phone.click("[data-testid=save-questions]")
    phone.wait_for_url(f"{live_server.url}/outreach/c/{door.campaign.pk}/")
    assert "是否需要代购药品" in phone.inner_text("body")
    door.campaign.refresh_from_db()
    assert door.campaign.questions[-1]["label"] == "是否需要代购药品"
    assert [q["key"] for q in door.campaign.questions][:4] == [
        "present", "new_arrivals", "symptoms", "people",
    ]  # fmt: skip
