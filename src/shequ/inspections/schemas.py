"""The inspections API's bodies and answers."""

from __future__ import annotations

import datetime as dt
import uuid

from ninja import Field, Schema

from shequ.core.batches import MAX_ITEMS
from shequ.core.device_items import DeviceItem


class VisitOut(Schema):
    id: int
    plan: str
    place_id: int
    target: str
    inspector: str
    visited_at: dt.datetime
    problems: int


class TaskOut(Schema):
    id: int
    visit_id: int
    place_id: int
    place: str
    what: str
    owner: str
    deadline: dt.date
    status: str
    overdue: bool


class FollowUpIn(Schema):
    note: str
    done: bool = False


class CloseIn(Schema):
    accept: bool
    note: str = ""


class InspectionAnswerIn(Schema):
    item_id: int
    result: str  # ok | problem
    note: str = ""


class InspectionVisitIn(Schema):
    """A visit recorded on the phone (offline, synced later): one answer per checklist item."""

    client_uuid: uuid.UUID
    plan_id: int
    place_id: int | None = None
    premises_id: int | None = None
    visited_at: dt.datetime | None = None
    answers: list[InspectionAnswerIn]
    notes: str = ""


class InspectionVisitSynced(Schema):
    id: int
    client_uuid: uuid.UUID
    problems: int


class InspectionItemOut(Schema):
    id: int
    section: str
    text: str


class InspectionTargetOut(Schema):
    kind: str  # place | premises
    id: int
    name: str


class InspectionPlanOut(Schema):
    id: int
    name: str
    items: list[InspectionItemOut]
    targets: list[InspectionTargetOut]


class InspectionVisitBatchIn(Schema):
    """Visits recorded on a phone, checked one by one: each is an InspectionVisitIn (its
    `visited_at` required)."""

    items: list[DeviceItem] = Field(..., max_length=MAX_ITEMS)


class InspectionVisitAnswerOut(Schema):
    client_uuid: str
    status: str  # created | duplicate | rejected
    id: int | None = None
    field: str = ""
    message: str = ""
    problems: int = 0
