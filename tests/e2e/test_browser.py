from __future__ import annotations

from playwright.sync_api import expect

from shequ.mobilization.models import Enlistment
from shequ.places.models import ZoneDesignation, ZoneLevel
from shequ.places.services import zone_set
from tests.conftest import PASSWORD
from tests.e2e.conftest import ARTIFACTS


def _log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].weui-btn")
    page.wait_for_url(f"{live_server.url}/")


def test_log_in_switch_to_english_and_open_a_compound(live_server, personas, city, phone):
    zone_set(actor=personas.street, place=city.ka, level=ZoneLevel.CONTROL, reason="周边阳性")
    _log_in(phone, live_server, "street")
    assert phone.locator("html").get_attribute("lang") == "zh-hans"
    assert phone.locator("[data-testid=count-compound]").inner_text() == "1"

    phone.click("[data-testid=lang-en]")
    phone.wait_for_selector("html[lang=en]")
    assert "Hello" in phone.inner_text("main")

    phone.click("[data-testid=nav-menu]")  # on a phone, Places is in the tab bar's menu
    phone.click("[data-testid=nav-places]")
    phone.fill("#q", "甲小区")
    phone.keyboard.press("Enter")
    phone.click("#results >> text=甲小区")
    phone.wait_for_selector("[data-testid=zone-history]")
    assert phone.inner_text("[data-testid=place-name]").startswith("甲小区")
    assert "Control zone" in phone.inner_text("[data-testid=zone-history]")
    assert "1号楼" in phone.inner_text("#children")
    phone.screenshot(path=str(ARTIFACTS / "compound-en-360.png"), full_page=True)
    # Nothing may stick out sideways on a 360 px phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360


def test_set_a_lockdown_zone_with_confirmation_on_a_phone(live_server, personas, city, phone):
    _log_in(phone, live_server, "street")
    phone.goto(f"{live_server.url}/places/{city.ka.pk}/zone/")
    phone.select_option("select[name=level]", ZoneLevel.LOCKDOWN.value)
    phone.fill("input[name=reason]", "楼内发现阳性")
    phone.click("button[type=submit].weui-btn_primary")
    phone.wait_for_selector("[data-testid=confirm-text]")
    phone.screenshot(path=str(ARTIFACTS / "zone-confirm-zh-360.png"), full_page=True)
    assert not ZoneDesignation.objects.exists()
    phone.click("button[name=confirm][value=yes]")
    phone.wait_for_selector("[data-testid=zone-history]")
    assert "封控区" in phone.inner_text("[data-testid=current-zone]")
    assert ZoneDesignation.objects.get().level == ZoneLevel.LOCKDOWN


def test_the_desk_layout_of_the_home_page(live_server, personas, city, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    _log_in(page, live_server, "hq")
    assert page.locator("[data-testid=count-household]").inner_text() == "3"
    page.screenshot(path=str(ARTIFACTS / "home-hq-1280.png"), full_page=True)
    context.close()


def test_a_wrong_password_shows_the_message_in_the_browser(live_server, personas, phone):
    phone.goto(f"{live_server.url}/login/")
    phone.fill("input[name=username]", "street")
    phone.fill("input[name=password]", "wrong")
    phone.click("button[type=submit].weui-btn")
    phone.wait_for_selector(".sq-error-box")
    assert phone.input_value("input[name=username]") == "street"
    phone.screenshot(path=str(ARTIFACTS / "login-error-zh-360.png"), full_page=True)


def test_import_residents_upload_progress_summary(live_server, personas, city, phone, tmp_path):
    from shequ.core.imports import run_import
    from shequ.core.models import ImportJob
    from shequ.residents.idcard import check_char
    from shequ.residents.models import Resident

    first17 = "62999919800517013"
    sheet = tmp_path / "居民.csv"
    sheet.write_text(
        "姓名,性别,证件号码,小区,楼栋,房号,重点人群\n"
        f"张三,男,{first17 + check_char(first17)},甲小区,1号楼,101,\n"
        f"李四,女,{first17[:-3]}024{check_char(first17[:-3] + '024')},甲小区,1号楼,102,独居老人\n",
        encoding="gb18030",
    )
    _log_in(phone, live_server, "staff_a")
    phone.goto(f"{live_server.url}/residents/import/")
    phone.set_input_files("input[type=file]", str(sheet))
    phone.click("button[type=submit].weui-btn_primary")
    phone.wait_for_selector("progress")
    job = ImportJob.objects.get()
    assert phone.locator("#progress").get_attribute("data-status") == "queued"
    phone.screenshot(path=str(ARTIFACTS / "import-queued-zh-360.png"), full_page=True)

    run_import(job.pk)  # what the background worker does; the page polls until it is done
    phone.wait_for_selector("#progress[data-status=done]", timeout=15_000)
    assert phone.inner_text("[data-testid=created]") == "2"
    assert phone.inner_text("[data-testid=rejected]") == "0"
    phone.screenshot(path=str(ARTIFACTS / "import-done-zh-360.png"), full_page=True)
    assert Resident.objects.count() == 2


def test_cadre_qr_to_check_in_to_a_rising_board(live_server, personas, city, browser, tmp_path):
    import datetime as dt

    from django.utils import timezone

    from shequ.mobilization import services
    from shequ.mobilization.models import Agency
    from tests.conftest import make_user
    from tests.mobilization.conftest import make_staff

    agency = Agency.objects.get(code="AG1")
    cadre_user = make_user("zhou")
    staff = make_staff(personas.coordinator, agency, city.a, "周下沉")
    staff.user = cadre_user
    staff.save()
    order = services.order_issue(
        actor=personas.hq,
        title="紧急通知",
        scope=city.c,
        deadline=timezone.now() + dt.timedelta(hours=6),
    )
    services.enlist(actor=personas.coordinator, order=order, staff=[staff])

    def page_for(username: str, width: int = 360):
        context = browser.new_context(viewport={"width": width, "height": 740})
        page = context.new_page()
        page.set_default_timeout(15_000)
        _log_in(page, live_server, username)
        return page

    board = page_for("hq", 1280)
    board.goto(f"{live_server.url}/mobilization/")
    assert board.inner_text("[data-testid=total-reported]") == "0"

    cadre = page_for("zhou")
    cadre.goto(f"{live_server.url}/mobilization/me/")
    cadre.click("[data-testid=my-qr]")
    cadre.wait_for_selector("img[data-testid=qr]")
    cadre.wait_for_function("() => document.querySelector('img[data-testid=qr]').naturalWidth > 0")
    cadre.screenshot(path=str(ARTIFACTS / "cadre-qr-zh-360.png"), full_page=True)
    scanned = cadre.url  # what the QR code encodes

    desk = page_for("staff_a")
    desk.goto(scanned)
    desk.click("[data-testid=confirm]")
    desk.wait_for_selector("[data-testid=state]")
    assert Enlistment.objects.get(staff=staff).state == "reported_in"

    # The board refreshes itself every 10 s. (A locator waits outside the page: a string
    # predicate would be eval'd in it, which the Content-Security-Policy refuses.)
    expect(board.locator("[data-testid=total-reported]")).to_have_text("1", timeout=20_000)
    board.screenshot(path=str(ARTIFACTS / "board-hq-1280.png"), full_page=True)
    for p in (board, cadre, desk):
        p.context.close()
