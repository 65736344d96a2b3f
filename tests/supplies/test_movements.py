"""Receive, issue, transfer, adjust: what a keeper sees happen, and what is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from shequ.core.errors import PermissionDenied, ValidationError
from shequ.supplies import selectors, services
from shequ.supplies.models import Movement, Stock, TransferStatus

pytestmark = pytest.mark.usefixtures("english")
SOON = dt.date(2027, 1, 31)
LATER = dt.date(2027, 6, 30)


def _stock(warehouse, item) -> int:
    return selectors.stock_total(warehouse, item)


def _flour_in(depot, n=100, where=None):
    return services.stock_receive(
        actor=depot.keeper, warehouse=where or depot.street, item=depot.flour, quantity=n,
        source="allocation",
    )  # fmt: skip


def test_receive_then_issue_leaves_the_difference(depot, city) -> None:
    received = _flour_in(depot, 100)
    services.stock_issue(
        actor=depot.keeper, warehouse=depot.street, batch=received.batch, quantity=30,
        household=city.ha1,
    )  # fmt: skip
    assert _stock(depot.street, depot.flour) == 70
    assert Movement.objects.filter(warehouse=depot.street).count() == 2


def test_issuing_more_than_is_there_is_refused_naming_quantity(depot, city) -> None:
    received = _flour_in(depot, 5)
    with pytest.raises(ValidationError) as exc:
        services.stock_issue(
            actor=depot.keeper, warehouse=depot.street, batch=received.batch, quantity=6,
            team="转运组",
        )  # fmt: skip
    assert "Only 5 袋 of 面粉 left" in exc.value.errors["quantity"]
    assert _stock(depot.street, depot.flour) == 5


def test_the_database_refuses_a_negative_stock(depot) -> None:
    received = _flour_in(depot, 5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Stock.objects.filter(batch=received.batch).update(quantity=-1)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": -3}, "quantity"),
        ({"quantity": "ten"}, "quantity"),
        ({"quantity": 2_000_000}, "quantity"),
        ({"source": "found"}, "source"),
        ({"note": "x" * 201}, "note"),
        ({"batch_code": "B" * 41}, "batch_code"),
    ],
)
def test_bad_receipts_are_refused_naming_the_field(depot, kwargs, field) -> None:
    args = {"quantity": 10, "source": "purchase", **kwargs}
    with pytest.raises(ValidationError) as exc:
        services.stock_receive(actor=depot.keeper, warehouse=depot.street, item=depot.flour, **args)
    assert field in exc.value.errors
    assert not Stock.objects.exists()


def test_masks_need_their_expiry_date(depot) -> None:
    with pytest.raises(ValidationError) as exc:
        services.stock_receive(
            actor=depot.keeper, warehouse=depot.street, item=depot.mask, quantity=10,
            source="donation", batch_code="M1",
        )  # fmt: skip
    assert "expires_on" in exc.value.errors


def test_an_issue_names_who_receives(depot) -> None:
    received = _flour_in(depot, 5)
    with pytest.raises(ValidationError) as exc:
        services.stock_issue(
            actor=depot.keeper, warehouse=depot.street, batch=received.batch, quantity=1
        )
    assert "recipient" in exc.value.errors


def test_a_transfer_is_in_transit_until_received_and_keeps_the_discrepancy(depot) -> None:
    received = _flour_in(depot, 50)
    transfer = services.transfer_send(
        actor=depot.keeper, source=depot.street, destination=depot.store_a,
        batch=received.batch, quantity=20,
    )  # fmt: skip
    assert transfer.status == TransferStatus.IN_TRANSIT
    assert _stock(depot.street, depot.flour) == 30
    assert _stock(depot.store_a, depot.flour) == 0
    assert list(selectors.incoming_for(depot.keeper_a)) == [transfer]
    done = services.transfer_receive(actor=depot.keeper_a, transfer=transfer, quantity_received=18)
    assert done.status == TransferStatus.RECEIVED
    assert done.discrepancy == 2
    assert _stock(depot.store_a, depot.flour) == 18
    with pytest.raises(ValidationError) as exc:
        services.transfer_receive(actor=depot.keeper_a, transfer=transfer, quantity_received=20)
    assert "status" in exc.value.errors
    assert _stock(depot.store_a, depot.flour) == 18


def test_only_the_destination_receives_a_transfer(depot) -> None:
    received = _flour_in(depot, 50)
    transfer = services.transfer_send(
        actor=depot.keeper, source=depot.street, destination=depot.store_a,
        batch=received.batch, quantity=20,
    )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.transfer_receive(actor=depot.keeper_b, transfer=transfer, quantity_received=20)


def test_a_transfer_to_the_same_warehouse_is_refused(depot) -> None:
    received = _flour_in(depot, 50)
    with pytest.raises(ValidationError) as exc:
        services.transfer_send(
            actor=depot.keeper, source=depot.street, destination=depot.street,
            batch=received.batch, quantity=1,
        )  # fmt: skip
    assert "destination" in exc.value.errors


def test_an_adjustment_needs_a_reason_and_damage_only_takes_out(depot) -> None:
    received = _flour_in(depot, 10)
    base = {"actor": depot.keeper, "warehouse": depot.street, "batch": received.batch}
    with pytest.raises(ValidationError) as exc:
        services.stock_adjust(**base, delta=-2, reason="damage", note="")
    assert "note" in exc.value.errors
    with pytest.raises(ValidationError) as exc:
        services.stock_adjust(**base, delta=2, reason="damage", note="湿了")
    assert "delta" in exc.value.errors
    with pytest.raises(ValidationError) as exc:
        services.stock_adjust(**base, delta=-11, reason="count", note="盘点")
    assert "Only 10" in exc.value.errors["delta"]
    services.stock_adjust(**base, delta=-3, reason="damage", note="雨淋")
    services.stock_adjust(**base, delta=1, reason="count", note="盘点多一袋")
    assert _stock(depot.street, depot.flour) == 8


def test_a_community_keeper_may_not_move_another_store(depot) -> None:
    with pytest.raises(PermissionDenied):
        services.stock_receive(
            actor=depot.keeper_a, warehouse=depot.store_b, item=depot.flour, quantity=1,
            source="purchase",
        )  # fmt: skip
    assert not Stock.objects.exists()


def test_fefo_suggests_the_batch_that_expires_first(depot) -> None:
    for code, expires in (("LATE", LATER), ("SOON", SOON)):
        services.stock_receive(
            actor=depot.keeper, warehouse=depot.street, item=depot.mask, quantity=5,
            source="allocation", batch_code=code, expires_on=expires,
        )  # fmt: skip
    assert [s.batch.code for s in selectors.fefo(depot.street, depot.mask)] == ["SOON", "LATE"]


def test_a_community_keeper_sees_only_their_store(depot) -> None:
    assert list(selectors.warehouses_for(depot.keeper_a)) == [depot.store_a]
    assert set(selectors.warehouses_for(depot.keeper)) == {depot.street, depot.store_a}
