"""Issue #20's browser journey on a 360 px phone: a community's staff member who also keeps its
store receives a donation in kind → issues from it to a household's help request in one tap →
the ledger's Excel file downloads and has the same totals as the ledger page."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
from django.utils import timezone

from shequ.assistance import services as help_services
from shequ.assistance.models import HelpStatus
from shequ.core import services as core_services
from shequ.core.roles import Role
from shequ.core.scopes import forget_scope
from shequ.supplies import donations
from shequ.supplies.models import Category, Item, Movement, Stock
from tests.e2e.test_browser import _log_in
from tests.e2e.test_help_journey import _shot
from tests.supplies.conftest import depot  # noqa: F401  (the stores and keepers)


def _ledger_numbers(page, item: str) -> dict[str, int]:
    """The ledger page's line for `item`, read by its cells' labels."""
    row = page.locator("[data-testid=ledger-line]", has_text=item)
    cells = row.locator("td")
    return {
        cells.nth(n).get_attribute("data-label"): cells.nth(n).inner_text().strip()
        for n in range(cells.count())
    }


def test_donation_to_help_request_to_ledger_excel_on_a_phone(
    live_server,
    personas,
    city,
    depot,  # noqa: F811 - the fixture imported from tests/supplies/conftest.py
    phone,
):
    phone.set_default_timeout(60_000)  # a shared, loaded machine
    water = Item.objects.create(name="饮用水", unit="桶", category=Category.LIVING)
    # Community staff who also keeps the community's store: sees help requests, moves stock.
    core_services.role_grant(
        actor=None, user=personas.staff_a, role=Role.WAREHOUSE_KEEPER, place=city.a
    )
    forget_scope(personas.staff_a)
    donations.donor_register(
        actor=personas.staff_a, place=city.a, kind="organisation", name="某爱心企业"
    )
    asked = help_services.help_open(
        actor=personas.staff_a, household=city.ha1, kind="water", details="两桶水",
        channel="hotline",
    )  # fmt: skip

    _log_in(phone, live_server, "staff_a")
    # 1. The donation in kind: 10 buckets of water into the community's store.
    phone.goto(f"{live_server.url}/supplies/donations/goods/")
    phone.select_option("select[name=donor]", label="某爱心企业")
    phone.select_option("select[name=warehouse]", str(depot.store_a.pk))
    phone.select_option("select[name=item_1]", str(water.pk))
    phone.fill("input[name=quantity_1]", "10")
    phone.fill("input[name=received_on]", timezone.localdate().isoformat())
    _shot(phone, "supplies-01-donation-goods-zh")
    phone.click("[data-testid=save]")
    phone.wait_for_url(f"{live_server.url}/supplies/donations/*/")
    assert "饮用水" in phone.inner_text("main")
    _shot(phone, "supplies-02-donation-received-zh")
    stock = Stock.objects.get(warehouse=depot.store_a, item=water)
    assert stock.quantity == 10

    # 2. One tap on the help request's page: 2 buckets, and the request is delivered.
    phone.goto(f"{live_server.url}/help/{asked.pk}/")
    phone.wait_for_selector("[data-testid=issue-from-stock]")
    phone.select_option("[data-testid=issue-from-stock] select[name=stock]", str(stock.pk))
    phone.fill("[data-testid=issue-from-stock] input[name=quantity]", "2")
    phone.check("[data-testid=issue-from-stock] input[name=deliver]")
    _shot(phone, "supplies-03-help-issue-zh")
    phone.click("[data-testid=issue-stock]")
    phone.wait_for_selector("[data-testid=status]")
    assert "已送达" in phone.inner_text("[data-testid=status]")
    _shot(phone, "supplies-04-help-issued-zh")
    asked.refresh_from_db()
    assert asked.status == HelpStatus.DELIVERED
    assert Movement.objects.get(kind="issue", help_request=asked).delta == -2

    # 3. The ledger (a link naming only the warehouse: this month so far) and its Excel file.
    phone.goto(f"{live_server.url}/supplies/ledger/?warehouse={depot.store_a.pk}")
    phone.wait_for_selector("[data-testid=ledger]")
    _shot(phone, "supplies-05-ledger-zh")
    screen = _ledger_numbers(phone, "饮用水")
    assert (screen["已接收"], screen["已发放"]) == ("10", "2"), screen
    assert screen["期末结存"] == "8", screen
    with phone.expect_download() as download:
        phone.click("[data-testid=ledger-xlsx]")
    path = download.value.path()
    book = openpyxl.load_workbook(io.BytesIO(Path(path).read_bytes()), read_only=True)
    rows = [tuple(r) for ws in book for r in ws.iter_rows(values_only=True)]
    (line,) = [r for r in rows if r[0] == "饮用水"]
    header = rows[0]
    excel = dict(zip(header, line, strict=False))
    assert int(excel["已接收"]) == 10
    assert int(excel["已发放"]) == 2
    assert int(excel["期末结存"]) == 8
    assert int(excel["期初结存"]) == int(screen["期初结存"]) == 0
