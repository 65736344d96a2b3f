"""API shapes of help requests."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from ninja import Field, Schema

from shequ.assistance.models import Channel, HelpKind

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class RequestIn(Schema):
    household_code: str = Field(..., min_length=1, max_length=60)
    kind: HelpKind
    details: str = Field(..., max_length=500)
    channel: Channel = Channel.HOTLINE
    urgent: bool = False
    for_ledger: bool = False
    # The resident it is for (optional; those who see residents: community staff and up).
    resident_id: Id | None = None


class RequestOut(Schema):
    id: int
    community_id: int
    building_id: int
    household_id: int
    resident_id: int | None
    address: str
    kind: str
    urgent: bool
    details: str
    channel: str
    status: str
    for_ledger: bool
    created_by_id: int | None
    created_at: dt.datetime
    due_at: dt.datetime
    claimed_by_id: int | None
    claimed_at: dt.datetime | None
    set_off_at: dt.datetime | None
    delivered_at: dt.datetime | None
    ended_at: dt.datetime | None
    end_reason: str
    amount: Decimal | None
    paid_by_id: int | None
    has_receipt: bool
    repaid_at: dt.datetime | None


class EventOut(Schema):
    action: str
    from_status: str
    to_status: str
    by_id: int | None
    at: dt.datetime
    note: str


class RequestDetailOut(RequestOut):
    events: list[EventOut]


class NoteIn(Schema):
    note: str = Field("", max_length=200)


class ReasonIn(Schema):
    reason: str = Field("", max_length=200)


class LedgerIn(Schema):
    for_ledger: bool


class BuildingTasksOut(Schema):
    building_id: int
    building: str
    requests: list[RequestOut]


class KindFiguresOut(Schema):
    kind: str
    opened: int
    delivered: int
    overdue: int
    median_hours: float | None
    p90_hours: float | None


class PlaceFiguresOut(Schema):
    place_id: int
    place: str
    total: KindFiguresOut
    kinds: list[KindFiguresOut]


class ReadingIn(Schema):
    # Checked by the service (34–43 °C) after the resident is found: out of scope is 404 first.
    temperature: Decimal
    symptoms: str = Field("", max_length=200)


class ReadingOut(Schema):
    id: int
    resident_id: int
    day: dt.date
    slot: str
    temperature: Decimal
    symptoms: str
    fever: bool
    channel: str
    at: dt.datetime


class IsolatedOut(Schema):
    resident_id: int
    name: str
    household_id: int
    address: str
    health_status: str
    day_count: int
    planned_release: dt.date | None
    today: dict[str, Decimal]
    late: list[str]
    fever: bool


class WatchCheckOut(Schema):
    id: int
    day: dt.date
    resident_id: int
    name: str
    address: str
    tags: list[str]
    zone: str
    compound_id: int
    assigned_to: str
    outcome: str
    note: str
    checked_at: dt.datetime | None
    help_request_id: int | None
    escalated_at: dt.datetime | None


class WatchOutcomeIn(Schema):
    # Checked by the service (reached / not_reached / needs_help) after the check is found.
    outcome: str
    note: str = Field("", max_length=200)
    kind: str = "other"
    details: str = Field("", max_length=500)
