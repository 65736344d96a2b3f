"""/api/v1/supplies: warehouses, the catalogue, stock, movements, FEFO suggestions; receive,
issue, transfer (send, receive) and adjust. Warehouses and stock outside the user's places are
404; a role that keeps no warehouse is 403; not enough stock is 400 naming `quantity`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import paginate

from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.pagination import Pages
from shequ.core.schemas import errors
from shequ.supplies import ledger as ledgers
from shequ.supplies import points, selectors, services
from shequ.supplies.ledger_forms import MAX_DAYS, ledger_defaults
from shequ.supplies.ledger_schemas import StockLedgerOut
from shequ.supplies.models import Item, Movement, PointOfUse, Stock, Transfer, Warehouse
from shequ.supplies.schemas import (
    ItemOut,
    MovementOut,
    PointIn,
    PointOut,
    ShipmentIn,
    ShipmentOut,
    ShipmentReceiveIn,
    StockAdjustIn,
    StockIssueIn,
    StockOut,
    StockReceiveIn,
    WarehouseOut,
)

router = Router(tags=["supplies"])


def _seeing(request: HttpRequest) -> None:
    if not selectors.may_see_supplies(request.user):
        raise PermissionDenied(_("Your role sees no warehouse."))


@router.get("/warehouses", response={200: list[WarehouseOut], **errors(403)})
def list_warehouses(request: HttpRequest) -> QuerySet[Warehouse]:
    """The warehouses at and below your places."""
    _seeing(request)
    return selectors.warehouses_for(request.user)


@router.get("/items", response={200: list[ItemOut], **errors(403)})
def list_items(request: HttpRequest) -> QuerySet[Item]:
    """The catalogue."""
    _seeing(request)
    return selectors.items()


@router.get("/stock", response={200: list[StockOut], **errors(403)})
@paginate(Pages, page_size=100)
def list_stock(
    request: HttpRequest,
    warehouse_id: int | None = None,
    category: str = "",
    q: str = "",
    low: bool = False,
) -> QuerySet[Stock]:
    """Stock (non-zero) of your warehouses; filters: warehouse, category, name/barcode, low."""
    _seeing(request)
    return selectors.stock_for(
        request.user, selectors.StockFilter(warehouse_id, category, q[:40], low)
    )


@router.get(
    "/warehouses/{int:warehouse_id}/movements", response={200: list[MovementOut], **errors(404)}
)
@paginate(Pages, page_size=100)
def list_movements(request: HttpRequest, warehouse_id: int) -> QuerySet[Movement]:
    """A warehouse's movements, newest first."""
    warehouse = selectors.get_warehouse_for(request.user, warehouse_id)
    return selectors.movements_for(request.user, warehouse)


@router.get("/warehouses/{int:warehouse_id}/fefo", response={200: list[StockOut], **errors(404)})
def fefo(request: HttpRequest, warehouse_id: int, item_id: int) -> list[Stock]:
    """The item's batches in stock, the one to issue first (soonest expiry) first."""
    warehouse = selectors.get_warehouse_for(request.user, warehouse_id)
    return selectors.fefo(warehouse, selectors.get_item(item_id))


@router.post("/receive", response={201: MovementOut, **errors(403, 404)})
def receive(request: HttpRequest, payload: StockReceiveIn) -> Status[Movement]:
    """Goods come in (allocation, purchase, donation); the item by id or barcode."""
    warehouse = selectors.get_warehouse_for(request.user, payload.warehouse_id)
    if payload.item_id:
        item = selectors.get_item(payload.item_id)
    else:
        item = selectors.item_by_barcode(payload.barcode)
        if item is None:
            raise ValidationError({"barcode": _("No item with this barcode; choose the item.")})
    moved = services.stock_receive(
        actor=request.user, warehouse=warehouse, item=item, quantity=payload.quantity,
        source=payload.source, batch_code=payload.batch_code, expires_on=payload.expires_on,
        note=payload.note,
    )  # fmt: skip
    return Status(201, moved)


@router.post("/issue", response={201: MovementOut, **errors(403, 404)})
def issue(request: HttpRequest, payload: StockIssueIn) -> Status[Movement]:
    """Goods go out to a household, a help request, a post or a team."""
    stock = selectors.get_stock_for(request.user, payload.stock_id)
    warehouse = stock.warehouse
    household = help_request = post = None
    bad: dict[str, str] = {}
    if payload.household_code:
        household = selectors.household_near(warehouse, payload.household_code)
        if household is None:
            bad["household_code"] = _("No household with this code this warehouse serves.")
    if payload.help_request_id:
        help_request = selectors.request_near(warehouse, payload.help_request_id)
        if help_request is None:
            bad["help_request_id"] = _("No help request with this number here.")
    if payload.post_id:
        post = selectors.post_near(warehouse, payload.post_id)
        if post is None:
            bad["post_id"] = _("No post with this number this warehouse serves.")
    if bad:
        raise ValidationError(bad)
    moved = services.stock_issue(
        actor=request.user, warehouse=warehouse, batch=stock.batch, quantity=payload.quantity,
        household=household, help_request=help_request, post=post, team=payload.team,
        note=payload.note,
    )  # fmt: skip
    return Status(201, moved)


@router.get("/transfers", response={200: list[ShipmentOut], **errors(403)})
@paginate(Pages, page_size=100)
def list_transfers(request: HttpRequest, incoming: bool = False) -> QuerySet[Transfer]:
    """Transfers from and to your warehouses; `incoming`: in transit to those you keep."""
    _seeing(request)
    if incoming:
        return selectors.incoming_for(request.user)
    return selectors.transfers_for(request.user)


@router.post("/transfers", response={201: ShipmentOut, **errors(403, 404)})
def send(request: HttpRequest, payload: ShipmentIn) -> Status[Transfer]:
    """Goods leave for another warehouse; in transit until received there."""
    stock = selectors.get_stock_for(request.user, payload.stock_id)
    sent = services.transfer_send(
        actor=request.user,
        source=stock.warehouse,
        destination=selectors.get_destination_for(request.user, payload.destination_id),
        batch=stock.batch,
        quantity=payload.quantity,
        note=payload.note,
    )
    return Status(201, sent)


@router.get("/transfers/{int:shipment_id}", response={200: ShipmentOut, **errors(404)})
def get_transfer(request: HttpRequest, shipment_id: int) -> Transfer:
    return selectors.get_transfer_for(request.user, shipment_id)


@router.post(
    "/transfers/{int:shipment_id}/receive", response={200: ShipmentOut, **errors(403, 404)}
)
def receive_transfer(
    request: HttpRequest, shipment_id: int, payload: ShipmentReceiveIn
) -> Transfer:
    """The destination counts what arrived; a different count is kept as the discrepancy."""
    return services.transfer_receive(
        actor=request.user,
        transfer=selectors.get_transfer_for(request.user, shipment_id),
        quantity_received=payload.quantity_received,
        note=payload.note,
    )


@router.post("/adjust", response={201: MovementOut, **errors(403, 404)})
def adjust(request: HttpRequest, payload: StockAdjustIn) -> Status[Movement]:
    """A count correction, damage or expiry, with the reason."""
    stock = selectors.get_stock_for(request.user, payload.stock_id)
    moved = services.stock_adjust(
        actor=request.user, warehouse=stock.warehouse, batch=stock.batch, delta=payload.delta,
        reason=payload.reason, note=payload.note,
    )  # fmt: skip
    return Status(201, moved)


@router.get(
    "/warehouses/{int:warehouse_id}/ledger", response={200: StockLedgerOut, **errors(400, 404)}
)
def warehouse_ledger(
    request: HttpRequest,
    warehouse_id: int,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> dict[str, Any]:
    """The ledger (台账) from `start` to `end` (local days, both included, at most a year;
    default this month so far): per item and batch, opening + received − issued +
    transferred in − transferred out + adjusted = closing; the same numbers as the page and
    its Excel file."""
    warehouse = selectors.get_warehouse_for(request.user, warehouse_id)
    start = start or ledger_defaults()["start"]
    end = end or ledger_defaults()["end"]
    if end < start:
        raise ValidationError({"end": _("The end comes on or after the start.")})
    if (end - start).days >= MAX_DAYS:
        raise ValidationError({"end": _("Choose a period of at most a year.")})
    book = ledgers.ledger(warehouse, start, end)
    return {
        "warehouse_id": warehouse.pk, "start": start, "end": end,
        "lines": [vars(line) for line in book.lines], "totals": book.totals,
    }  # fmt: skip


def _mount_donations() -> None:
    from shequ.supplies.donation_api import router as donations_router

    router.add_router("/donations", donations_router)


_mount_donations()


def _mount() -> None:
    """Requisitions and the one-tap issue to a help request live in their own module."""
    from shequ.supplies.requisition_api import help_router
    from shequ.supplies.requisition_api import router as requisition_router

    router.add_router("/requisitions", requisition_router)
    router.add_router("/help-requests", help_router)


_mount()


@router.get("/warehouses/{warehouse_id}/points", response={200: list[PointOut], **errors(404)})
def list_points(request: HttpRequest, warehouse_id: int) -> QuerySet[PointOfUse]:
    """The posts that draw an item from this warehouse as they work (a sampling site's tubes)."""
    return selectors.points_of(selectors.get_warehouse_for(request.user, warehouse_id))


@router.post("/warehouses/{warehouse_id}/points", response={201: PointOut, **errors(400, 403, 404)})
def set_point(request: HttpRequest, warehouse_id: int, payload: PointIn) -> Status[PointOfUse]:
    """A post of the warehouse's area draws the item from here; 400 naming `post_id` when the
    post is not in its area."""
    warehouse = selectors.get_warehouse_for(request.user, warehouse_id)
    post = selectors.post_near(warehouse, payload.post_id)
    if post is None:
        raise ValidationError({"post_id": _("No post with this id in this warehouse's area.")})
    item = selectors.get_item(payload.item_id)
    return Status(
        201, points.point_set(actor=request.user, warehouse=warehouse, post=post, item=item)
    )


@router.post(
    "/warehouses/{warehouse_id}/points/{point_id}/remove",
    response={200: PointOut, **errors(403, 404)},
)
def remove_point(request: HttpRequest, warehouse_id: int, point_id: int) -> PointOfUse:
    """The post stops drawing the item from here; answers the point removed."""
    warehouse = selectors.get_warehouse_for(request.user, warehouse_id)
    point = selectors.get_point_for(request.user, warehouse, point_id)
    return points.point_remove(actor=request.user, point=point)
