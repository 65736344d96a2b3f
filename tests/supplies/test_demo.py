"""The demo's supplies: a street warehouse, three community stores, movements that add up."""

from __future__ import annotations

from django.db.models import Sum

from shequ import scenarios
from shequ.core.models import User
from shequ.supplies import selectors
from shequ.supplies.models import Movement, Stock, Transfer, TransferStatus, Warehouse


def test_the_demo_has_a_street_warehouse_three_stores_and_stock_that_adds_up(db) -> None:
    scenarios.demo(seed=42, residents=50, cadres=20)
    assert Warehouse.objects.count() == 4
    assert Warehouse.objects.filter(place__kind="community").count() == 3
    assert Transfer.objects.filter(status=TransferStatus.IN_TRANSIT).count() == 1
    assert [t.discrepancy for t in Transfer.objects.exclude(quantity_received=None)].count(2) == 1
    for stock in Stock.objects.all():
        moved = Movement.objects.filter(warehouse=stock.warehouse, batch=stock.batch)
        assert stock.quantity == moved.aggregate(n=Sum("delta"))["n"]
    keeper = User.objects.get(username="warehouse")
    card = selectors.keeper_card(keeper)
    assert card is not None
    assert len(card.warehouses) == 4
    assert len(card.incoming) == 1


def test_the_demo_has_two_requisitions_one_received_one_waiting(db) -> None:
    from shequ.supplies.models import Requisition

    scenarios.demo(seed=42, residents=50, cadres=20)
    statuses = sorted(Requisition.objects.values_list("status", flat=True))
    assert statuses == ["received", "submitted"]
    done = Requisition.objects.get(status="received")
    assert done.lines.get(item__name="饮用水").quantity_approved == 8
    assert {u.username for u in (done.submitted_by, done.decided_by, done.shipped_by)} == {
        "community", "street", "warehouse",
    }  # fmt: skip
