"""Reads on supplies, narrowed to the warehouses the user sees (VIEW_SUPPLIES over the
warehouse's place): stock with filters, movements, transfers to receive, the keeper's card,
first-expiry-first-out suggestions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import F, Q, QuerySet, Sum

from shequ.core.access import get_for
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.supplies.models import (
    Batch,
    Category,
    Item,
    Movement,
    PointOfUse,
    Stock,
    Transfer,
    TransferStatus,
    Warehouse,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User


def may_see_supplies(user: User | AnonymousUser) -> bool:
    """Whether the user sees any warehouse's place."""
    return not scope_for(user, Capability.VIEW_SUPPLIES).is_empty


def warehouses_for(user: User | AnonymousUser) -> QuerySet[Warehouse]:
    """The warehouses at or below the user's places."""
    return Warehouse.objects.filter(
        scope_for(user, Capability.VIEW_SUPPLIES).q("place")
    ).select_related("place")


def stocked_warehouses_for(user: User | AnonymousUser) -> QuerySet[Warehouse]:
    """The warehouses where the user moves stock."""
    return Warehouse.objects.filter(scope_for(user, Capability.MOVE_STOCK).q("place"))


def get_warehouse_for(user: User | AnonymousUser, pk: Any) -> Warehouse:
    """One warehouse the user sees; 404 otherwise."""
    return get_for(warehouses_for(user), pk, what="warehouse")


def destinations_for(user: User | AnonymousUser) -> QuerySet[Warehouse]:
    """Where the user may send goods: the warehouses of their places and those above them
    (goods go down to communities and back up the chain, not across to others' places)."""
    from shequ.places.models import Place

    scope = scope_for(user, Capability.MOVE_STOCK)
    above = {
        pk for root in Place.objects.filter(path__in=scope.paths) for pk in root.ancestor_ids()
    }
    return Warehouse.objects.filter(scope.q("place") | Q(place_id__in=above)).select_related(
        "place"
    )


def get_destination_for(user: User | AnonymousUser, pk: Any) -> Warehouse:
    """A transfer's destination the user may send to; 404 otherwise."""
    return get_for(destinations_for(user), pk, what="warehouse")


def items() -> QuerySet[Item]:
    """The catalogue."""
    return Item.objects.all()


def get_item(pk: Any) -> Item:
    """One item of the catalogue; 404 otherwise."""
    return get_for(items(), pk, what="item")


def get_batch(pk: Any) -> Batch:
    """One batch by id; 404 otherwise."""
    return get_for(Batch.objects.select_related("item"), pk, what="batch")


def item_by_barcode(code: str) -> Item | None:
    """The item a scanned barcode names, if any."""
    return Item.objects.filter(barcode=code.strip()).first() if code.strip() else None


@dataclass(frozen=True)
class StockFilter:
    warehouse: int | None = None
    category: str = ""
    q: str = ""
    low: bool = False


def stock_for(user: User | AnonymousUser, filters: StockFilter | None = None) -> QuerySet[Stock]:
    """Stock rows of the user's warehouses (non-zero), by warehouse, item, expiry first."""
    f = filters or StockFilter()
    rows = Stock.objects.filter(
        scope_for(user, Capability.VIEW_SUPPLIES).q("warehouse__place"), quantity__gt=0
    )
    if f.warehouse:
        rows = rows.filter(warehouse_id=f.warehouse)
    if f.category in Category.values:
        rows = rows.filter(item__category=f.category)
    if f.q.strip():
        rows = rows.filter(Q(item__name__icontains=f.q.strip()) | Q(item__barcode=f.q.strip()))
    if f.low:
        rows = rows.filter(quantity__lt=F("warehouse__low_stock"))
    return rows.select_related("warehouse", "item", "batch").order_by(
        "warehouse__name", "item__name", F("batch__expires_on").asc(nulls_last=True), "pk"
    )


def fefo(warehouse: Warehouse, item: Item) -> list[Stock]:
    """The item's batches in stock at the warehouse, the soonest to expire first (FEFO):
    the first is the one to issue."""
    return list(
        Stock.objects.filter(warehouse=warehouse, item=item, quantity__gt=0)
        .select_related("batch", "item")
        .order_by(F("batch__expires_on").asc(nulls_last=True), "batch__pk")
    )


def movements_for(user: User | AnonymousUser, warehouse: Warehouse) -> QuerySet[Movement]:
    """A warehouse's movements, newest first (the warehouse already checked for the user)."""
    return (
        Movement.objects.filter(warehouse=warehouse)
        .select_related("item", "batch", "by", "household", "post", "help_request")
        .order_by("-at", "-pk")
    )


def transfers_for(user: User | AnonymousUser) -> QuerySet[Transfer]:
    """Transfers from or to the user's warehouses, newest first."""
    scope = scope_for(user, Capability.VIEW_SUPPLIES)
    return (
        Transfer.objects.filter(scope.q("source__place") | scope.q("destination__place"))
        .select_related("source", "destination", "item", "batch")
        .order_by("-sent_at", "-pk")
    )


def get_transfer_for(user: User | AnonymousUser, pk: Any) -> Transfer:
    """One transfer from or to the user's warehouses; 404 otherwise."""
    return get_for(transfers_for(user), pk, what="transfer")


def incoming_for(user: User | AnonymousUser) -> QuerySet[Transfer]:
    """Transfers in transit to the warehouses where the user moves stock."""
    return transfers_for(user).filter(
        status=TransferStatus.IN_TRANSIT,
        destination__in=stocked_warehouses_for(user),
    )


@dataclass
class KeeperCard:
    """The keeper's home card: their warehouses, low stock, transfers to receive."""

    warehouses: list[Warehouse]
    low: list[Stock]
    incoming: list[Transfer]
    alerts: list[Any] = field(default_factory=list)  # today's StockAlerts (supplies.alerts)


def keeper_card(user: User | AnonymousUser) -> KeeperCard | None:
    """What a keeper's home page shows today; None when they keep no warehouse."""
    warehouses = list(stocked_warehouses_for(user).order_by("name")[:10])
    if not warehouses:
        return None
    low = list(
        Stock.objects.filter(warehouse__in=warehouses, quantity__lt=F("warehouse__low_stock"))
        .select_related("warehouse", "item", "batch")
        .order_by("quantity", "pk")[:10]
    )
    from shequ.supplies.alerts import alerts_today

    return KeeperCard(
        warehouses=warehouses, low=low, incoming=list(incoming_for(user)[:10]),
        alerts=alerts_today(warehouses),
    )  # fmt: skip


def stock_total(warehouse: Warehouse, item: Item) -> int:
    """Units of the item in the warehouse, every batch."""
    return (
        Stock.objects.filter(warehouse=warehouse, item=item).aggregate(n=Sum("quantity"))["n"] or 0
    )


def post_near(warehouse: Warehouse, pk: Any) -> Any:
    """A post (gate, sampling site, team post) in the warehouse's area, or None."""
    from shequ.duty.models import Post

    if not isinstance(pk, int):
        return None
    return Post.objects.filter(pk=pk, community__path__startswith=warehouse.place.path).first()


def posts_near(warehouse: Warehouse) -> QuerySet[Any]:
    """The active posts of the warehouse's area, the choices of a point of use."""
    from shequ.duty.models import Post

    return Post.objects.filter(
        community__path__startswith=warehouse.place.path, active=True
    ).select_related("community")


def points_of(warehouse: Warehouse) -> QuerySet[PointOfUse]:
    """The posts that draw an item from the warehouse as they work."""
    return (
        PointOfUse.objects.filter(warehouse=warehouse)
        .select_related("post__community", "item")
        .order_by("post__community__code", "post__name", "item__name")
    )


def get_point_for(user: User | AnonymousUser, warehouse: Warehouse, pk: Any) -> PointOfUse:
    """One point of use of a warehouse the user sees; 404 otherwise."""
    rows = points_of(warehouse).filter(warehouse__in=warehouses_for(user))
    return get_for(rows, pk, what="point of use")


def household_near(warehouse: Warehouse, code: str) -> Any:
    """A household in the warehouse's area by its code, or None."""
    from shequ.places.models import Place, PlaceKind

    code = (code or "").strip()
    if not code:
        return None
    return Place.objects.filter(
        code=code, kind=PlaceKind.HOUSEHOLD, path__startswith=warehouse.place.path
    ).first()


def request_near(warehouse: Warehouse, pk: Any) -> Any:
    """A help request of the warehouse's area, or None."""
    from shequ.assistance.models import HelpRequest

    if not isinstance(pk, int):
        return None
    return (
        HelpRequest.objects.filter(pk=pk, community__path__startswith=warehouse.place.path)
        .select_related("household")
        .first()
    )


def stock_choices(user: User | AnonymousUser) -> QuerySet[Stock]:
    """Stock rows where the user moves stock, soonest expiry first within each item (FEFO)."""
    return (
        Stock.objects.filter(warehouse__in=stocked_warehouses_for(user), quantity__gt=0)
        .select_related("warehouse", "item", "batch")
        .order_by("warehouse__name", "item__name", F("batch__expires_on").asc(nulls_last=True))
    )


def get_stock_for(user: User | AnonymousUser, pk: Any) -> Stock:
    """One stock row where the user moves stock; 404 otherwise."""
    return get_for(stock_choices(user), pk, what="stock")


def keeps(user: User | AnonymousUser, warehouse: Warehouse) -> bool:
    """Whether the user moves this warehouse's stock."""
    return scope_for(user, Capability.MOVE_STOCK).covers(warehouse.place)


def may_move_stock(user: User | AnonymousUser) -> bool:
    """Whether the user keeps any place's warehouses (the movement forms open for them)."""
    return not scope_for(user, Capability.MOVE_STOCK).is_empty


def warehouses_serving(place: Any) -> QuerySet[Warehouse]:
    """The warehouses at a place or above it (its community's store, its street's depot):
    where what is used there may be drawn from (patrols: the agent of a disinfection area)."""
    ids = [*place.ancestor_ids(), place.pk]
    return (
        Warehouse.objects.filter(place_id__in=ids)
        .select_related("place")
        .order_by("-place__depth", "name")
    )
