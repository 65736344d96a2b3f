"""The disinfection checklist at 360 px (the community's page: due / done / missed, missed in
red), and the cadre's phone checklist with no network: opened once online, reloaded offline,
"Done" tapped on an area, the round waits on the phone and is recorded once the network is
back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shequ.patrols import services
from shequ.patrols.models import Area, Round
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_browser import _log_in

pytestmark = pytest.mark.django_db(transaction=True)


def _area(personas, city) -> Area:
    """The stairwell of KA-1, set up yesterday, due three hours ago, now and in three hours."""
    now = timezone.localtime()
    minute = now.hour * 60 + now.minute
    times = sorted({(minute + d) % 1440 for d in (-180, 0, 180)})
    area = services.area_create(
        actor=personas.staff_a, place=city.ka1, kind="stairwell", name="1号楼楼道",
        times=times, tolerance=60,
    )  # fmt: skip
    Area.objects.filter(pk=area.pk).update(created_at=timezone.now() - dt.timedelta(days=1))
    services.area_create(
        actor=personas.staff_a, place=city.ka, kind="gate", name="甲小区北门", times=[minute]
    )
    return area


def _wait_for_worker(page) -> None:
    page.wait_for_selector("[data-testid=pt-refreshed][data-fetched]")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function(
        """() => caches.keys().then((keys) => Promise.all(
            keys.filter((k) => k.startsWith("shequ-patrols-"))
                .map((k) => caches.open(k).then((c) => c.match(location.href)))
        )).then((hits) => hits.some(Boolean))"""
    )


def test_the_checklist_fits_a_small_phone_with_missed_in_red(live_server, personas, city, phone):
    _area(personas, city)
    _log_in(phone, live_server, "cadre")
    phone.goto(f"{live_server.url}/patrols/")
    statuses = phone.locator("[data-testid=slot]").evaluate_all(
        "(els) => els.map((e) => e.dataset.status)"
    )
    assert "due" in statuses
    if timezone.localtime().hour >= 4:  # three hours ago was today: missed, shown in red
        missed = phone.locator("[data-testid=slot][data-status=missed]").first
        assert missed.evaluate("(e) => getComputedStyle(e).color") == "rgb(198, 40, 40)"
    phone.click("[data-testid=done] >> nth=0")
    phone.wait_for_selector("[data-testid=slot][data-status=done]")
    assert Round.objects.filter(by=personas.cadre).count() == 1
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path=str(ARTIFACTS / "patrols-checklist-360.png"), full_page=True)


def test_a_round_tapped_offline_is_recorded_when_the_network_is_back(
    live_server, personas, city, phone
):
    area = _area(personas, city)
    _log_in(phone, live_server, "cadre")
    phone.goto(f"{live_server.url}/patrols/phone/")
    _wait_for_worker(phone)
    assert "1号楼楼道" in phone.inner_text("[data-testid=pt-areas]")

    phone.context.set_offline(True)
    phone.reload()
    phone.wait_for_selector("[data-testid=pt-net][data-online=false]")
    stairwell = phone.locator(f"[data-testid=pt-area][data-area='{area.pk}']")
    stairwell.locator("[data-testid=pt-done]").click()
    phone.wait_for_selector("[data-testid=pt-waiting][data-count='1']")
    assert stairwell.locator("[data-testid=pt-slot][data-status=queued]").count() == 1
    assert not Round.objects.exists()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot(path=str(ARTIFACTS / "patrols-offline-360.png"), full_page=True)

    phone.context.set_offline(False)
    phone.wait_for_selector("[data-testid=pt-waiting][data-count='0']", state="attached")
    stairwell.locator("[data-testid=pt-slot][data-status=done]").wait_for()
    [the_round] = Round.objects.all()
    assert (the_round.area, the_round.by) == (area, personas.cadre)
    assert phone.locator("[data-testid=pt-queued]").count() == 0
    phone.screenshot(path=str(ARTIFACTS / "patrols-synced-360.png"), full_page=True)


def test_every_patrol_page_fits_a_small_phone(live_server, personas, city, phone):
    area = _area(personas, city)
    services.round_record(actor=personas.cadre, area=area, note="楼道扶手、按钮全面消杀")
    finding = services.finding_record(
        actor=personas.cadre, place=city.ka, kind="shop_open", spot="兴旺超市",
        note="店内堂食，未按规定暂停营业", assignee=personas.staff_a,
    )  # fmt: skip
    _log_in(phone, live_server, "staff_a")
    pages = {
        "setup": "/patrols/setup/",
        "history": "/patrols/rounds/",
        "findings": "/patrols/findings/",
        "new-finding": "/patrols/findings/new/",
        "finding": f"/patrols/findings/{finding.pk}/",
    }
    for name, path in pages.items():
        phone.goto(f"{live_server.url}{path}")
        assert phone.evaluate("document.documentElement.scrollWidth") <= 360, name
        phone.screenshot(path=str(ARTIFACTS / f"patrols-{name}-360.png"), full_page=True)
    phone.goto(f"{live_server.url}/patrols/rounds/")
    phone.wait_for_selector("[data-testid=chart] svg, [data-testid=chart] canvas")
