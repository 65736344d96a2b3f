"""PostgreSQL-only: ten keepers spend one 1,000-yuan donation at once, 150 yuan each."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from shequ.core.errors import ValidationError
from shequ.supplies import donations
from shequ.supplies.models import Donation, Purchase
from tests.pg.conftest import race
from tests.supplies.conftest import depot  # noqa: F401 - fixture

pytestmark = pytest.mark.pg


def test_ten_purchases_at_once_never_overspend_a_donation(transactional_db, depot):  # noqa: F811 - the fixture
    assert connection.vendor == "postgresql"
    place = depot.store_a.place
    donor = donations.donor_register(actor=depot.hq, place=place, kind="person", name="王建国")
    gift = donations.donation_receive_cash(
        actor=depot.hq, donor=donor, place=place, received_on=dt.date(2026, 12, 1),
        amount_fen=100000, channel="cash", receipt_no="SJ-1",
    )  # fmt: skip

    results, errors = race(
        [
            lambda i=i: donations.donation_purchase(
                actor=depot.keeper_a,
                donation=gift,
                warehouse=depot.store_a,
                supplier=f"商行{i}",
                bought_on=dt.date(2026, 12, 1),
                lines=[donations.BoughtLine(depot.flour, 1, 15000)],
            )
            for i in range(10)
        ]
    )

    assert len(results) == 6  # 6 × 150 = 900; a seventh would need 1,050
    assert len(errors) == 4
    assert all(isinstance(e, ValidationError) and "total" in e.errors for e in errors)
    gift.refresh_from_db()
    assert gift.spent_fen == 90000
    assert Purchase.objects.count() == 6
    assert Donation.objects.get(pk=gift.pk).remaining_fen == 10000
