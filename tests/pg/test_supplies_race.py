"""PostgreSQL-only: twenty keepers issue the last ten units at once."""

from __future__ import annotations

import pytest
from django.db import connection

from shequ.core.errors import ValidationError
from shequ.supplies import services
from shequ.supplies.models import Movement, Stock
from tests.pg.conftest import race
from tests.supplies.conftest import depot  # noqa: F401 - fixture

pytestmark = pytest.mark.pg


def test_twenty_issues_of_the_last_ten_units_let_exactly_ten_out(transactional_db, depot):  # noqa: F811 - the fixture
    assert connection.vendor == "postgresql"
    received = services.stock_receive(
        actor=depot.keeper, warehouse=depot.street, item=depot.flour, quantity=10,
        source="allocation",
    )  # fmt: skip

    results, errors = race(
        [
            lambda i=i: services.stock_issue(
                actor=depot.keeper,
                warehouse=depot.street,
                batch=received.batch,
                quantity=1,
                team=f"第{i}组",
            )
            for i in range(20)
        ]
    )

    assert len(results) == 10
    assert len(errors) == 10
    assert all(isinstance(e, ValidationError) for e in errors)
    assert all("0" in e.errors["quantity"] for e in errors)
    assert Stock.objects.get(batch=received.batch, warehouse=depot.street).quantity == 0
    assert Movement.objects.filter(kind="issue").count() == 10
