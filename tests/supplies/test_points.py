"""Sampling tubes opened at a station draw down the stock of its site's post when that post
is a point of use; short stock never blocks sampling: a shortfall alert instead."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from shequ.core.models import Notification
from shequ.duty.models import Post, PostKind
from shequ.supplies import selectors, services
from shequ.supplies.models import AlertKind, Category, Item, Movement, PointOfUse, StockAlert
from shequ.testing.ingest import swabs_batch
from shequ.testing.models import Sample
from tests.testing.conftest import round_world, swab

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def station(depot, city, personas):
    rnd = round_world(personas, city)
    post = Post.objects.create(
        community=city.a, place=city.a, name="甲采样点", kind=PostKind.SAMPLING
    )
    rnd.site.post = post
    rnd.site.save(update_fields=["post"])
    tube = Item.objects.create(name="采样管", unit="支", category=Category.MEDICAL,
                               barcode="690066", tracks_expiry=True)  # fmt: skip
    PointOfUse.objects.create(post=post, warehouse=depot.store_a, item=tube)
    rnd.tube, rnd.post = tube, post
    return rnd


def _stock_tubes(depot, item, n, code, expires_on):
    services.stock_receive(
        actor=depot.keeper_a, warehouse=depot.store_a, item=item, quantity=n,
        source="allocation", batch_code=code, expires_on=expires_on,
    )  # fmt: skip


def test_each_tube_opened_issues_one_soonest_expiry_first(depot, station, personas) -> None:
    _stock_tubes(depot, station.tube, 1, "LATE", dt.date(2027, 9, 1))
    _stock_tubes(depot, station.tube, 1, "SOON", dt.date(2027, 3, 1))
    items = [swab(station, "T0000001", r) for r in station.a[:3]] + [
        swab(station, "T0000002", station.a[3])
    ]
    swabs_batch(actor=personas.staff_a, items=items)
    issued = Movement.objects.filter(kind="issue", item=station.tube).order_by("batch__code")
    assert [(m.batch.code, m.delta, m.post_id) for m in issued] == [
        ("LATE", -1, station.post.pk), ("SOON", -1, station.post.pk),
    ]  # fmt: skip
    assert selectors.stock_total(depot.store_a, station.tube) == 0
    # The same tube swabbed again opens nothing new.
    swabs_batch(actor=personas.staff_a, items=[swab(station, "T0000001", station.a[4])])
    assert Movement.objects.filter(kind="issue", item=station.tube).count() == 2


def test_short_stock_never_blocks_sampling(depot, station, personas) -> None:
    _stock_tubes(depot, station.tube, 1, "B1", dt.date(2027, 3, 1))
    items = [swab(station, f"T000000{i}", r) for i, r in enumerate(station.a[:3])]
    results = swabs_batch(actor=personas.staff_a, items=items)
    assert all(r.status != "rejected" for r in results)
    assert Sample.objects.count() == 3
    assert selectors.stock_total(depot.store_a, station.tube) == 0
    alert = StockAlert.objects.get(kind=AlertKind.SHORTFALL)
    assert (alert.warehouse, alert.item, alert.quantity) == (depot.store_a, station.tube, 2)
    told = Notification.objects.filter(kind="stock_shortfall")
    assert list(told.values_list("user_id", flat=True)) == [depot.keeper_a.pk]
    # More shortfall the same day adds to the alert and tells nobody again.
    swabs_batch(actor=personas.staff_a, items=[swab(station, "T0000009", station.a[5])])
    alert.refresh_from_db()
    assert alert.quantity == 3
    assert told.count() == 1


def test_a_site_without_a_point_of_use_draws_nothing(depot, station, personas) -> None:
    PointOfUse.objects.all().delete()
    swabs_batch(actor=personas.staff_a, items=[swab(station, "T0000001", station.a[0])])
    assert not Movement.objects.filter(kind="issue").exists()


def test_barcode_lookup(depot, client) -> None:
    client.force_login(depot.keeper_a)
    url = reverse("supplies:barcode")
    found = client.get(url, {"code": "690001"})
    assert found.json() == {"id": depot.mask.pk, "name": "N95口罩", "unit": "盒"}
    assert client.get(url, {"code": "nope"}).status_code == 404
    page = client.get(reverse("supplies:issue"))
    assert 'data-testid="scan"' in page.content.decode()
    assert "supplies/scan.js" in page.content.decode()


def test_a_typed_barcode_narrows_the_forms_without_javascript(depot, client) -> None:
    for item, code in ((depot.mask, "M1"), (depot.flour, "")):
        services.stock_receive(
            actor=depot.keeper_a, warehouse=depot.store_a, item=item, quantity=5,
            source="allocation", batch_code=code, expires_on=dt.date(2027, 1, 1),
        )  # fmt: skip
    client.force_login(depot.keeper_a)
    for name in ("supplies:issue", "supplies:transfer", "supplies:adjust"):
        page = client.get(reverse(name), {"barcode": "690001"})
        choices = page.context["form"].fields["stock"].queryset
        assert [s.item for s in choices] == [depot.mask]
        assert page.context["form"].initial["stock"] == choices[0].pk
    receive = client.get(reverse("supplies:receive"), {"barcode": "690001"})
    assert receive.context["form"].initial["item"] == depot.mask.pk
    unknown = client.get(reverse("supplies:issue"), {"barcode": "000"})
    assert "No item with this barcode: 000" in unknown.content.decode()
    assert len(unknown.context["form"].fields["stock"].queryset) == 2
