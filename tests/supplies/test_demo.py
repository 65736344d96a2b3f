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


def test_the_demo_tells_the_5450_yuan_story_and_traces_it_to_the_posts(db) -> None:
    from shequ.supplies import donation_reads as reads
    from shequ.supplies.models import Donation, DonationKind

    scenarios.demo(seed=42, residents=50, cadres=20)
    cash = list(Donation.objects.filter(kind=DonationKind.CASH))
    assert len(cash) == 3
    assert sum(d.amount_fen for d in cash) == 545000
    assert sum(d.spent_fen for d in cash) == 545000  # spent to the fen
    keeper = User.objects.get(username="warehouse")
    trace = reads.trace(keeper, cash)
    assert {line.item.name for line in trace.lines} == {"医用外科口罩", "医用手套", "消毒液"}
    assert sum(line.cost_fen for line in trace.lines) == 545000
    assert all(line.balanced for line in trace.lines)
    assert any(r.kind == "post" for r in trace.recipients)
    goods = Donation.objects.filter(kind=DonationKind.GOODS)
    given = {ln.item.name for d in goods for ln in d.lines.all()}
    assert {"防护服", "行军床", "方便食品"} <= given


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
