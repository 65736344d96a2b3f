"""API shapes for /api/v1/testing."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Schema

from shequ.core.batches import MAX_ITEMS
from shequ.core.device_items import DeviceItem
from shequ.core.times import CityTime, Day

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class RoundIn(Schema):
    name: str = Field(..., max_length=60)
    place_ids: list[Id] = Field(..., min_length=1, max_length=200)
    starts_on: Day
    ends_on: Day
    pool_size: int = 10


class RoundOut(Schema):
    id: int
    name: str
    place_ids: list[int]
    starts_on: dt.date
    ends_on: dt.date
    pool_size: int
    status: str

    @staticmethod
    def resolve_place_ids(obj: Any) -> list[int]:
        return sorted(p.pk for p in obj.places.all())


class CoverageOut(Schema):
    place_id: int
    name: str
    kind: str
    residents: int
    sampled: int
    exempt: int
    missed: int
    percent: float


class MissedOut(Schema):
    id: int
    name: str
    household: str
    building: str
    address: str  # "甲小区 1号楼 101室" (places/addresses.py)
    phone: str


class ExemptionIn(Schema):
    resident_id: Id
    reason: str
    proof: str = Field("", max_length=200)


class SiteIn(Schema):
    community_id: Id
    name: str = Field(..., max_length=60)
    opens: CityTime
    closes: CityTime
    stations: int = Field(2, ge=1, le=30)
    post_id: Id | None = None


class StationOut(Schema):
    id: int
    name: str


class SiteOut(Schema):
    id: int
    community_id: int
    name: str
    opens: CityTime
    closes: CityTime
    stations: list[StationOut]

    @staticmethod
    def resolve_stations(obj: Any) -> list[dict]:
        return [{"id": s.pk, "name": s.name} for s in obj.stations.all()]


class SwabBatchIn(Schema):
    """Items are checked one by one: each is {client_uuid, kind "swab"|"close", round_id,
    tube (barcode), station_id (at a site) or home_task_id (at home), resident_id or
    id_number (scanned from the ID card), sampled_at (ISO 8601)}."""

    items: list[DeviceItem] = Field(..., max_length=MAX_ITEMS)


class SwabResultOut(Schema):
    client_uuid: str
    status: str
    id: int | None
    tube: str
    tube_count: int
    tube_closed: bool
    out_of_scope: bool
    retest: bool
    field: str
    message: str


class TransferIn(Schema):
    community_id: Id
    code: str = Field(..., max_length=40)
    barcodes: list[str] = Field(..., min_length=1, max_length=5000)


class TransferOut(Schema):
    id: int
    code: str
    tube_count: int
    sent_at: dt.datetime
    received_at: dt.datetime | None
    received_count: int | None
    discrepancy: str


class ReceiveIn(Schema):
    received_count: int = Field(..., ge=0, le=100_000)
    note: str = Field("", max_length=200)


class ResultItem(Schema):
    tube: str = Field(..., max_length=40)
    result: str


class ResultsIn(Schema):
    results: list[ResultItem] = Field(..., min_length=1, max_length=5000)


class ResultOut(Schema):
    barcode: str
    status: str
    message: str
    recall_id: int | None


class RecallMemberOut(Schema):
    resident_id: int
    name: str
    household: str
    building: str
    address: str
    phone: str
    retested: bool


class RecallOut(Schema):
    id: int
    kind: str
    tube: str
    created_at: dt.datetime
    members: list[RecallMemberOut]
