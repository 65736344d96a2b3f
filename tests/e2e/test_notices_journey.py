"""A community worker writes a notice on a 360 px phone, publishes it to a compound, and a
resident opens it from the compound's public page: large text, nothing sideways, a reload
not counted twice. Screenshots of the editor and the resident page under artifacts/."""

from __future__ import annotations

import pytest

from shequ.notices.models import Notice
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_browser import _log_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_notice_from_the_editor_to_a_resident_s_phone(live_server, personas, city, browser):
    staff = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    page = staff.new_page()
    page.set_default_timeout(15_000)
    _log_in(page, live_server, "staff_a")
    page.goto(f"{live_server.url}/notices/new/")
    page.click("[data-testid=save]")  # empty: the form names the title and the text
    assert page.locator(".sq-field-error").count() >= 2
    page.select_option("#place", label=f"{city.ka.name} (小区)")
    page.fill("#title", "关于明天全员核酸检测的告知")
    page.fill("#body", "明天早上7点到11点在北门采样点做核酸。\n请带好手机，戴好口罩。")
    page.click("[data-testid=save]")
    page.wait_for_selector("[data-testid=publish]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(ARTIFACTS / "notice-editor-360.png"), full_page=True)
    page.click("[data-testid=publish]")
    page.wait_for_selector("[data-testid=withdraw]")
    for name, path in (("list", "/notices/"), ("answers-staff", "/notices/answers/")):
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
        page.screenshot(path=str(ARTIFACTS / f"notice-{name}-360.png"), full_page=True)
    staff.close()

    resident = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    phone = resident.new_page()
    phone.goto(f"{live_server.url}/h/{city.ka.code}/")
    phone.click("[data-testid=compound-notices] a")
    phone.wait_for_selector("[data-testid=notice-public]")
    assert "北门采样点" in phone.inner_text("[data-testid=notice-public]")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    size = phone.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.sq-public')).fontSize)"
    )
    assert size >= 18  # large text for the old and the tired
    phone.screenshot(path=str(ARTIFACTS / "notice-public-360.png"), full_page=True)
    phone.reload()
    resident.close()
    assert Notice.objects.get().opens == 1


def test_answers_on_a_phone_and_the_hotline_log_fit_360(live_server, personas, city, browser):
    from shequ.notices import answers

    answers.answer_save(
        actor=personas.hq, city=city.c, topic="核酸检测", question="封控期间还要做核酸吗？",
        text="要做。每天一次，在楼下采样点排队。", checked=True,
    )  # fmt: skip
    resident = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    phone = resident.new_page()
    phone.goto(f"{live_server.url}/n/q/{city.c.code}/")
    phone.fill("#q", "做核酸")
    phone.click("button[type=submit].weui-btn")  # a plain GET form: no script needed
    phone.wait_for_url("**q=*")
    assert "每天一次" in phone.inner_text("[data-testid=answers-public]")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path=str(ARTIFACTS / "notice-answers-360.png"), full_page=True)
    resident.close()

    desk = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    page = desk.new_page()
    _log_in(page, live_server, "staff_a")
    page.goto(f"{live_server.url}/notices/hotline/")
    page.select_option("#place", label=city.a.name)
    page.fill("#question", "要不要做核酸")
    page.click("[data-testid=suggest]")
    page.wait_for_selector("[data-testid=suggested]")
    page.select_option("#answer", index=1)
    page.click("[data-testid=log]")
    page.wait_for_selector("[data-testid=call-list] a")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(ARTIFACTS / "notice-hotline-360.png"), full_page=True)
    desk.close()
    from shequ.notices.models import HotlineCall

    assert HotlineCall.objects.get().answer_given == "要做。每天一次，在楼下采样点排队。"
