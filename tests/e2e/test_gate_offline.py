"""The gate page with no network: a cadre opens the gate page, the snapshot is cached, the
network goes away, three passages are decided on the phone and queued (one refused for
fever and for the household's exit quota used a moment before), and when the network
comes back the server has exactly those three passages with the same decisions."""

from __future__ import annotations

import pytest
from django.utils import timezone

from shequ.checkpoints import services
from shequ.checkpoints.models import Passage
from shequ.duty.models import Assignment
from shequ.residents.models import Resident
from tests.checkpoints.conftest import gates, on_shift, qr  # noqa: F401 - the fixtures
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_browser import _log_in

# The cadre guards this gate on a shift running now: the gate's data is theirs while it lasts.
pytestmark = pytest.mark.usefixtures("on_shift")


def _scan(page, code: str) -> None:
    page.fill("[data-testid=gate-scan]", code)
    page.press("[data-testid=gate-scan]", "Enter")


def _checks(page, temperature: str, code: str = "green") -> None:
    page.fill("[data-testid=gate-temp]", temperature)
    page.click(f"[data-testid=code-{code}]")


def _waiting(page) -> int:
    return int(page.get_attribute("[data-testid=gate-waiting]", "data-count"))


def test_three_passages_offline_then_synced(live_server, personas, gates, phone) -> None:  # noqa: F811 - the fixture imported above
    # One exit per household per day: the second exit of household KA-1-101 is refused,
    # which the phone can only know from its own record of the first exit.
    services.rules_set(
        actor=personas.staff_a,
        community=gates.gate.community,
        rules={"exit_quota": {"people": 1, "days": 1}},
    )
    _log_in(phone, live_server, "cadre")
    phone.goto(f"{live_server.url}/checkpoints/gate/")
    phone.wait_for_url(f"{live_server.url}/checkpoints/gate/{gates.gate.pk}/")
    phone.wait_for_selector("[data-testid=gate-refreshed][data-fetched]")
    assert "北门" in phone.inner_text("h1")
    assert phone.get_attribute("[data-testid=gate-net]", "data-online") == "true"

    phone.context.set_offline(True)
    phone.wait_for_selector("[data-testid=gate-net][data-online=false]")

    # 1. 甲一 goes out: allowed.
    _scan(phone, qr(gates.p1))
    phone.click("[data-testid=gate-holder]:has-text('甲一')")
    _checks(phone, "36.5")
    decision = phone.locator("[data-testid=gate-decision]")
    assert decision.get_attribute("data-decision") == "allow"
    phone.click("[data-testid=gate-record]")
    phone.wait_for_selector("[data-testid=gate-waiting][data-count='1']")

    # 2. 甲二 of the same household, with a fever: refused for both.
    _scan(phone, qr(gates.p1))
    phone.click("[data-testid=gate-holder]:has-text('甲二')")
    _checks(phone, "38.2")
    assert decision.get_attribute("data-decision") == "refuse"
    codes = phone.eval_on_selector_all(
        "[data-testid=gate-reasons] li[data-code]", "els => els.map(e => e.dataset.code)"
    )
    assert codes == ["fever", "pass_quota_used"]
    labels = phone.inner_text("[data-testid=gate-reasons]")
    assert "37.3" in labels  # the fever reason's label from the snapshot's table
    phone.screenshot(path=str(ARTIFACTS / "gate-decision-360.png"), full_page=True)
    phone.locator("[data-testid=gate-decision]").scroll_into_view_if_needed()
    phone.screenshot(path=str(ARTIFACTS / "gate-decision-screen-360.png"))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.click("[data-testid=gate-record]")
    phone.wait_for_selector("[data-testid=gate-waiting][data-count='2']")

    # 3. 甲三 (home isolation; the only holder of that pass) comes back in: allowed, alerted.
    phone.click("[data-testid=dir-in]")
    _scan(phone, qr(gates.p2))
    assert "甲三" in phone.inner_text("[data-testid=gate-decision]")
    _checks(phone, "36.4")
    assert decision.get_attribute("data-decision") == "allow"
    assert phone.locator("[data-code=isolation_returning]").count() == 1
    phone.click("[data-testid=gate-record]")
    phone.wait_for_selector("[data-testid=gate-waiting][data-count='3']")

    assert "3" in phone.inner_text("[data-testid=gate-waiting]")
    assert phone.locator("[data-testid=gate-queued][data-state=waiting]").count() == 3
    assert Passage.objects.count() == 0

    phone.context.set_offline(False)
    phone.wait_for_selector("[data-testid=gate-waiting][data-count='0']", state="attached")
    assert _waiting(phone) == 0
    assert phone.locator("[data-testid=gate-queued]").count() == 0
    assert phone.is_hidden("[data-testid=gate-notices]")

    rows = list(Passage.objects.order_by("device_time"))
    assert len(rows) == 3
    assert [(r.resident, r.direction, r.decision) for r in rows] == [
        (gates.a1, "out", "allow"),
        (gates.a2, "out", "refuse"),
        (gates.a3, "in", "allow"),
    ]
    assert [r.device_decision for r in rows] == ["allow", "refuse", "allow"]
    assert not any(r.disagrees for r in rows)
    assert rows[1].reasons == ["fever", "pass_quota_used"]
    assert rows[1].temperature == 38.2
    assert rows[2].reasons == ["isolation_returning"]
    assert rows[2].alert
    assert {r.recorded_by for r in rows} == {personas.cadre}
    assert {r.entry_pass_id for r in rows} == {gates.p1.pk, gates.p2.pk}


def _kept_page(page) -> bool:
    """Whether the worker's cache holds this very page (what an offline reload reads)."""
    return page.evaluate(
        """() => caches.keys().then((keys) => Promise.all(
            keys.filter((k) => k.startsWith("shequ-gate-"))
                .map((k) => caches.open(k).then((c) => c.match(location.href)))
        )).then((hits) => hits.some(Boolean))"""
    )


def test_gate_page_reloads_offline_after_its_first_load(
    live_server,
    personas,
    gates,  # noqa: F811 - the fixture imported above
    phone,
) -> None:
    """One online load is enough: the worker keeps the page it came with (before, the page
    needed a second online load, the first one served by the worker)."""
    _log_in(phone, live_server, "cadre")
    url = f"{live_server.url}/checkpoints/gate/{gates.gate.pk}/"
    phone.goto(url)
    phone.wait_for_selector("[data-testid=gate-refreshed][data-fetched]")
    assert phone.evaluate("navigator.serviceWorker.ready.then(() => true)")
    phone.wait_for_function("() => navigator.serviceWorker.controller !== null")
    phone.wait_for_function(
        "() => caches.keys().then((keys) => keys.some((k) => k.startsWith('shequ-gate-')))"
    )
    phone.wait_for_timeout(300)
    assert _kept_page(phone)

    phone.context.set_offline(True)
    phone.reload()
    phone.wait_for_selector("[data-testid=gate-refreshed][data-fetched]")
    assert "北门" in phone.inner_text("h1")
    assert phone.get_attribute("[data-testid=gate-net]", "data-online") == "false"
    _scan(phone, qr(gates.p2))
    _checks(phone, "36.6")
    assert phone.get_attribute("[data-testid=gate-decision]", "data-decision") == "refuse"
    assert phone.locator("[data-code=isolation_breach]").count() == 1
    # Offline, nothing reaches the community yet: the page says the alert will go later.
    reasons = phone.inner_text("[data-testid=gate-reasons]")
    assert "已通知社区" not in reasons
    assert "联网" in phone.inner_text("[data-testid=gate-alert]")
    phone.click("[data-testid=gate-record]")
    phone.wait_for_selector("[data-testid=gate-waiting][data-count='1']")
    assert "联网后将发出提醒" in phone.inner_text("[data-testid=gate-toast]")
    assert phone.locator("[data-testid=gate-alert-waiting]").count() == 1

    phone.context.set_offline(False)
    phone.wait_for_selector("[data-testid=gate-waiting][data-count='0']", state="attached")
    assert Passage.objects.get().alert


def test_the_checkpoints_home_reloads_offline_after_its_first_load(
    live_server,
    personas,
    gates,  # noqa: F811 - the fixture imported above
    phone,
) -> None:
    """The guard's home, listing their gates, reloads with no network; its link to the gate
    page then opens the gate page from the worker too."""
    _log_in(phone, live_server, "cadre")
    phone.goto(f"{live_server.url}/checkpoints/")
    phone.wait_for_selector("[data-testid=my-gates]")
    phone.wait_for_function("() => navigator.serviceWorker.controller !== null")
    phone.wait_for_timeout(300)
    assert _kept_page(phone)
    # Another page under /checkpoints/ is not kept: the passage log is never on the phone.
    phone.goto(f"{live_server.url}/checkpoints/gate/{gates.gate.pk}/")
    phone.wait_for_selector("[data-testid=gate-refreshed][data-fetched]")

    phone.context.set_offline(True)
    phone.goto(f"{live_server.url}/checkpoints/")
    phone.wait_for_selector("[data-testid=my-gates]")
    assert "北门" in phone.inner_text("[data-testid=my-gates]")
    phone.reload()
    phone.wait_for_selector("[data-testid=my-gates]")
    phone.click("[data-testid=my-gates] a:has-text('北门')")
    phone.wait_for_selector("[data-testid=gate-refreshed][data-fetched]")
    assert "北门" in phone.inner_text("h1")

    # Logging out forgets the kept pages with the rest: the next user finds none of them.
    phone.context.set_offline(False)
    phone.goto(f"{live_server.url}/checkpoints/")
    phone.click("form[action='/logout/'] button")
    phone.wait_for_url(f"{live_server.url}/login/?bye=1")
    phone.wait_for_function(
        "() => caches.keys().then((keys) => !keys.some((k) => k.startsWith('shequ-gate-')))"
    )


def test_visitor_vehicle_search_and_a_server_disagreement(
    live_server,
    personas,
    gates,  # noqa: F811 - the fixture imported above
    phone,
) -> None:
    _log_in(phone, live_server, "cadre")
    phone.goto(f"{live_server.url}/checkpoints/gate/{gates.gate.pk}/")
    phone.wait_for_selector("[data-testid=gate-refreshed][data-fetched]")
    phone.context.set_offline(True)
    phone.wait_for_selector("[data-testid=gate-net][data-online=false]")
    # While the phone is offline the community revokes 甲一's pass: the phone cannot know.
    services.pass_revoke(actor=personas.staff_a, entry_pass=gates.p1, reason="遗失后补办")

    phone.click("[data-testid=subject-visitor]")
    phone.fill("[data-testid=gate-visitor-name]", "访客甲")
    phone.fill("[data-testid=gate-visitor-phone]", "13800000000")
    _checks(phone, "36.5")
    assert phone.get_attribute("[data-testid=gate-decision]", "data-decision") == "allow"
    phone.click("[data-testid=gate-record]")

    phone.click("[data-testid=subject-vehicle]")
    phone.fill("[data-testid=gate-plate]", "京a12345")
    _checks(phone, "36.7")
    phone.click("[data-testid=gate-record]")

    phone.click("[data-testid=subject-resident]")
    phone.fill("[data-testid=gate-search]", gates.a1.document_number[-4:])
    phone.click("[data-testid=gate-result]:has-text('甲一')")
    _checks(phone, "36.5")
    assert phone.get_attribute("[data-testid=gate-decision]", "data-decision") == "allow"
    phone.click("[data-testid=gate-record]")
    phone.wait_for_selector("[data-testid=gate-waiting][data-count='3']")

    phone.context.set_offline(False)
    phone.wait_for_selector("[data-testid=gate-waiting][data-count='0']", state="attached")
    phone.wait_for_selector("[data-testid=gate-notices] li")
    assert "甲一" in phone.inner_text("[data-testid=gate-notices]")
    visitor, vehicle, resident = Passage.objects.order_by("device_time")
    assert (visitor.subject, visitor.visitor_name, visitor.visitor_phone) == (
        "visitor",
        "访客甲",
        "13800000000",
    )
    assert (vehicle.subject, vehicle.plate, vehicle.decision) == ("vehicle", "京A12345", "allow")
    assert (resident.resident, resident.decision, resident.device_decision) == (
        gates.a1,
        "refuse",
        "allow",
    )
    assert resident.disagrees
    assert resident.reasons == ["pass_revoked"]


def test_gate_page_reads_with_javascript_off(
    live_server,
    personas,
    gates,  # noqa: F811 - the fixture imported above
    browser,
) -> None:
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = context.new_page()
    _log_in(page, live_server, "cadre")
    page.goto(f"{live_server.url}/checkpoints/gate/{gates.gate.pk}/")
    assert page.is_visible("[data-testid=gate-noscript]")
    assert page.is_visible("[data-testid=gate-rules]")
    assert page.is_hidden("[data-testid=gate-scan]")
    page.fill("input[name=pass_code]", qr(gates.p1))
    page.fill("input[name=temperature]", "36.5")
    page.select_option("select[name=health_code]", "green")
    page.click("[data-testid=gate-plain-form] button")
    page.wait_for_selector(".sq-msg-success")
    page.screenshot(path=str(ARTIFACTS / "gate-nojs-360.png"), full_page=True)
    assert Passage.objects.get().decision == "allow"
    context.close()


def test_logging_out_forgets_the_residents_kept_on_the_phone(live_server, gates, phone) -> None:  # noqa: F811 - the fixture imported above
    _log_in(phone, live_server, "cadre")
    phone.goto(f"{live_server.url}/checkpoints/gate/{gates.gate.pk}/")
    phone.wait_for_selector("[data-testid=gate-refreshed][data-fetched]")
    count = """() => new Promise((done) => {
        const open = indexedDB.open("shequ-gate");
        open.onsuccess = () => {
            const req = open.result.transaction("snapshots").objectStore("snapshots").count();
            req.onsuccess = () => done(req.result);
        };
    })"""
    assert phone.evaluate(count) == 1
    phone.click("form[action='/logout/'] button")
    phone.wait_for_url(f"{live_server.url}/login/?bye=1")
    phone.wait_for_function(
        """() => new Promise((done) => {
            const open = indexedDB.open("shequ-gate");
            open.onsuccess = () => {
                const req = open.result.transaction("snapshots").objectStore("snapshots").count();
                req.onsuccess = () => done(req.result === 0);
            };
        })"""
    )
    assert phone.evaluate(count) == 0


def _kept(page) -> int:
    return page.evaluate(
        """() => new Promise((done) => {
            const open = indexedDB.open("shequ-gate");
            open.onsuccess = () => {
                const req = open.result.transaction("snapshots").objectStore("snapshots").count();
                req.onsuccess = () => done(req.result);
            };
        })"""
    )


def test_taken_off_the_shift_the_phone_forgets_the_gates_data(
    live_server,
    gates,  # noqa: F811 - the fixture imported above
    on_shift,  # noqa: F811 - the fixture imported above
    phone,
) -> None:
    _log_in(phone, live_server, "cadre")
    phone.goto(f"{live_server.url}/checkpoints/gate/{gates.gate.pk}/")
    phone.wait_for_selector("[data-testid=gate-refreshed][data-fetched]")
    assert _kept(phone) == 1
    # A sick report approved: the cadre is off this gate. The next refresh is refused, and the
    # residents and pass codes the phone kept go with it.
    Assignment.objects.filter(pk=on_shift.pk).update(vacated_at=timezone.now())
    phone.click("[data-testid=gate-sync]")
    phone.wait_for_selector("[data-testid=gate-problem]:has-text('北门')")
    assert _kept(phone) == 0
    never = phone.evaluate("JSON.parse(document.getElementById('gate-config').textContent)")
    assert phone.inner_text("[data-testid=gate-refreshed]") == never["strings"]["never"]


def test_a_rejected_passage_leaves_the_queue_with_its_reason(
    live_server,
    personas,
    gates,  # noqa: F811 - the fixture imported above
    on_shift,  # noqa: F811 - the fixture imported above
    phone,
) -> None:
    """Offline, 甲一 and 甲二 go out; meanwhile 甲一's record is deleted. The server records
    甲二 and rejects 甲一 (unknown resident; it was a 409 for both, resent forever): the
    rejected passage is shown with the reason and never sent again — the queue is not stuck."""
    _log_in(phone, live_server, "cadre")
    phone.goto(f"{live_server.url}/checkpoints/gate/{gates.gate.pk}/")
    phone.wait_for_selector("[data-testid=gate-refreshed][data-fetched]")
    sent: list[str] = []
    phone.on("request", lambda r: sent.append(r.url) if "passages:batch" in r.url else None)
    phone.context.set_offline(True)
    phone.wait_for_selector("[data-testid=gate-net][data-online=false]")
    for kept, name in enumerate(("甲一", "甲二"), start=1):
        _scan(phone, qr(gates.p1))
        phone.click(f"[data-testid=gate-holder]:has-text('{name}')")
        _checks(phone, "36.5")
        phone.click("[data-testid=gate-record]")
        # Kept on the phone (IndexedDB) before the next scan: the page clears its form when
        # the save ends, and a scan typed before that would be cleared with it.
        phone.wait_for_selector(f"[data-testid=gate-waiting][data-count='{kept}']")
    Resident.objects.filter(pk=gates.a1.pk).delete()

    phone.context.set_offline(False)
    phone.wait_for_selector("[data-testid=gate-waiting][data-count='0']", state="attached")
    rejected = phone.locator("[data-testid=gate-queued][data-state=rejected]")
    assert rejected.count() == 1
    assert "resident_id" in rejected.inner_text()
    assert phone.locator("[data-testid=gate-queued][data-state=waiting]").count() == 0
    assert [p.resident for p in Passage.objects.all()] == [gates.a2]
    # Sending again (the button, the network coming back) sends nothing: nothing waits.
    before = len(sent)
    phone.click("[data-testid=gate-sync]")
    phone.context.set_offline(True)
    phone.context.set_offline(False)
    phone.wait_for_timeout(500)
    assert len(sent) == before == 1
    phone.reload()  # what the phone keeps: the rejection, still not waiting
    phone.wait_for_selector("[data-testid=gate-queued][data-state=rejected]")
    assert _waiting(phone) == 0
    phone.click("[data-testid=gate-queued] button")  # the guard has read it: remove it
    phone.wait_for_selector("[data-testid=gate-queued]", state="detached")
    assert Passage.objects.count() == 1


def test_a_batch_refused_whole_is_kept_shown_and_not_resent_in_a_loop(
    live_server,
    personas,
    gates,  # noqa: F811 - the fixture imported above
    on_shift,  # noqa: F811 - the fixture imported above
    phone,
) -> None:
    """A 4xx for the whole batch (a server that refuses the request itself): the passages
    stay waiting, the error is shown, and the page pauses instead of sending the same batch
    again at every chance; the send button still tries at once."""
    _log_in(phone, live_server, "cadre")
    phone.goto(f"{live_server.url}/checkpoints/gate/{gates.gate.pk}/")
    phone.wait_for_selector("[data-testid=gate-refreshed][data-fetched]")
    calls: list[int] = []

    def refuse(route) -> None:
        calls.append(1)
        route.fulfill(
            status=422,
            content_type="application/json",
            body='{"detail": "The request is malformed", "errors": []}',
        )

    phone.route("**/passages:batch", refuse)
    _scan(phone, qr(gates.p1))
    phone.click("[data-testid=gate-holder]:has-text('甲一')")
    _checks(phone, "36.5")
    phone.click("[data-testid=gate-record]")
    phone.wait_for_selector("[data-testid=gate-problem]:not([hidden])")
    assert "422" in phone.inner_text("[data-testid=gate-problem]")
    assert "malformed" in phone.inner_text("[data-testid=gate-problem]")
    assert _waiting(phone) == 1
    assert len(calls) == 1
    # The network coming and going would send again at once; during the pause it does not.
    phone.context.set_offline(True)
    phone.context.set_offline(False)
    phone.wait_for_timeout(500)
    assert len(calls) == 1
    phone.click("[data-testid=gate-sync]")  # the user asks: tried at once
    phone.wait_for_function("() => !document.querySelector('[data-testid=gate-problem]').hidden")
    phone.wait_for_timeout(500)
    assert len(calls) == 2
    phone.unroute("**/passages:batch")
    phone.click("[data-testid=gate-sync]")
    phone.wait_for_selector("[data-testid=gate-waiting][data-count='0']", state="attached")
    assert Passage.objects.get().resident == gates.a1


def test_a_scan_made_while_the_last_passage_is_kept_is_not_lost(
    live_server,
    personas,
    gates,  # noqa: F811 - the fixture imported above
    on_shift,  # noqa: F811 - the fixture imported above
    phone,
) -> None:
    """At a busy gate the guard taps Record and scans the next person at once, before the phone
    has finished keeping the first passage: the next person's form stays on screen, and a
    double tap on Record keeps one passage, not two."""
    _log_in(phone, live_server, "cadre")
    phone.goto(f"{live_server.url}/checkpoints/gate/{gates.gate.pk}/")
    phone.wait_for_selector("[data-testid=gate-refreshed][data-fetched]")
    phone.context.set_offline(True)
    phone.wait_for_selector("[data-testid=gate-net][data-online=false]")
    _scan(phone, qr(gates.p1))
    phone.click("[data-testid=gate-holder]:has-text('甲一')")
    _checks(phone, "36.5")
    # One script turn: two taps on Record, then the next pass scanned, all before IndexedDB
    # answers (its answer comes in a later turn).
    phone.evaluate(
        """code => {
          const record = document.querySelector("[data-testid=gate-record]");
          record.click();
          record.click();
          document.querySelector("[data-testid=gate-scan]").value = code;
          document.getElementById("gate-scan-form").requestSubmit();
        }""",
        qr(gates.p2),
    )
    phone.wait_for_selector("[data-testid=gate-waiting][data-count='1']")
    phone.wait_for_timeout(300)
    assert _waiting(phone) == 1
    # 甲三 is the only holder of the second pass: chosen by the scan, still on screen.
    assert "甲三" in phone.inner_text("#gate-who")
    phone.context.set_offline(False)
    phone.wait_for_selector("[data-testid=gate-waiting][data-count='0']", state="attached")
    assert [p.resident for p in Passage.objects.all()] == [gates.a1]
