"""Stock-take: counted against book → one count correction per difference in one
transaction; refused, naming the lines, when stock moved since the sheet was opened."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from shequ.core.errors import PermissionDenied, ValidationError
from shequ.supplies import selectors, services, stocktake
from shequ.supplies.models import AdjustReason, Movement, MovementKind, Stock

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def shelves(depot):
    flour = services.stock_receive(
        actor=depot.keeper, warehouse=depot.street, item=depot.flour, quantity=100,
        source="allocation",
    )  # fmt: skip
    mask = services.stock_receive(
        actor=depot.keeper, warehouse=depot.street, item=depot.mask, quantity=20,
        source="allocation", batch_code="M1", expires_on=dt.date(2027, 1, 1),
    )  # fmt: skip
    return (
        Stock.objects.get(warehouse=depot.street, batch=flour.batch),
        Stock.objects.get(warehouse=depot.street, batch=mask.batch),
    )


def test_differences_become_count_corrections(depot, shelves) -> None:
    flour, mask = shelves
    done = stocktake.stocktake_apply(
        actor=depot.keeper, warehouse=depot.street,
        counts=[stocktake.Count(flour.pk, 100, 97), stocktake.Count(mask.pk, 20, 20)],
    )  # fmt: skip
    assert [(m.delta, m.reason, m.kind) for m in done] == [
        (-3, AdjustReason.COUNT, MovementKind.ADJUST)
    ]
    assert selectors.stock_total(depot.street, depot.flour) == 97
    assert selectors.stock_total(depot.street, depot.mask) == 20


def test_refused_when_stock_moved_since_opened(depot, shelves) -> None:
    flour, mask = shelves
    services.stock_issue(
        actor=depot.keeper, warehouse=depot.street, batch=flour.batch, quantity=10, team="t"
    )
    before = Movement.objects.count()
    with pytest.raises(stocktake.StockChanged) as err:
        stocktake.stocktake_apply(
            actor=depot.keeper, warehouse=depot.street,
            counts=[stocktake.Count(flour.pk, 100, 95), stocktake.Count(mask.pk, 20, 18)],
        )  # fmt: skip
    assert err.value.changed == [flour.pk]
    assert "面粉" in err.value.errors["__all__"]
    assert "100 → 90" in err.value.errors["__all__"]
    assert Movement.objects.count() == before  # nothing adjusted, not even the mask line
    assert selectors.stock_total(depot.street, depot.mask) == 20


def test_another_keeper_cannot(depot, shelves) -> None:
    flour, _mask = shelves
    with pytest.raises(PermissionDenied):
        stocktake.stocktake_apply(
            actor=depot.keeper_b, warehouse=depot.street,
            counts=[stocktake.Count(flour.pk, 100, 1)],
        )  # fmt: skip
    with pytest.raises(ValidationError):
        stocktake.stocktake_apply(actor=depot.keeper, warehouse=depot.street, counts=[])


def test_page_saves_and_shows_changed_lines(depot, shelves, client) -> None:
    flour, mask = shelves
    client.force_login(depot.keeper)
    url = reverse("supplies:stocktake", args=[depot.street.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert f'name="count_{flour.pk}"' in page.content.decode()
    # Someone issues while the keeper counts: the sheet (book 100) is refused, the line shown.
    services.stock_issue(
        actor=depot.keeper, warehouse=depot.street, batch=flour.batch, quantity=1, team="t"
    )
    refused = client.post(
        url,
        {
            f"book_{flour.pk}": "100",
            f"count_{flour.pk}": "98",
            f"book_{mask.pk}": "20",
            f"count_{mask.pk}": "",
        },
    )
    assert refused.status_code == 200
    assert 'data-testid="stocktake-changed"' in refused.content.decode()
    saved = client.post(
        url, {f"book_{flour.pk}": "99", f"count_{flour.pk}": "98", "note": "monthly"}
    )
    assert saved.status_code == 302
    assert selectors.stock_total(depot.street, depot.flour) == 98
    assert client.get(url).status_code == 200
    client.force_login(depot.keeper_b)
    assert client.get(url).status_code == 404
