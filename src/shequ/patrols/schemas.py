"""The patrols API's schemas (/api/v1/patrols)."""

from __future__ import annotations

import datetime as dt
import uuid

from ninja import Field, Schema

from shequ.core.batches import MAX_ITEMS
from shequ.core.device_items import DeviceItem


class PatrolAreaIn(Schema):
    place_id: int = Field(description="A community, a compound or a building.")
    kind: str = Field(description="stairwell | gate | lift | rubbish | vehicle | other")
    name: str = Field("", description="Required for one area; the bulk names each by building.")
    times: list[str] = Field(
        default_factory=list, description='Local times of day, e.g. ["08:00", "16:00"].'
    )
    every_hours: int | None = Field(None, description="Instead of times: every N hours…")
    start: str = Field("08:00", description="…from this local time until the day ends.")
    tolerance: int = Field(60, description="Minutes either side of each time.")
    agent_id: int | None = None
    warehouse_id: int | None = None
    dose: int = Field(0, description="Units of the agent a round usually uses.")


class PatrolAreaOut(Schema):
    id: int
    name: str
    kind: str
    place_id: int
    place: str
    community_id: int
    times: list[str]
    tolerance: int
    agent: str
    dose: int
    active: bool


class PatrolSlotOut(Schema):
    at: dt.datetime
    opens: dt.datetime
    closes: dt.datetime
    status: str  # done | missed | due | later


class PatrolChecklistAreaOut(Schema):
    id: int
    name: str
    kind: str
    place: str
    agent: str
    dose: int
    slots: list[PatrolSlotOut]


class PatrolChecklistOut(Schema):
    community_id: int
    community: str
    day: dt.date
    areas: list[PatrolChecklistAreaOut]


class PatrolRoundIn(Schema):
    client_uuid: uuid.UUID | None = None
    area_id: int
    done_at: dt.datetime | None = None
    quantity: int | None = Field(None, description="Units used; the area's dose if left out.")
    note: str = ""
    photo: str = Field("", description="Base64 (or a data: URL) of a JPEG, PNG or WebP.")


class PatrolRoundOut(Schema):
    id: int
    area_id: int
    area: str
    done_at: dt.datetime
    by: str
    quantity: int
    drawn: int
    note: str
    has_photo: bool


class PatrolRoundBatchIn(Schema):
    """Rounds recorded on a phone, checked one by one: each is a PatrolRoundIn with its
    `client_uuid` and `done_at` required."""

    items: list[DeviceItem] = Field(..., max_length=MAX_ITEMS)


class PatrolRoundAnswerOut(Schema):
    client_uuid: str
    status: str  # created | duplicate | rejected
    id: int | None = None
    field: str = ""
    message: str = ""
    drawn: int = 0


class PatrolDayOut(Schema):
    day: dt.date
    done: int
    missed: int


class PatrolFindingIn(Schema):
    place_id: int
    kind: str = Field(description="shop_open | crowd | no_mask | other")
    note: str
    spot: str = ""
    photo: str = Field("", description="Base64 (or a data: URL) of a JPEG, PNG or WebP.")
    assignee_id: int | None = None
    due_on: dt.date | None = None


class PatrolFindingOut(Schema):
    id: int
    place_id: int
    place: str
    spot: str
    kind: str
    note: str
    found_at: dt.datetime
    by: str
    assignee: str
    due_on: dt.date | None
    resolved_at: dt.datetime | None
    resolution: str


class PatrolAssignIn(Schema):
    assignee_id: int | None = None
    due_on: dt.date | None = None


class PatrolResolveIn(Schema):
    note: str
