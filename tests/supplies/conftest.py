"""A street warehouse and a community store on side A, another community's store, keepers."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from shequ.core.roles import Role
from shequ.supplies.models import Category, Item, Warehouse
from tests.conftest import make_user


@pytest.fixture
def depot(city, personas) -> SimpleNamespace:
    street = Warehouse.objects.create(place=city.s1, name="一街道仓库")
    store_a = Warehouse.objects.create(place=city.a, name="甲社区物资站")
    store_b = Warehouse.objects.create(place=city.b, name="乙社区物资站")
    mask = Item.objects.create(
        name="N95口罩", unit="盒", category=Category.MEDICAL, barcode="690001", tracks_expiry=True
    )
    flour = Item.objects.create(name="面粉", unit="袋", category=Category.LIVING)
    return SimpleNamespace(
        street=street,
        store_a=store_a,
        store_b=store_b,
        mask=mask,
        flour=flour,
        keeper=make_user("keeper_s1", Role.WAREHOUSE_KEEPER, city.s1),
        keeper_a=make_user("keeper_a", Role.WAREHOUSE_KEEPER, city.a),
        keeper_b=make_user("keeper_b", Role.WAREHOUSE_KEEPER, city.b),
        hq=personas.hq,
    )
