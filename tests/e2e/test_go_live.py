"""Going live on an empty deployment, as a city would on the morning of a lockdown: `shequ
init` → the HQ downloads the places template and imports it, imports its agencies and one
agency's staff (each with a phone login) → a cadre signs in with a one-time code on a 360 px
phone, sees the order, signs up and reports in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shequ.core.imports import run_import
from shequ.core.models import ImportJob
from shequ.mobilization import services
from shequ.mobilization.models import Enlistment, Staff
from shequ.places.models import Place, PlaceKind
from shequ.places.services import city_init
from shequ.residents.idcard import check_char
from tests.conftest import PASSWORD, last_code
from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e

CADRE_PHONE = "13900001234"


def _import(page, live_server, path: str, sheet, name: str) -> ImportJob:
    """Upload `sheet` on the import page at `path`, run the job as the worker would, and wait
    for the page to say it is done."""
    before = set(ImportJob.objects.values_list("pk", flat=True))
    page.goto(f"{live_server.url}{path}")
    page.set_input_files("input[type=file]", str(sheet))
    page.click("button[type=submit].weui-btn_primary")
    page.wait_for_selector("#progress")
    job = ImportJob.objects.exclude(pk__in=before).get()
    job = run_import(job.pk)
    page.wait_for_selector("#progress[data-status=done]", timeout=15_000)
    page.screenshot(path=str(ARTIFACTS / f"go-live-{name}.png"), full_page=True)
    return job


def test_init_import_and_a_cadre_signs_in_with_a_code(browser, live_server, outbox, tmp_path):
    city, _hq = city_init(city_name="兰州市", city_code="620100", username="hq", password=PASSWORD)
    desk = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    hq = desk.new_page()
    hq.set_default_timeout(15_000)
    hq.goto(f"{live_server.url}/login/")
    hq.fill("input[name=username]", "hq")
    hq.fill("input[name=password]", PASSWORD)
    hq.click("button[type=submit].weui-btn")
    hq.wait_for_url(f"{live_server.url}/")

    # Places: the template the page offers imports as it is (towns, villages and all).
    hq.goto(f"{live_server.url}/places/import/")
    with hq.expect_download() as download:
        hq.click("[data-testid=template]")
    template = tmp_path / "places.xlsx"
    download.value.save_as(template)
    job = _import(hq, live_server, "/places/import/", template, "places")
    assert job.created > 0
    assert job.rejected == 0
    community = Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("code").first()
    assert community.path.startswith(city.path)

    agencies = tmp_path / "agencies.csv"
    agencies.write_text("单位名称,单位编码,级别\n市卫健委,AGW,市级\n", encoding="utf-8")
    _import(hq, live_server, "/mobilization/agencies/import/", agencies, "agencies")

    first17 = "62010219850312001"
    staff_sheet = tmp_path / "staff.csv"
    staff_sheet.write_text(
        "姓名,身份证号,手机号码,单位编码,居住社区\n"
        f"周下沉,{first17 + check_char(first17)},{CADRE_PHONE},AGW,{community.code}\n",
        encoding="utf-8",
    )
    _import(hq, live_server, "/mobilization/staff/import/", staff_sheet, "staff")
    staff = Staff.objects.get(name="周下沉")
    assert staff.user is not None
    assert staff.user.username == CADRE_PHONE
    assert not staff.user.has_usable_password()  # no password to hand out

    order = services.order_issue(
        actor=_hq,
        title="全市干部下沉社区",
        scope=city,
        deadline=timezone.now() + dt.timedelta(hours=6),
    )
    services.enlist(actor=_hq, order=order, staff=[staff], signed_up=False)

    # The cadre, on a small phone: phone number → code → signed in.
    phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
    cadre = phone.new_page()
    cadre.set_default_timeout(15_000)
    cadre.goto(f"{live_server.url}/login/code/")
    cadre.fill("input[name=phone]", CADRE_PHONE)
    cadre.click("[data-testid=send-code]")
    cadre.wait_for_selector("input[name=code]")
    cadre.fill("input[name=code]", last_code(outbox, CADRE_PHONE))
    cadre.click("[data-testid=verify-code]")
    cadre.wait_for_url(f"{live_server.url}/")
    cadre.goto(f"{live_server.url}/mobilization/me/")
    assert "全市干部下沉社区" in cadre.inner_text("[data-testid=enlistment]")
    cadre.click("[data-testid=enlistment] button[type=submit]")  # 请战: sign up
    cadre.wait_for_selector("[data-testid=my-qr]")
    assert cadre.evaluate("document.documentElement.scrollWidth") <= 360
    cadre.screenshot(path=str(ARTIFACTS / "go-live-cadre-360.png"), full_page=True)
    cadre.click("[data-testid=my-qr]")
    cadre.wait_for_selector("img[data-testid=qr]")
    scanned = cadre.url  # what the QR code encodes

    # Reported in: the HQ (no community staff yet in a new city) confirms the arrival.
    hq.goto(scanned)
    hq.click("[data-testid=confirm]")
    hq.wait_for_selector("[data-testid=state]")
    assert Enlistment.objects.get(staff=staff).state == "reported_in"
    desk.close()
    phone.close()
