"""Wide tables on a 360 px phone: the passage log's rows are cards (label: value), nothing
sticks out sideways, and a name is read on one line, not one character per line."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from shequ.checkpoints.ingest import passages_batch
from tests.checkpoints.conftest import gates, item  # noqa: F401 - the fixture is used below
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_browser import _log_in


def test_the_passage_log_is_cards_on_a_phone(live_server, personas, gates, phone):  # noqa: F811
    when = timezone.now() - dt.timedelta(minutes=30)
    passages_batch(
        actor=personas.cadre,
        items=[
            item(
                gates.gate,
                subject="visitor",
                visitor_name=f"送货师傅欧阳{n}",
                direction="in",
                temperature=36.5,
                device_time=(when + dt.timedelta(minutes=n)).isoformat(),
            )
            for n in range(3)
        ],
    )
    _log_in(phone, live_server, "staff_a")
    day = timezone.localdate(when).isoformat()
    phone.goto(f"{live_server.url}/checkpoints/passages/?day={day}")
    phone.wait_for_selector("[data-testid=passages] [data-testid=who]")
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "passage-log-360.png"), full_page=True)

    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    who = phone.locator("[data-testid=passages] [data-testid=who]").first
    # The name's own text (the cell's first text node): its width, and on how many lines.
    width, lines, font = who.evaluate(
        """td => { const r = document.createRange(); r.selectNodeContents(td.firstChild);
                   const rects = [...r.getClientRects()].filter(x => x.width > 0);
                   return [Math.max(...rects.map(x => x.width)),
                           new Set(rects.map(x => Math.round(x.top))).size,
                           parseFloat(getComputedStyle(td).fontSize)]; }"""
    )
    assert width > 4 * font  # wider than four characters …
    assert lines == 1  # … on one line
    assert who.evaluate("td => getComputedStyle(td).display") == "block"  # a card line
    label = who.evaluate("td => getComputedStyle(td, '::before').content")
    assert label.strip('"') == who.get_attribute("data-label")
