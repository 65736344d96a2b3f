"""API shapes of supplies."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from ninja import Field, Schema

from shequ.supplies.models import Source

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class WarehouseOut(Schema):
    id: int
    name: str
    place_id: int
    low_stock: int


class ItemOut(Schema):
    id: int
    name: str
    unit: str
    category: str
    barcode: str
    tracks_expiry: bool


class StockOut(Schema):
    id: int
    warehouse_id: int
    item_id: int
    item: str = Field(..., alias="item.name")
    unit: str = Field(..., alias="item.unit")
    batch_id: int
    batch: str = Field(..., alias="batch.code")
    expires_on: dt.date | None = Field(None, alias="batch.expires_on")
    quantity: int


class MovementOut(Schema):
    id: int
    kind: str
    warehouse_id: int
    item_id: int
    batch_id: int
    delta: int
    source: str
    reason: str
    note: str
    household_id: int | None
    post_id: int | None
    help_request_id: int | None
    team: str
    transfer_id: int | None
    at: dt.datetime


class ShipmentOut(Schema):
    id: int
    source_id: int
    destination_id: int
    item_id: int
    batch_id: int
    quantity_sent: int
    quantity_received: int | None
    discrepancy: int | None
    status: str
    sent_at: dt.datetime
    received_at: dt.datetime | None
    note: str


class StockReceiveIn(Schema):
    warehouse_id: Id
    # The item by id, or by its barcode (scanned).
    item_id: Id | None = None
    barcode: str = Field("", max_length=40)
    quantity: int
    source: Source
    batch_code: str = Field("", max_length=40)
    expires_on: dt.date | None = None
    note: str = Field("", max_length=200)


class StockIssueIn(Schema):
    stock_id: Id
    quantity: int
    # Who receives (at least one): a household by code, a help request, a post, a team.
    household_code: str = Field("", max_length=60)
    help_request_id: Id | None = None
    post_id: Id | None = None
    team: str = Field("", max_length=60)
    note: str = Field("", max_length=200)


class ShipmentIn(Schema):
    stock_id: Id
    destination_id: Id
    quantity: int
    note: str = Field("", max_length=200)


class ShipmentReceiveIn(Schema):
    quantity_received: int
    note: str = Field("", max_length=200)


class StockAdjustIn(Schema):
    stock_id: Id
    delta: int
    # count, damage or expiry (checked by the service, which names the choices)
    reason: str = Field(..., max_length=12)
    note: str = Field(..., max_length=200)


class PointIn(Schema):
    post_id: int
    item_id: int


class PointOut(Schema):
    id: int
    warehouse_id: int
    post_id: int
    post_name: str = Field(alias="post.name")
    item_id: int
    item_name: str = Field(alias="item.name")
