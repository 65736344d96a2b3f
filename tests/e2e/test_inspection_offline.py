"""The inspector's phone page with no network (inspections/phone_views.py, phone.js): the page
is opened once online, the network goes away, the page reloads from the service worker, two
visits are recorded on the phone (问/查/看, one problem with a note); one of them turns out to
be older than seven days when the network comes back (its time is moved back on the phone):
the good visit is recorded on the server and leaves the phone, the bad one stays, marked with
the server's reason, and is removed by hand."""

from __future__ import annotations

import pytest

from shequ.inspections.models import Finding, Visit
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_browser import _log_in
from tests.inspections.conftest import insp  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db(transaction=True)

# Moves a queued visit's time back eight days in the phone's database (what a phone that
# kept a visit too long would send), by the page's own schema.
AGE = """(uuid) => {
  const db = new Dexie("shequ-inspect");
  db.version(1).stores({snapshots: "user_id", queue: "client_uuid, user_id, created_at"});
  const old = new Date(Date.now() - 8 * 24 * 3600 * 1000).toISOString();
  return db.queue.update(uuid, {"item.visited_at": old}).then((n) => { db.close(); return n; });
}"""


# The phone page tries to send again every 20 s (phone.js, syncEveryMs).
SYNC_WAIT_MS = 35_000


def _waiting(page) -> int:
    return int(page.get_attribute("[data-testid=ip-waiting]", "data-count"))


def _record(page, target: str, problem_note: str = "") -> None:
    page.select_option("[data-testid=ip-target]", label=target)
    items = page.locator("[data-testid=ip-item]")
    for n in range(items.count()):
        items.nth(n).locator("[data-testid=ip-ok]").click()
    if problem_note:
        second = items.nth(1)
        second.locator("[data-testid=ip-problem-choice]").click()
        second.locator("[data-testid=ip-note]").fill(problem_note)
    page.click("[data-testid=ip-record]")


def _wait_for_worker(page) -> None:
    """Until the service worker controls the page and its cache holds the page itself (what
    an offline reload reads)."""
    page.wait_for_selector("[data-testid=ip-refreshed][data-fetched]")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function(
        """() => caches.keys().then((keys) => Promise.all(
            keys.filter((k) => k.startsWith("shequ-inspect-"))
                .map((k) => caches.open(k).then((c) => c.match(location.href)))
        )).then((hits) => hits.some(Boolean))"""
    )


def test_visits_recorded_offline_then_synced_one_refused(live_server, insp, phone) -> None:  # noqa: F811 - the fixture imported above
    _log_in(phone, live_server, "inspector")
    url = f"{live_server.url}/inspections/phone/"
    phone.goto(url)
    _wait_for_worker(phone)

    phone.context.set_offline(True)
    phone.reload()
    phone.wait_for_selector("[data-testid=ip-net][data-online=false]")
    assert "东区第一轮督导" in phone.inner_text("[data-testid=ip-plan]")
    sections = phone.inner_text("[data-testid=ip-items]")
    assert "卡口是否有人值守" in sections

    # A problem without a note is not kept: the page names the item.
    phone.select_option("[data-testid=ip-target]", label="甲社区")
    phone.locator("[data-testid=ip-item]").nth(1).locator("[data-testid=ip-problem-choice]").click()
    phone.click("[data-testid=ip-record]")
    assert phone.is_visible("[data-testid=ip-form-error]")

    _record(phone, "甲社区", problem_note="登记缺页")
    phone.wait_for_selector("[data-testid=ip-waiting][data-count='1']")
    _record(phone, "甲超市 (甲小区)")
    phone.wait_for_selector("[data-testid=ip-waiting][data-count='2']")
    assert "2" in phone.inner_text("[data-testid=ip-waiting]")
    assert Visit.objects.count() == 0
    phone.screenshot(path=str(ARTIFACTS / "inspection-offline-360.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360

    # The shop's visit waited too long on the phone; the page reloads (offline) with both.
    shop_uuid = phone.get_attribute("[data-testid=ip-queued] >> nth=0", "data-uuid")
    assert phone.evaluate(AGE, shop_uuid) == 1
    phone.reload()
    phone.wait_for_selector("[data-testid=ip-waiting][data-count='2']")

    # The network back, the phone sends at once; a send that meets the network not yet up
    # is tried again within the page's 20 s: wait that long and more.
    phone.context.set_offline(False)
    phone.wait_for_selector(
        "[data-testid=ip-waiting][data-count='0']", state="attached", timeout=SYNC_WAIT_MS
    )
    bad = phone.locator("[data-testid=ip-queued][data-state=rejected]")
    bad.wait_for()
    assert bad.count() == 1
    assert bad.get_attribute("data-uuid") == shop_uuid
    assert "7" in bad.locator("[data-testid=ip-error]").inner_text()
    assert phone.locator("[data-testid=ip-queued][data-state=waiting]").count() == 0
    assert "1" in phone.inner_text("[data-testid=ip-rejected]")
    phone.screenshot(path=str(ARTIFACTS / "inspection-synced-360.png"), full_page=True)

    [visit] = Visit.objects.all()
    assert visit.place == insp.plan.place.__class__.objects.get(name="甲社区")
    assert visit.inspector == insp.inspector
    assert visit.premises is None
    assert [f.result for f in Finding.objects.filter(visit=visit).order_by("item__position")] == [
        "ok",
        "problem",
        "ok",
    ]
    assert Finding.objects.get(visit=visit, result="problem").note == "登记缺页"

    # The refused visit is removed by hand; nothing is left on the phone.
    bad.locator("[data-testid=ip-remove]").click()
    phone.wait_for_selector("[data-testid=ip-queued]", state="detached")
    assert phone.is_hidden("[data-testid=ip-rejected]")


# Empties the note of the visit's problem on the phone (a record the page would not make,
# as from an older version of it): the server refuses it naming the item.
NO_NOTE = """(uuid) => {
  const db = new Dexie("shequ-inspect");
  db.version(1).stores({snapshots: "user_id", queue: "client_uuid, user_id, created_at"});
  return db.queue.get(uuid).then((row) => {
    row.item.answers.forEach((a) => { if (a.result === "problem") a.note = ""; });
    return db.queue.put(row);
  }).then(() => { db.close(); return true; });
}"""


def test_a_refused_visit_is_corrected_and_sent_again(live_server, insp, phone) -> None:  # noqa: F811 - the fixture imported above
    _log_in(phone, live_server, "inspector")
    phone.goto(f"{live_server.url}/inspections/phone/")
    _wait_for_worker(phone)
    phone.context.set_offline(True)
    phone.wait_for_selector("[data-testid=ip-net][data-online=false]")
    _record(phone, "甲社区", problem_note="登记缺页")
    phone.wait_for_selector("[data-testid=ip-waiting][data-count='1']")
    uuid = phone.get_attribute("[data-testid=ip-queued]", "data-uuid")
    assert phone.evaluate(NO_NOTE, uuid)
    phone.reload()
    phone.wait_for_selector("[data-testid=ip-waiting][data-count='1']")

    phone.context.set_offline(False)
    bad = phone.locator("[data-testid=ip-queued][data-state=rejected]")
    bad.wait_for(timeout=SYNC_WAIT_MS)
    assert "出入登记是否完整" in bad.locator("[data-testid=ip-error]").inner_text()
    assert Visit.objects.count() == 0
    phone.wait_for_selector("[data-testid=ip-refreshed][data-fetched]")
    phone.evaluate("document.querySelector('[data-testid=ip-rows]').scrollIntoView()")
    phone.screenshot(path=str(ARTIFACTS / "inspection-refused-360.png"))

    bad.locator("[data-testid=ip-fix]").click()
    assert (
        phone.input_value("[data-testid=ip-target]")
        == f"place:{Visit._meta.get_field('place').related_model.objects.get(name='甲社区').pk}"
    )
    phone.locator("[data-testid=ip-item]").nth(1).locator("[data-testid=ip-note]").fill("补登")
    phone.click("[data-testid=ip-record]")
    phone.wait_for_selector("[data-testid=ip-queued]", state="detached")
    [visit] = Visit.objects.all()
    assert str(visit.client_uuid) == uuid  # the same visit, corrected
    assert Finding.objects.get(visit=visit, result="problem").note == "补登"
