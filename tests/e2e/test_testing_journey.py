"""The mass-testing journey in a real browser on a 360 px phone: community staff scan a tube
and ten people with the keyboard (a scanner types, then Enter) — nine by their resident
number, one by the ID card — and the tube closes by itself at ten; a person sampled at
another station is refused with where; an ID card scanned as the next tube is refused; the
staff tick their tube on the transfer page (the button counts it); the lab types the count
it received and marks the tube positive; the recall list shows the ten."""

from __future__ import annotations

from shequ.testing.ingest import swabs_batch
from shequ.testing.models import Recall, Tube, TubeStatus
from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_browser import _log_in
from tests.testing.conftest import rnd, swab  # noqa: F401 - the rnd fixture


def _scan(page, text: str) -> None:
    page.fill("[data-testid=st-scan]", text)
    page.press("[data-testid=st-scan]", "Enter")


def test_scan_ten_into_a_tube_lab_marks_positive_recall_shows_ten(
    live_server,
    personas,
    rnd,  # noqa: F811 - the fixture imported above
    phone,
) -> None:
    # a10 was sampled a moment ago at the other station of the site.
    swabs_batch(actor=personas.staff_a, items=[swab(rnd, "S2-00001", rnd.a[10], station=rnd.s2)])
    _log_in(phone, live_server, "staff_a")
    phone.goto(f"{live_server.url}/testing/")
    phone.click("[data-testid=station]:has-text('1号台')")
    phone.wait_for_selector("[data-testid=st-refreshed][data-fetched]")
    assert phone.get_attribute("[data-testid=st-prompt]", "data-mode") == "tube"

    _scan(phone, "T0000100")
    phone.wait_for_selector("[data-testid=st-prompt][data-mode=person]")
    tube = phone.locator("[data-testid=st-tube]")
    assert tube.get_attribute("data-size") == "10"
    for n, resident in enumerate(rnd.a[:9], start=1):
        _scan(phone, str(resident.pk))
        phone.wait_for_selector(f"[data-testid=st-tube][data-count='{n}']")
    phone.screenshot(path=str(ARTIFACTS / "testing-station-360.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    a9 = rnd.a[9]
    a9.refresh_from_db()
    _scan(phone, a9.document_number)  # the ID card, as a scanner types it
    # Ten in a pool of ten: the tube is closed and the page asks for the next tube.
    phone.wait_for_selector("[data-testid=st-prompt][data-mode=tube]")
    # The next person's ID card scanned now is no tube: the page says to scan the tube first.
    a10 = rnd.a[10]
    a10.refresh_from_db()
    _scan(phone, a10.document_number)
    phone.wait_for_selector("[data-testid=st-toast]:has-text('请先扫试管')")
    assert phone.get_attribute("[data-testid=st-prompt]", "data-mode") == "tube"
    phone.wait_for_selector("[data-testid=st-waiting][data-count='0']", state="attached")
    phone.wait_for_function(
        "() => document.querySelectorAll('[data-testid=st-row][data-state=done]').length === 10"
    )
    t100 = Tube.objects.get(barcode="T0000100")
    assert t100.status == TubeStatus.CLOSED
    assert sorted(t100.samples.values_list("resident__name", flat=True)) == sorted(
        f"a{i}" for i in range(10)
    )

    # A person already sampled at station 2: the server refuses and says where.
    _scan(phone, "T0000101")
    _scan(phone, str(rnd.a[10].pk))
    phone.wait_for_selector("[data-testid=st-row][data-state=rejected]")
    message = phone.inner_text("[data-testid=st-row-message]")
    assert "2号台" in message
    assert "S2-00001" in message
    phone.screenshot(path=str(ARTIFACTS / "testing-station-refused-360.png"), full_page=True)
    # The same person twice on this phone is stopped before it is queued.
    _scan(phone, str(rnd.a[0].pk))
    phone.wait_for_selector("[data-testid=st-toast]:has-text('a0')")
    assert not Tube.objects.filter(barcode="T0000101", samples__isnull=False).exists()

    # The community hands T0000100 to the lab (交接单 J-1) from the transfer page: nothing is
    # ticked for them, and the button counts what they tick.
    phone.goto(f"{live_server.url}/testing/rounds/{rnd.round.pk}/transfers/")
    send = phone.locator("[data-testid=transfer-send]")
    assert send.is_disabled()
    assert phone.locator("input[name=tube]:checked").count() == 0
    phone.fill("input[name=code]", "J-1")
    phone.check("input[name=tube][value=T0000100]")
    phone.wait_for_selector("[data-testid=transfer-send][data-count='1']")
    assert send.inner_text() == "发送 1 管"
    phone.screenshot(path=str(ARTIFACTS / "testing-transfer-360.png"), full_page=True)
    send.click()
    phone.wait_for_selector("[data-testid=transfers] >> text=J-1")
    assert Tube.objects.get(barcode="T0000100").status == TubeStatus.SENT

    lab = phone.context.browser.new_context(viewport={"width": 360, "height": 740})
    lab_page = lab.new_page()
    lab_page.set_default_timeout(15_000)
    try:
        _log_in(lab_page, live_server, "lab")
        lab_page.goto(f"{live_server.url}/testing/lab/")
        assert "J-1" in lab_page.inner_text("[data-testid=transfers]")
        # The lab counts the tubes and types the number: the box is not filled for them.
        count = lab_page.locator("input[name$=received_count]")
        assert count.input_value() == ""
        count.fill("1")
        lab_page.click("[data-testid=receive]")
        lab_page.wait_for_selector("text=J-1")
        lab_page.select_option("select[name=round]", str(rnd.round.pk))
        lab_page.fill("input[name=barcode]", "T0000100")
        lab_page.check("input[name=result][value=positive]")
        lab_page.click("[data-testid=result-form] button[type=submit]")
        lab_page.wait_for_url(f"{live_server.url}/testing/lab/")
    finally:
        lab.close()
    recall = Recall.objects.get()
    assert recall.tube.barcode == "T0000100"

    phone.goto(f"{live_server.url}/testing/rounds/{rnd.round.pk}/")
    phone.screenshot(path=str(ARTIFACTS / "testing-round-360.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    phone.click("[data-testid=recalls] [data-testid=recall]")
    phone.wait_for_url(f"{live_server.url}/testing/recalls/{recall.pk}/")
    assert phone.locator("[data-testid=member]").count() == 10
    assert phone.inner_text("[data-testid=member-count]") == "10"
    phone.screenshot(path=str(ARTIFACTS / "testing-recall-360.png"), full_page=True)


def test_missed_list_one_tap_outcomes_on_a_phone(
    live_server,
    personas,
    rnd,  # noqa: F811 - the fixture imported above
    city,
    phone,
) -> None:
    swabs_batch(actor=personas.staff_a, items=[swab(rnd, "T0000001", r) for r in rnd.a[:8]])
    _log_in(phone, live_server, "staff_a")
    phone.goto(f"{live_server.url}/testing/rounds/{rnd.round.pk}/missed/")
    phone.click(f"[data-testid=building][href='?building={city.ka1.pk}']")
    person = phone.locator(f"[data-testid=missed-person][data-resident='{rnd.a[8].pk}']")
    assert phone.locator("[data-testid=missed-person]").count() == 3
    person.locator("[data-testid=outcome-away]").click()
    phone.wait_for_selector(
        f"[data-resident='{rnd.a[8].pk}'] [data-testid=latest-outcome][data-outcome=away]"
    )
    person.locator("[data-testid=request-home]").click()
    phone.wait_for_selector(f"[data-resident='{rnd.a[8].pk}'] [data-testid=home-requested]")
    phone.screenshot(path=str(ARTIFACTS / "testing-missed-360.png"), full_page=True)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    assert phone.url.endswith(f"?building={city.ka1.pk}")  # htmx swapped the row in place
