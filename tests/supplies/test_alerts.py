"""Low-stock and near-expiry alerts: the warehouse's keepers are told once per item, kind
and day, however often the job runs; the keeper's home card shows them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from shequ.core.models import Notification
from shequ.core.workers import PERIODIC
from shequ.supplies import alerts, services
from shequ.supplies.models import AlertKind, StockAlert

pytestmark = pytest.mark.usefixtures("english")


def _receive(depot, item, n, *, warehouse=None, expires_on=None, code="", actor=None):
    return services.stock_receive(
        actor=actor or depot.keeper, warehouse=warehouse or depot.street, item=item, quantity=n,
        source="allocation", expires_on=expires_on, batch_code=code,
    )  # fmt: skip


def test_low_and_expiring_told_once_a_day(depot) -> None:
    soon = timezone.localdate() + dt.timedelta(days=5)
    _receive(depot, depot.flour, 3)  # under the threshold of 10
    _receive(depot, depot.mask, 50, expires_on=soon, code="M1")
    _receive(
        depot, depot.flour, 40, warehouse=depot.store_b, actor=depot.keeper_b
    )  # plenty, not expiring
    raised = alerts.raise_alerts()
    assert (raised.low, raised.expiry) == (1, 1)
    kinds = {(a.item_id, a.kind) for a in StockAlert.objects.all()}
    assert kinds == {(depot.flour.pk, AlertKind.LOW), (depot.mask.pk, AlertKind.EXPIRY)}
    told = Notification.objects.filter(kind__startswith="stock_")
    # The street's own keeper, not community B's, nor the HQ above.
    assert set(told.values_list("user_id", flat=True)) == {depot.keeper.pk}
    assert told.count() == 2
    assert "面粉" in told.get(kind="stock_low").title
    again = alerts.raise_alerts()
    assert (again.low, again.expiry, again.told) == (0, 0, 0)
    assert told.count() == 2
    # Tomorrow is another day.
    later = alerts.raise_alerts(now=timezone.now() + dt.timedelta(days=1))
    assert later.low == 1


def test_job_is_registered_with_the_worker() -> None:
    assert alerts.periodic_alerts in PERIODIC


def test_home_card_shows_todays_alerts(depot, client) -> None:
    _receive(depot, depot.flour, 2)
    alerts.raise_alerts()
    client.force_login(depot.keeper)
    page = client.get(reverse("web:home"))
    assert page.status_code == 200
    assert 'data-testid="home-keeper-alerts"' in page.content.decode()
    assert [a.item for a in page.context["home"].keeper.alerts] == [depot.flour]
