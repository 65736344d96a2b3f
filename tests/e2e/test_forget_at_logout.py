"""Logging out forgets what every offline page kept on the phone (core.offline.OFFLINE_STORES):
the sampling station's residents list too, not only the gate's (it used to stay)."""

from __future__ import annotations

from tests.e2e.test_browser import _log_in
from tests.testing.conftest import rnd  # noqa: F401 - the rnd fixture

COUNT = """(store) => new Promise((done) => {
    const open = indexedDB.open(store);
    open.onsuccess = () => {
        const db = open.result;
        if (!db.objectStoreNames.contains("snapshots")) { db.close(); done(-1); return; }
        const req = db.transaction("snapshots").objectStore("snapshots").count();
        req.onsuccess = () => { db.close(); done(req.result); };
    };
})"""


def test_logging_out_forgets_the_stations_residents_list(
    live_server,
    personas,
    rnd,  # noqa: F811 - the fixture imported above
    phone,
) -> None:
    _log_in(phone, live_server, "staff_a")
    phone.goto(f"{live_server.url}/testing/")
    phone.click("[data-testid=station]:has-text('1号台')")
    phone.wait_for_selector("[data-testid=st-refreshed][data-fetched]")
    assert phone.evaluate(COUNT, "shequ-station") == 1  # the residents of the station's rounds
    phone.goto(f"{live_server.url}/")
    phone.click("form[action='/logout/'] button")
    phone.wait_for_url(f"{live_server.url}/login/?bye=1")
    phone.wait_for_selector("html[data-forgot]", state="attached")
    assert phone.evaluate(COUNT, "shequ-station") == 0
