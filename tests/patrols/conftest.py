"""Disinfection in community A: the stairwell of building KA-1 twice a day (08:00, 16:00
±60′) drawing 84 disinfectant from A's store; a cadre of each community; a frozen clock."""

from __future__ import annotations

import datetime as dt
import io
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from PIL import Image

from shequ.core.roles import Role
from shequ.patrols import services
from shequ.patrols.models import Area, AreaKind
from shequ.supplies import services as supply_services
from shequ.supplies.models import Category, Item, Warehouse
from tests.conftest import make_user

TZ = ZoneInfo("Asia/Shanghai")


def local(y: int, m: int, d: int, h: int, mi: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, h, mi, tzinfo=TZ)


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def frozen(monkeypatch):
    """`frozen(moment)`: timezone.now() (and localdate()) answer `moment` from then on."""

    def set_to(moment: dt.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_to


@pytest.fixture
def pt(personas, city, frozen, settings, tmp_path) -> SimpleNamespace:
    settings.VAR_DIR = tmp_path
    # The area was set up on 1 March at 07:00; the test days are 2–3 March 2026.
    frozen(local(2026, 3, 1, 7))
    agent = Item.objects.create(name="84消毒液", unit="瓶", category=Category.MEDICAL)
    store = Warehouse.objects.create(place=city.a, name="甲社区物资站")
    supply_services.stock_receive(
        actor=personas.hq, warehouse=store, item=agent, quantity=10, source="allocation"
    )
    area = services.area_create(
        actor=personas.staff_a, place=city.ka1, kind=AreaKind.STAIRWELL, name="1号楼楼道",
        times=[8 * 60, 16 * 60], tolerance=60, agent=agent, warehouse=store, dose=2,
    )  # fmt: skip
    cadre_b = make_user("cadre_b", Role.CADRE, city.b)
    area_b = services.area_create(
        actor=personas.staff_b, place=city.kb, kind=AreaKind.GATE, name="乙小区大门",
        times=[9 * 60], tolerance=30,
    )  # fmt: skip
    return SimpleNamespace(
        agent=agent,
        store=store,
        area=area,
        area_b=area_b,
        cadre=personas.cadre,
        cadre_b=cadre_b,
        staff=personas.staff_a,
    )


def area_count() -> int:
    return Area.objects.count()
