"""On a 360 px phone, a cadre takes a help request (我来), sets off and delivers it; the
request's timeline says who did what, and nothing is wider than the screen. And the whole
journey: a resident asks for insulin on the public page, through to the figures."""

from __future__ import annotations

from shequ.assistance.models import HelpRequest, HelpStatus
from tests.assistance.conftest import open_request
from tests.assistance.test_public import PHONE
from tests.conftest import last_code
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


SCREENS = ARTIFACTS / "screens"


def _shot(page, name: str) -> None:
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")  # else the sticky header is drawn mid-page
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, name


def test_insulin_from_the_residents_phone_to_the_communitys_figures(
    live_server, browser, personas, city, families, phone, outbox
):
    """The whole journey of issue #18 on 360 px screens: a resident asks for insulin on the
    public page (a code to the family's phone) → a cadre takes it (我来) from the home page,
    sets off, delivers → the resident taps 我收到了 → the community's figures count it."""
    phone.set_default_timeout(60_000)  # a shared, loaded machine: the first page is slow
    phone.goto(f"{live_server.url}/h/KA/")
    _shot(phone, "help-01-public-start-zh")
    phone.fill("#phone", PHONE)
    phone.click("[data-testid=send-code]")
    phone.wait_for_selector("[data-testid=code-note]")
    phone.fill("#code", last_code(outbox, PHONE))
    phone.click("[data-testid=verify]")
    phone.wait_for_selector("[data-testid=ask]")
    phone.select_option("#kind", "medicine")
    phone.fill("#details", "胰岛素两盒，冷藏")
    phone.check("input[name=urgent]")
    _shot(phone, "help-02-public-ask-zh")
    phone.click("[data-testid=ask-submit]")
    asked = HelpRequest.objects.get()
    phone.wait_for_selector(f"[data-testid=request-{asked.pk}]")
    assert "胰岛素两盒" in phone.inner_text(f"[data-testid=request-{asked.pk}]")
    _shot(phone, "help-03-public-asked-zh")

    cadre_context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    cadre = cadre_context.new_page()
    cadre.set_default_timeout(60_000)
    _log_in(cadre, live_server, "cadre")
    cadre.wait_for_selector("[data-testid=home-help-new-list]")
    _shot(cadre, "help-04-cadre-home-zh")
    cadre.click(f"[data-testid=home-claim-{asked.pk}]")
    cadre.wait_for_selector("[data-testid=set-off]")
    _shot(cadre, "help-05-cadre-claimed-zh")
    cadre.click("[data-testid=set-off]")
    cadre.wait_for_selector("[data-testid=deliver]")
    cadre.click("[data-testid=deliver]")
    cadre.wait_for_selector("[data-testid=timeline]")
    assert "已送达" in cadre.inner_text("[data-testid=status]")
    _shot(cadre, "help-06-cadre-delivered-zh")
    cadre_context.close()

    phone.goto(f"{live_server.url}/h/KA/")
    phone.wait_for_selector(f"[data-testid=confirm-{asked.pk}]")
    _shot(phone, "help-07-public-delivered-zh")
    phone.click(f"[data-testid=confirm-{asked.pk}]")
    phone.wait_for_selector(f"[data-testid=request-{asked.pk}]")
    assert phone.locator(f"[data-testid=confirm-{asked.pk}]").count() == 0
    _shot(phone, "help-08-public-confirmed-zh")
    assert HelpRequest.objects.get(pk=asked.pk).status == HelpStatus.CONFIRMED

    staff_context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    staff = staff_context.new_page()
    staff.set_default_timeout(60_000)
    _log_in(staff, live_server, "staff_a")
    staff.goto(f"{live_server.url}/help/figures/")
    staff.wait_for_selector("[data-testid=figures]")
    assert staff.inner_text(f"[data-testid=delivered-{city.a.code}]") == "1"
    _shot(staff, "help-09-figures-zh")
    staff_context.close()


def test_staff_pick_the_resident_by_typing_a_name_on_a_phone(
    live_server, personas, city, families, phone
):
    """With htmx the matches come as one types (no Search press, nothing reloaded)."""
    phone.set_default_timeout(60_000)
    _log_in(phone, live_server, "staff_a")
    phone.goto(f"{live_server.url}/help/new/")
    phone.fill("textarea[name=details]", "降压药一盒")
    phone.type("input[name=household]", "张阿")
    phone.wait_for_selector("#matches input[type=radio]")
    assert "张阿姨" in phone.inner_text("#matches")
    assert phone.input_value("textarea[name=details]") == "降压药一盒"  # nothing was reloaded
    phone.check("#matches input[type=radio]")
    phone.select_option("select[name=kind]", "medicine")
    _shot(phone, "help-10-staff-picker-zh")
    phone.click("[data-testid=open-request]")
    phone.wait_for_selector("[data-testid=request]")
    created = HelpRequest.objects.get()
    assert created.household == city.ha1
    assert created.resident.name == "张阿姨"
