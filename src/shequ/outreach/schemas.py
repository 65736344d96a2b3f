"""The outreach API's bodies and answers."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from ninja import Field, Schema

from shequ.core.batches import MAX_ITEMS
from shequ.core.device_items import DeviceItem


class QuestionIn(Schema):
    key: str
    label: Any  # text, or {"zh": …, "en": …}
    type: str  # yes_no | choice | number | text | date
    choices: list[str] = []
    required: bool = False


class CampaignIn(Schema):
    name: str
    kind: str
    community_id: int
    unit: str = "household"
    place_ids: list[int] = []
    questions: list[dict[str, Any]] = []
    round_id: int | None = None
    status: str = "open"


class QuestionsIn(Schema):
    questions: list[dict[str, Any]]


class CampaignOut(Schema):
    id: int
    name: str
    kind: str
    unit: str
    status: str
    community_id: int
    community: str
    questions: list[dict[str, Any]]
    created_at: dt.datetime


class AssignIn(Schema):
    building_ids: list[int] = Field(..., min_length=1, max_length=500)
    team_id: int | None = None
    cadre_id: int | None = None


class AssignedOut(Schema):
    assigned: int


class CountsOut(Schema):
    total: int
    done: int
    nobody_home: int
    refused: int
    moved: int
    open: int
    finished: int
    percent: int


class ProgressRowOut(CountsOut):
    id: int | None = None
    name: str


class ProgressOut(Schema):
    totals: CountsOut
    buildings: list[ProgressRowOut]
    teams: list[ProgressRowOut]
    compounds: list[ProgressRowOut]


class DoorTaskOut(Schema):
    id: int
    household_id: int
    household: str
    resident: str = ""
    unit: str
    floor: int
    status: str
    visits: int
    answers: dict[str, Any]
    reason: str = ""


class DoorsOfBuildingOut(Schema):
    campaign_id: int
    campaign: str
    building_id: int
    building: str
    may_record: bool
    questions: list[dict[str, Any]]
    tasks: list[DoorTaskOut]


class MyBuildingOut(Schema):
    campaign_id: int
    campaign: str
    building_id: int
    building: str
    compound: str
    total: int
    pending: int


class PersonIn(Schema):
    kind: str  # new_arrival | returnee
    name: str = ""
    document_number: str = ""
    phone: str = ""
    came_from: str = ""
    arrived_on: str = ""


class OutcomeIn(Schema):
    outcome: str  # done | nobody_home | refused | moved
    answers: dict[str, Any] = {}
    note: str = ""
    people: list[dict[str, Any]] = []
    client_uuid: uuid.UUID | None = None


class OutcomeOut(Schema):
    visit_id: int
    task_id: int
    status: str
    visits: int


class VisitBatchIn(Schema):
    """Outcomes recorded on a phone, checked one by one: each {client_uuid, task_id, outcome,
    at (ISO 8601), answers, note, people}."""

    items: list[DeviceItem] = Field(..., max_length=MAX_ITEMS)


class VisitAnswerOut(Schema):
    client_uuid: str
    status: str  # created | duplicate | rejected
    id: int | None = None
    field: str = ""
    message: str = ""
    task_id: int | None = None
    task_status: str = ""
    visits: int = 0


class ProposalOut(Schema):
    id: int
    kind: str
    status: str
    household_id: int
    household: str
    name: str
    came_from: str
    resident_id: int | None = None
    created_at: dt.datetime


class ConfirmIn(Schema):
    name: str = ""
    document_number: str = ""
    phone: str = ""
    resident_id: int | None = None
    status: str = ""


class RejectIn(Schema):
    note: str = ""
