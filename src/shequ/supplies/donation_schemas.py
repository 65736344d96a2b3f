"""API shapes of donations. Money is given and shown in yuan with two decimals (a string or
number in, a decimal string out); it is kept in fen."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema

from shequ.supplies.models import DonorKind, PayChannel

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
Yuan = Annotated[Decimal, Field(gt=0, max_digits=14, decimal_places=2)]


class DonorOut(Schema):
    id: int
    kind: str
    name: str
    place_id: int
    # As your role may see them: in full (city HQ) or masked like residents' numbers.
    contact_name: str
    phone: str
    document_number: str
    masked: bool


class DonorIn(Schema):
    place_id: Id
    kind: DonorKind
    name: str = Field(..., max_length=100)
    contact_name: str = Field("", max_length=50)
    phone: str = Field("", max_length=20)
    document_number: str = Field("", max_length=30)


class DonationLineOut(Schema):
    item_id: int
    item: str
    unit: str
    quantity: int
    batch_id: int
    movement_id: int
    unit_price: Decimal | None = None


class DonationPurchaseOut(Schema):
    id: int
    donation_id: int
    warehouse_id: int
    supplier: str
    bought_on: dt.date
    invoice_no: str
    total: Decimal
    lines: list[DonationLineOut]


class DonationOut(Schema):
    id: int
    number: str
    kind: str
    donor_id: int
    donor: str
    place_id: int
    warehouse_id: int | None
    received_on: dt.date
    amount: Decimal
    spent: Decimal
    remaining: Decimal
    channel: str
    receipt_no: str
    note: str
    lines: list[DonationLineOut]


class DonationGoodsLineIn(Schema):
    item_id: Id
    quantity: int
    expires_on: dt.date | None = None


class DonationGoodsIn(Schema):
    donor_id: Id
    warehouse_id: Id
    received_on: dt.date
    lines: list[DonationGoodsLineIn] = Field(..., min_length=1, max_length=50)
    note: str = Field("", max_length=200)


class DonationCashIn(Schema):
    donor_id: Id
    place_id: Id
    received_on: dt.date
    amount: Yuan
    channel: PayChannel
    receipt_no: str = Field(..., max_length=40)
    note: str = Field("", max_length=200)


class DonationBoughtLineIn(Schema):
    item_id: Id
    quantity: int
    unit_price: Yuan
    expires_on: dt.date | None = None


class DonationPurchaseIn(Schema):
    warehouse_id: Id
    supplier: str = Field(..., max_length=100)
    bought_on: dt.date
    invoice_no: str = Field("", max_length=40)
    lines: list[DonationBoughtLineIn] = Field(..., min_length=1, max_length=50)


class TraceIssueOut(Schema):
    movement_id: int
    warehouse_id: int
    item_id: int
    batch_id: int
    quantity: int
    post_id: int | None
    household_id: int | None
    help_request_id: int | None
    team: str
    at: dt.datetime


class TraceLineOut(Schema):
    item_id: int
    item: str
    batch_id: int
    batch: str
    how: str
    purchase_id: int | None
    received: int
    issued: int
    issued_elsewhere: int
    adjusted: int
    in_stock: int
    in_transit: int
    lost_in_transit: int
    cost: Decimal
    issues: list[TraceIssueOut]


class DonationTraceOut(Schema):
    donation_ids: list[int]
    amount: Decimal
    spent: Decimal
    remaining: Decimal
    lines: list[TraceLineOut]
