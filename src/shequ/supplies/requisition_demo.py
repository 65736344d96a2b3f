"""Demo requisitions: the first store's community asked its street for flour and water, was
partly approved, shipped and received; the second store's community asks for masks and
disinfectant, submitted and waiting for the street."""

from __future__ import annotations

from shequ.core.models import User
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.places.models import Place, PlaceKind
from shequ.supplies import requisitions as reqs
from shequ.supplies.models import Item, Requisition, Warehouse


def _who(username: str, capability: str, place: Place, hq: User) -> User:
    """The demo login that would do this step here, or the HQ where it may not."""
    user = User.objects.filter(username=username).first()
    return user if user is not None and scope_for(user, capability).covers(place) else hq


def add_demo_requisitions(*, hq: User) -> dict[str, int]:
    """Two requisitions of the first street's stores; nothing if there are some already."""
    if Requisition.objects.exists():
        return {}
    stores = list(
        Warehouse.objects.filter(place__kind=PlaceKind.COMMUNITY).order_by("place__code")[:2]
    )
    if len(stores) < 2 or not Warehouse.objects.filter(place=stores[0].place.parent).exists():
        return {}
    items = {
        i.name: i for i in Item.objects.filter(name__in=["面粉", "饮用水", "N95口罩", "消毒液"])
    }
    if len(items) < 4:
        return {}
    first, second = stores[0].place, stores[1].place
    street = first.parent
    done = reqs.requisition_create(
        actor=_who("community", Capability.REQUEST_SUPPLIES, first, hq), place=first,
        lines=[(items["面粉"], 20), (items["饮用水"], 10)], reason="封控楼栋居民生活物资",
        submit=True,
    )  # fmt: skip
    water = done.lines.get(item=items["饮用水"])
    reqs.requisition_decide(
        actor=_who("street", Capability.APPROVE_REQUISITIONS, street, hq), requisition=done,
        approved={water.pk: 8}, notes={water.pk: "饮用水库存需留给隔离点"},
    )  # fmt: skip
    keeper = _who("warehouse", Capability.MOVE_STOCK, street, hq)
    reqs.requisition_ship(actor=keeper, requisition=done)
    reqs.requisition_receive(
        actor=_who("warehouse", Capability.MOVE_STOCK, first, hq), requisition=done
    )
    reqs.requisition_create(
        actor=_who("community", Capability.REQUEST_SUPPLIES, second, hq), place=second,
        lines=[(items["N95口罩"], 50), (items["消毒液"], 10)], reason="卡口和采样点防护用品",
        submit=True,
    )  # fmt: skip
    return {"requisition": 2}
