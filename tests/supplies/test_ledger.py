"""The ledger (台账): opening + movements = closing on every line and any period split; the
Excel file equals the screen to the unit; the page for a keeper, refused to others."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequ.supplies import ledger, services
from shequ.supplies.models import Batch, Movement, MovementKind

pytestmark = pytest.mark.usefixtures("english")
DAY0 = dt.date(2026, 11, 1)


def _at(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _movements(depot, spec) -> None:
    """`spec`: (day offset, kind, delta, item) → Movement rows (the ledger only reads them)."""
    batches = {
        "mask": Batch.objects.get_or_create(item=depot.mask, code="M1")[0],
        "flour": Batch.objects.get_or_create(item=depot.flour, code="")[0],
    }
    Movement.objects.bulk_create(
        Movement(
            kind=kind,
            warehouse=depot.street,
            item_id=batches[item].item_id,
            batch=batches[item],
            delta=delta,
            at=_at(DAY0 + dt.timedelta(days=offset)),
        )
        for offset, kind, delta, item in spec
    )


KINDS = {
    MovementKind.RECEIVE: 1, MovementKind.TRANSFER_IN: 1, MovementKind.ISSUE: -1,
    MovementKind.TRANSFER_OUT: -1, MovementKind.ADJUST: 0,
}  # fmt: skip
movement = st.tuples(
    st.integers(0, 20),
    st.sampled_from(list(KINDS)),
    st.integers(1, 50),
    st.sampled_from(["mask", "flour"]),
    st.booleans(),
).map(lambda t: (t[0], t[1], t[2] * (KINDS[t[1]] or (1 if t[4] else -1)), t[3]))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(spec=st.lists(movement, max_size=30), cut=st.integers(0, 19))
def test_ledger_identity_holds_for_any_period_split(depot, spec, cut) -> None:
    Movement.objects.all().delete()
    _movements(depot, spec)
    whole = ledger.ledger(depot.street, DAY0, DAY0 + dt.timedelta(days=20))
    first = ledger.ledger(depot.street, DAY0, DAY0 + dt.timedelta(days=cut))
    second = ledger.ledger(
        depot.street, DAY0 + dt.timedelta(days=cut + 1), DAY0 + dt.timedelta(days=20)
    )
    for book in (whole, first, second):
        assert all(line.balances() for line in book.lines)
    closing = {(x.item, x.batch): x.closing for x in first.lines}
    for line in second.lines:
        assert line.opening == closing.get((line.item, line.batch), 0)
    for column in ("received", "issued", "transfer_in", "transfer_out", "adjusted"):
        assert whole.totals.get(column, 0) == first.totals.get(column, 0) + second.totals.get(
            column, 0
        )
    assert whole.totals.get("closing", 0) == sum(d for _o, _k, d, _i in spec)


def test_closing_today_is_the_stock(depot, city) -> None:
    got = services.stock_receive(
        actor=depot.keeper, warehouse=depot.street, item=depot.flour, quantity=100,
        source="allocation",
    )  # fmt: skip
    services.stock_issue(
        actor=depot.keeper, warehouse=depot.street, batch=got.batch, quantity=30, team="一队"
    )
    services.transfer_send(
        actor=depot.keeper, source=depot.street, destination=depot.store_a, batch=got.batch,
        quantity=20,
    )  # fmt: skip
    services.stock_adjust(
        actor=depot.keeper, warehouse=depot.street, batch=got.batch, delta=-5, reason="damage",
        note="wet",
    )  # fmt: skip
    today = timezone.localdate()
    (line,) = ledger.ledger(depot.street, today, today).lines
    assert (line.opening, line.received, line.issued, line.transfer_out, line.adjusted) == (
        0, 100, 30, 20, -5,
    )  # fmt: skip
    assert line.closing == 45
    assert line.balances()
    # Tomorrow's ledger opens with today's close and lists the line though nothing moved.
    (later,) = ledger.ledger(depot.street, today + dt.timedelta(1), today + dt.timedelta(2)).lines
    assert later.opening == later.closing == 45


def _read(content: bytes) -> dict[str, list[tuple]]:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in book}


def test_excel_equals_the_screen_to_the_unit(depot, client) -> None:
    _movements(depot, [
        (0, MovementKind.RECEIVE, 40, "mask"), (1, MovementKind.ISSUE, -7, "mask"),
        (2, MovementKind.RECEIVE, 100, "flour"), (3, MovementKind.TRANSFER_OUT, -30, "flour"),
        (9, MovementKind.ADJUST, 2, "flour"), (4, MovementKind.ADJUST, -1, "mask"),
    ])  # fmt: skip
    start, end = DAY0 + dt.timedelta(1), DAY0 + dt.timedelta(5)
    book = ledger.ledger(depot.street, start, end)
    client.force_login(depot.keeper)
    response = client.get(
        reverse("supplies:ledger_xlsx"),
        {"warehouse": depot.street.pk, "start": start.isoformat(), "end": end.isoformat()},
    )
    assert response.status_code == 200
    sheets = _read(response.content)
    assert len(sheets) == 2  # a sheet per category: medical, daily living
    for _value, label, lines, totals in book.by_category():
        rows = sheets[label]
        assert list(rows[0][:5]) == ledger.headers()[:5]
        body = [r for r in rows[1:] if r[0] is not None]
        for line, row in zip(lines, body, strict=False):
            assert row[0] == line.item
            assert [int(v) for v in row[4:11]] == [getattr(line, c) for c in ledger.COLUMNS]
        total = body[len(lines)]
        assert [int(v) for v in total[4:11]] == [totals[c] for c in ledger.COLUMNS]
    mask = next(x for x in book.lines if x.item == depot.mask.name)
    assert (mask.opening, mask.issued, mask.adjusted, mask.closing) == (40, 7, -1, 32)
    # The page shows the same numbers.
    page = client.get(
        reverse("supplies:ledger"),
        {"warehouse": depot.street.pk, "start": start.isoformat(), "end": end.isoformat()},
    )
    assert page.status_code == 200
    assert page.context["book"].totals == book.totals


def test_chinese_headers(depot, client, settings) -> None:
    from django.utils import translation

    with translation.override("zh-hans"):
        assert ledger.headers()[4] == "期初结存"


def test_ledger_page_defaults_and_scope(depot, client) -> None:
    client.force_login(depot.keeper_b)
    page = client.get(reverse("supplies:ledger"))
    assert page.status_code == 200
    assert page.context["book"].warehouse == depot.store_b
    # Another place's warehouse is not a choice.
    other = client.get(
        reverse("supplies:ledger"),
        {"warehouse": depot.street.pk, "start": "2026-11-01", "end": "2026-11-02"},
    )
    assert other.context["book"] is None
    assert "warehouse" in other.context["form"].errors


def test_a_link_naming_only_the_warehouse_means_this_month(depot, client) -> None:
    """`ledger.xlsx?warehouse=7` downloads this month so far (it used to bounce to the page)."""
    services.stock_receive(
        actor=depot.keeper_a, warehouse=depot.store_a, item=depot.flour, quantity=12,
        source="donation",
    )  # fmt: skip
    client.force_login(depot.keeper_a)
    response = client.get(reverse("supplies:ledger_xlsx"), {"warehouse": depot.store_a.pk})
    assert response.status_code == 200
    rows = [r for rows in _read(response.content).values() for r in rows]
    assert any(r[0] == depot.flour.name and int(r[5]) == 12 for r in rows)
    page = client.get(reverse("supplies:ledger"), {"warehouse": depot.store_a.pk})
    assert page.context["book"].totals["received"] == 12


def test_ledger_period_is_checked(depot, client) -> None:
    client.force_login(depot.keeper)
    page = client.get(
        reverse("supplies:ledger"),
        {"warehouse": depot.street.pk, "start": "2026-11-05", "end": "2026-11-01"},
    )
    assert "end" in page.context["form"].errors


def test_api_gives_the_same_ledger(depot, client) -> None:
    _movements(depot, [(0, MovementKind.RECEIVE, 40, "mask"), (2, MovementKind.ISSUE, -7, "mask")])
    start, end = DAY0 + dt.timedelta(1), DAY0 + dt.timedelta(5)
    client.force_login(depot.keeper)
    url = f"/api/v1/supplies/warehouses/{depot.street.pk}/ledger"
    got = client.get(url, {"start": start.isoformat(), "end": end.isoformat()})
    assert got.status_code == 200
    (line,) = got.json()["lines"]
    assert (line["opening"], line["issued"], line["closing"]) == (40, 7, 33)
    assert got.json()["totals"] == ledger.ledger(depot.street, start, end).totals
    bad = client.get(url, {"start": end.isoformat(), "end": start.isoformat()})
    assert bad.status_code == 400
    client.force_login(depot.keeper_b)
    assert client.get(url).status_code == 404
