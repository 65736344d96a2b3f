"""A cadre walks their building at 360 px (outreach doors page, doors.js): "my buildings",
then three doors in walking order — done, nobody home, and (with the network gone) a new
arrival; back online the kept outcome is sent once, and the campaign board counts all three.
Screenshots of each page at 360 px go to tests/e2e/artifacts."""

from __future__ import annotations

import pytest

from shequ.outreach import services
from shequ.outreach.models import Proposal, Visit
from tests.conftest import make_place
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_browser import _log_in
from tests.outreach.conftest import door  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db(transaction=True)


def _waiting(page) -> str:
    return page.get_attribute("[data-testid=od-waiting]", "data-count")


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def _wait_for_worker(page) -> None:
    page.wait_for_selector("[data-testid=od-refreshed][data-fetched]")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function(
        """() => caches.keys().then((keys) => Promise.all(
            keys.filter((k) => k.startsWith("shequ-doors-"))
                .map((k) => caches.open(k).then((c) => c.match(location.href)))
        )).then((hits) => hits.some(Boolean))"""
    )


def _door(page, name: str):
    return page.locator("[data-testid=od-door-row]", has_text=name)


def test_a_cadre_walks_three_doors_one_offline_and_the_board_counts_them(
    live_server,
    door,  # noqa: F811 - the fixture imported above
    city,
    personas,
    phone,
) -> None:
    make_place("household", "KA-1-201", "201室", city.ka1)
    services.campaign_add_tasks(actor=personas.staff_a, campaign=door.campaign)
    _log_in(phone, live_server, "cadre")
    assert phone.locator("[data-testid=home-doors]").is_visible()

    phone.goto(f"{live_server.url}/outreach/mine/")
    phone.wait_for_selector("[data-testid=my-building]")
    phone.screenshot(path=str(ARTIFACTS / "outreach-mine-360.png"), full_page=True)
    _fits(phone)
    phone.click("[data-testid=my-building] a")
    _wait_for_worker(phone)
    rows = phone.locator("[data-testid=od-door-row]")
    assert [rows.nth(n).locator("[data-testid=od-open]").inner_text() for n in range(3)] == [
        "101室",
        "102室",
        "201室",
    ]
    phone.screenshot(path=str(ARTIFACTS / "outreach-doors-360.png"), full_page=True)
    _fits(phone)

    # Door 1: done, with the answers (a required one left out first: the page says which).
    _door(phone, "101室").locator("[data-testid=od-open]").click()
    phone.wait_for_selector("[data-testid=od-panel]")
    phone.click("[data-testid=od-outcome-done]")
    assert "是否在家" in phone.inner_text("[data-testid=od-error]")
    phone.locator("[data-testid=od-question][data-key=present] input[value=yes]").check()
    phone.select_option("#od-q-symptoms", "无")
    phone.screenshot(path=str(ARTIFACTS / "outreach-door-panel-360.png"), full_page=True)
    _fits(phone)
    phone.click("[data-testid=od-outcome-done]")
    phone.wait_for_selector("[data-testid=od-door-row][data-status=done] >> text=101室")

    # Door 2: nobody home (counted, still to knock again).
    _door(phone, "102室").locator("[data-testid=od-open]").click()
    phone.click("[data-testid=od-outcome-nobody_home]")
    phone.wait_for_selector("[data-testid=od-door-row][data-status=nobody_home] >> text=102室")
    assert Visit.objects.count() == 2

    # Door 3 with the network gone: a new arrival, kept on the phone.
    phone.context.set_offline(True)
    phone.reload()
    phone.wait_for_selector("[data-testid=od-net][data-online=false]")
    _door(phone, "201室").locator("[data-testid=od-open]").click()
    phone.locator("[data-testid=od-question][data-key=present] input[value=yes]").check()
    phone.click("[data-testid=od-arrival] summary")
    phone.fill("[data-testid=od-arrival-name]", "钱新来")
    phone.fill("[data-testid=od-arrival-from]", "上海")
    phone.click("[data-testid=od-outcome-done]")
    phone.wait_for_selector("[data-testid=od-waiting][data-count='1']")
    assert _door(phone, "201室").get_attribute("data-status") == "waiting"
    phone.screenshot(path=str(ARTIFACTS / "outreach-offline-360.png"), full_page=True)
    _fits(phone)
    assert Visit.objects.count() == 2

    phone.context.set_offline(False)
    phone.wait_for_selector("[data-testid=od-waiting][data-count='0']", state="attached")
    phone.wait_for_selector("[data-testid=od-door-row][data-status=done] >> text=201室")
    assert Visit.objects.count() == 3
    assert Proposal.objects.get().name == "钱新来"

    # The campaign board counts all three.
    phone.goto(f"{live_server.url}/outreach/c/{door.campaign.pk}/")
    assert phone.get_attribute("[data-testid=count-done]", "data-count") == "2"
    assert phone.get_attribute("[data-testid=count-nobody_home]", "data-count") == "1"
    row = phone.locator(f"[data-testid=building-row][data-building='{city.ka1.pk}']")
    assert row.locator("td").nth(1).inner_text() == "2"
    phone.screenshot(path=str(ARTIFACTS / "outreach-board-360.png"), full_page=True)
    _fits(phone)


def test_staff_pages_fit_a_phone(live_server, door, city, personas, phone) -> None:  # noqa: F811
    task = door.campaign.tasks.get(household=city.ha1)
    _log_in(phone, live_server, "staff_a")
    for name, path in (
        ("list", "/outreach/"),
        ("new", "/outreach/new/"),
        ("task", f"/outreach/t/{task.pk}/"),
        ("proposals", "/outreach/proposals/"),
    ):
        phone.goto(f"{live_server.url}{path}")
        phone.screenshot(path=str(ARTIFACTS / f"outreach-{name}-360.png"), full_page=True)
        _fits(phone)
