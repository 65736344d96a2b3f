"""API schemas for mobilization."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from shequ.core.batches import MAX_ITEMS
from shequ.core.device_items import DeviceItem
from shequ.core.times import Instant
from shequ.mobilization.models import EnlistmentState, Fitness, Rank, Skill, StaffKind


class StaffOut(Schema):
    id: int
    kind: StaffKind
    name: str
    agency_id: int | None
    rank: Rank
    party_member: bool
    birth_year: int
    gender: str
    skills: list[Skill] = Field(alias="skill_list")
    residence_community_id: int | None
    fitness: Fitness
    vetting: str


class StaffIn(Schema):
    kind: StaffKind = StaffKind.CADRE
    name: str = Field(..., max_length=50)
    id_number: str = Field(..., max_length=18)
    birth_year: int
    gender: str = Field(..., pattern="^(male|female)$")
    agency_code: str | None = None
    phone: str = Field("", max_length=30)
    rank: Rank = Rank.OTHER
    party_member: bool = False
    skills: list[Skill] = []
    residence_community_code: str | None = None
    fitness: Fitness = Fitness.FIT


class OrderIn(Schema):
    title: str = Field(..., max_length=100)
    scope_id: int
    deadline: Instant
    message: str = Field("", max_length=2000)


class OrderOut(Schema):
    id: int
    title: str
    message: str
    scope_id: int
    deadline: dt.datetime
    issued_at: dt.datetime
    closed_at: dt.datetime | None


class EnlistIn(Schema):
    staff_ids: list[int] = Field(..., min_length=1, max_length=5000)
    signed_up: bool = True


class EnlistmentOut(Schema):
    id: int
    order_id: int
    staff_id: int
    staff_name: str = Field(alias="staff.name")
    state: EnlistmentState
    community_id: int | None
    reported_at: dt.datetime | None


class ReportInBatch(Schema):
    """Items are checked one by one (a bad item is answered, not the whole batch): each is
    {client_uuid, token (the person's report-in QR code), community_id?}."""

    items: list[DeviceItem] = Field(..., max_length=MAX_ITEMS)


class ReportInResultOut(Schema):
    client_uuid: str
    status: str
    id: int | None
    field: str
    message: str


class NeedIn(Schema):
    community_id: int
    people_per_day: int = Field(..., ge=1, le=10000)
    starts_on: dt.date
    ends_on: dt.date
    skills: list[Skill] = []
    note: str = Field("", max_length=200)


class NeedOut(Schema):
    id: int
    community_id: int
    people_per_day: int
    starts_on: dt.date
    ends_on: dt.date
    note: str


class MoveIn(Schema):
    enlistment_ids: list[int] = Field(..., min_length=1, max_length=1000)
    to_community_id: int
    note: str = Field("", max_length=200)


class BoardRowOut(Schema):
    place_id: int
    name: str
    address: str  # the name, with the street (and community) above it as the viewer needs
    need: int
    signed_up: int
    reported: int
    assigned: int
    gap: int


class BoardOut(Schema):
    level: str
    total: BoardRowOut
    rows: list[BoardRowOut]
    per_hour: dict[str, int]
