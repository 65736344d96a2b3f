"""The daily report's "stock issued": the units a community's stores issued that day."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shequ.reports import figures
from shequ.supplies import reports, services
from shequ.supplies.models import Movement, MovementKind

pytestmark = pytest.mark.usefixtures("english")


def test_stock_issued_equals_the_movements(depot, city) -> None:
    got = services.stock_receive(
        actor=depot.keeper_a, warehouse=depot.store_a, item=depot.flour, quantity=50,
        source="donation",
    )  # fmt: skip
    for n in (3, 4):
        services.stock_issue(
            actor=depot.keeper_a, warehouse=depot.store_a, batch=got.batch, quantity=n,
            household=city.ha1,
        )  # fmt: skip
    services.stock_adjust(
        actor=depot.keeper_a, warehouse=depot.store_a, batch=got.batch, delta=-2,
        reason="damage", note="torn",
    )  # fmt: skip
    yesterday = services.stock_issue(
        actor=depot.keeper_a, warehouse=depot.store_a, batch=got.batch, quantity=5, team="t"
    )
    Movement.objects.filter(pk=yesterday.pk).update(at=timezone.now() - dt.timedelta(days=1))
    today = timezone.localdate()
    expected = -sum(
        Movement.objects.filter(
            warehouse__place=city.a, kind=MovementKind.ISSUE, at__date=today
        ).values_list("delta", flat=True)
    )
    assert expected == 7
    assert reports.daily_figures([city.a.pk, city.b.pk], today) == {
        city.a.pk: {"stock_issued": 7},
        city.b.pk: {"stock_issued": 0},
    }
    assert "stock_issued" in figures.figure_by_key()
    assert figures.read_all([city.a.pk], today)[city.a.pk]["stock_issued"] == 7
