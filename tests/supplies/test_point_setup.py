"""A keeper says which posts draw which item from their warehouse (a sampling site's tubes):
on the warehouse's page and through the API; posts outside the warehouse's area and people who
do not keep it are refused."""

from __future__ import annotations

import pytest
from django.urls import reverse

from shequ.core.models import AuditEvent
from shequ.duty.models import Post, PostKind
from shequ.supplies.models import PointOfUse

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def posts(city):
    return (
        Post.objects.create(
            community=city.a, place=city.a, name="甲采样点", kind=PostKind.SAMPLING
        ),
        Post.objects.create(
            community=city.b, place=city.b, name="乙采样点", kind=PostKind.SAMPLING
        ),
    )


def test_a_keeper_sets_and_removes_a_point_of_use_on_the_page(depot, posts, login) -> None:
    in_a, _in_b = posts
    client = login(depot.keeper_a)
    warehouse = client.get(reverse("supplies:warehouse", args=[depot.store_a.pk]))
    assert reverse("supplies:points", args=[depot.store_a.pk]) in warehouse.content.decode()
    url = reverse("supplies:points", args=[depot.store_a.pk])
    page = client.get(url)
    # Only the posts of the store's community are offered.
    assert list(page.context["form"].fields["post"].queryset) == [in_a]
    done = client.post(url, {"post": str(in_a.pk), "item": str(depot.mask.pk)}, follow=True)
    assert "甲采样点 now draws N95口罩 from this warehouse." in done.content.decode()
    point = PointOfUse.objects.get()
    assert (point.post, point.warehouse, point.item) == (in_a, depot.store_a, depot.mask)
    again = client.post(url, {"post": str(in_a.pk), "item": str(depot.mask.pk)})
    assert "This post already draws this item from here." in again.content.decode()
    assert again.context["form"]["post"].value() == str(in_a.pk)  # the input is kept
    removed = client.post(
        reverse("supplies:point_remove", args=[depot.store_a.pk, point.pk]), follow=True
    )
    assert "甲采样点 no longer draws N95口罩 from this warehouse." in removed.content.decode()
    assert not PointOfUse.objects.exists()
    audited = AuditEvent.objects.filter(action__startswith="supplies.point")
    assert list(audited.values_list("action", flat=True).order_by("id")) == [
        "supplies.point.set",
        "supplies.point.remove",
    ]


def test_a_post_of_another_community_and_an_empty_form_are_refused(depot, posts, login) -> None:
    _in_a, in_b = posts
    client = login(depot.keeper_a)
    url = reverse("supplies:points", args=[depot.store_a.pk])
    other = client.post(url, {"post": str(in_b.pk), "item": str(depot.mask.pk)})
    assert other.context["form"].errors["post"]
    empty = client.post(url, {})
    assert empty.context["form"].errors == {
        "post": ["Choose the post that uses the item."],
        "item": ["Choose the item the post uses."],
    }
    assert not PointOfUse.objects.exists()


def test_who_cannot_set_points(depot, posts, personas, login) -> None:
    url = reverse("supplies:points", args=[depot.store_a.pk])
    assert login(depot.keeper_b).get(url).status_code == 404  # not their warehouse
    assert login(personas.outsider).get(url).status_code in (403, 404)
    point = PointOfUse.objects.create(post=posts[0], warehouse=depot.store_a, item=depot.mask)
    gone = reverse("supplies:point_remove", args=[depot.store_a.pk, point.pk])
    assert login(depot.keeper_b).post(gone).status_code == 404
    assert PointOfUse.objects.exists()


def test_the_street_keeper_moves_a_point_to_the_street_warehouse(depot, posts) -> None:
    from shequ.supplies import points

    points.point_set(actor=depot.keeper_a, warehouse=depot.store_a, post=posts[0], item=depot.mask)
    points.point_set(actor=depot.keeper, warehouse=depot.street, post=posts[0], item=depot.mask)
    assert list(PointOfUse.objects.values_list("warehouse", flat=True)) == [depot.street.pk]


def test_the_api_lists_sets_and_removes_points(depot, posts, api) -> None:
    in_a, in_b = posts
    keeper = api(depot.keeper_a)
    base = f"/api/v1/supplies/warehouses/{depot.store_a.pk}/points"
    made = keeper.post(base, {"post_id": in_a.pk, "item_id": depot.mask.pk})
    assert made.status_code == 201
    assert made.json()["post_name"] == "甲采样点"
    assert made.json()["item_name"] == "N95口罩"
    far = keeper.post(base, {"post_id": in_b.pk, "item_id": depot.mask.pk})
    assert far.status_code == 400
    assert [e["field"] for e in far.json()["errors"]] == ["post_id"]
    assert [p["id"] for p in keeper.get(base).json()] == [made.json()["id"]]
    other = api(depot.keeper_b)
    assert other.get(base).status_code == 404
    gone = keeper.post(f"{base}/{made.json()['id']}/remove")
    assert gone.status_code == 200
    assert gone.json()["post_name"] == "甲采样点"
    assert keeper.get(base).json() == []
