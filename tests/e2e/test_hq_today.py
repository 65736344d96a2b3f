"""The city HQ's home at a 1280 px desk and on a 360 px phone: the picture of today with every
chart drawn by ECharts (an <svg> in each .sq-chart) and no error in the console; the
mobilization board's and the help figures' charts too. Screenshots under
tests/e2e/artifacts/screens/ (hq-today-1280.png, hq-today-360.png, …)."""

from __future__ import annotations

import datetime as dt

import pytest

from shequ.assistance.models import HelpStatus
from shequ.reports import services
from shequ.testing.models import Round
from tests.assistance.conftest import open_request
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_browser import _log_in
from tests.reports import conftest as reports_conftest

seeded = reports_conftest.seeded  # the seeded day's fixture (yesterday)

SCREENS = ARTIFACTS / "screens"
SIZES = {360: {"width": 360, "height": 740}, 1280: {"width": 1280, "height": 800}}


@pytest.fixture
def world(seeded, personas, city):
    """Yesterday's seeded figures compiled, two earlier days too, a running round over the
    city and a few help requests."""
    Round.objects.get().places.add(city.c)
    for back in (0, 1, 2):
        services.compile_reports(
            community_ids=[city.a.pk, city.b.pk], day=seeded.day - dt.timedelta(days=back)
        )
    for household in (city.ha1, city.ha2, city.hb1):
        open_request(personas.staff_a if household != city.hb1 else personas.staff_b, household)
    assert HelpStatus.NEW
    return seeded


def _open(browser, live_server, width: int):
    context = browser.new_context(viewport=SIZES[width], locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return context, page, errors


def _charts_drawn(page) -> list[str]:
    """The ids of the charts on the page that ECharts did not draw."""
    page.wait_for_load_state("networkidle")
    return page.eval_on_selector_all(
        ".sq-chart",
        "els => els.filter(e => !e.querySelector('svg, canvas')).map(e => e.dataset.chart)",
    )


@pytest.mark.parametrize("width", [1280, 360])
def test_hq_today_draws_every_chart(live_server, browser, world, city, width):
    SCREENS.mkdir(parents=True, exist_ok=True)
    context, page, errors = _open(browser, live_server, width)
    try:
        _log_in(page, live_server, "hq")
        page.wait_for_selector("[data-testid=home-today]")
        assert page.locator(".sq-chart").count() >= 6
        assert _charts_drawn(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert page.inner_text("[data-testid=today-reported_in-value]") == "9"  # postings go on
        page.screenshot(path=str(SCREENS / f"hq-today-{width}.png"), full_page=True)
        # The numbers stay readable without JavaScript, under each chart.
        assert page.locator(".sq-chart-numbers").count() == page.locator(".sq-chart").count()
        pages = (
            ("/mobilization/", "board"),
            ("/help/figures/", "help-figures"),
            (f"/checkpoints/figures/?community={city.a.pk}&day={world.day}", "gate-figures"),
            (f"/testing/rounds/{Round.objects.get().pk}/", "round"),
        )
        for path, name in pages:
            page.goto(live_server.url + path)
            assert page.locator(".sq-chart").count() == 1, path
            assert _charts_drawn(page) == [], path
            if name == "board" and width == 1280:
                page.wait_for_timeout(11_000)  # the board swaps its counts in every 10 s
                assert _charts_drawn(page) == [], "the board after its refresh"
            page.screenshot(path=str(SCREENS / f"{name}-charts-{width}.png"), full_page=True)
        assert errors == []
    finally:
        context.close()
