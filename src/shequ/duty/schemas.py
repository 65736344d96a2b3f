"""API schemas for duty: posts, rosters, shifts, attendance, urgent calls, changes, hours."""

import datetime as dt
from typing import Annotated, Any, Literal

from django.urls import reverse
from ninja import Field, Schema
from pydantic import model_validator

from shequ.core.batches import MAX_ITEMS
from shequ.core.device_items import DeviceItem
from shequ.core.times import CityTime, Day, Instant
from shequ.duty.attendance import is_late
from shequ.duty.models import PostKind, RosterJob

# An id sent by a client: a positive 64-bit integer (larger ones name nothing and would
# overflow the database driver).
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class ShiftOut(Schema):
    id: int
    name: str
    starts: CityTime
    minutes: int


class PostIn(Schema):
    community_id: Id
    name: str = Field(..., max_length=60)
    kind: PostKind
    place_id: Id | None = None
    opens: CityTime = dt.time(0, 0)
    closes: CityTime = dt.time(0, 0)
    pattern: Literal["3x8", "2x12", "day", "none"] = "3x8"
    people: int = Field(1, ge=1, le=50)


class PostOut(Schema):
    id: int
    community_id: int
    place_id: int
    name: str
    kind: str
    opens: CityTime
    closes: CityTime
    active: bool
    shifts: list[ShiftOut]


class RosterIn(Schema):
    place_id: Id
    starts_on: Day
    days: int = Field(7, ge=1, le=28)
    time_limit: float | None = Field(None, gt=0, le=120)


class ReplanIn(Schema):
    reason: str = Field("", max_length=200)


class RosterOut(Schema):
    id: int
    place_id: int
    starts_on: dt.date
    days: int
    status: str
    based_on_id: int | None
    reason: str
    solver_status: str
    objective: int | None
    seconds: float
    changes: int
    created_at: dt.datetime
    published_at: dt.datetime | None


class RosterJobLinksOut(Schema):
    job: str = Field(description="This job in the API: poll it until `finished`.")
    page: str = Field(description="The job's page, with its progress bar.")
    roster: str | None = Field(None, description="The draft roster in the API, once done.")


class RosterJobOut(Schema):
    """A roster being made in the background (`POST /rosters` answers 202 with it)."""

    id: int
    place_id: int
    starts_on: dt.date
    days: int
    status: str = Field(description="queued, solving, done or failed")
    percent: int
    message: str = Field(description="Why it failed, or how long it took.")
    seconds: float = Field(description="The solver's time limit.")
    finished: bool
    roster_id: int | None = Field(None, description="The draft roster, once done.")
    draft_objective: int | None = Field(
        None, description="Penalty of the first complete roster that breaks no rule."
    )
    draft_short: int | None = Field(None, description="Its person-shifts nobody covers.")
    draft_seconds: float | None = Field(None, description="When it was there (s from start).")
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    links: RosterJobLinksOut

    @staticmethod
    def resolve_links(obj: RosterJob) -> dict:
        return {
            "job": reverse("api:roster_job_detail", args=[obj.pk]),
            "page": reverse("duty:roster_job", args=[obj.pk]),
            "roster": (
                reverse("api:roster_detail", args=[obj.roster_id]) if obj.roster_id else None
            ),
        }


class AssignmentOut(Schema):
    id: int
    roster_id: int
    shift_id: int
    shift: str = Field(alias="shift.name")
    post_id: int = Field(alias="shift.post_id")
    post: str = Field(alias="shift.post.name")
    day: dt.date
    staff_id: int
    staff: str = Field(alias="staff.name")
    starts_at: dt.datetime
    ends_at: dt.datetime
    is_leader: bool
    vacated: bool = False  # taken off the shift by an approved sick report

    @staticmethod
    def resolve_vacated(obj: Any) -> bool:
        return bool(getattr(obj, "vacated", False))


class ExplanationOut(Schema):
    code: str
    text: str


class RosterDetailOut(RosterOut):
    assignments: list[AssignmentOut]
    explanation: list[ExplanationOut]


class CheckInIn(Schema):
    post_id: Id | None = None
    token: str | None = Field(None, max_length=32)
    at: Instant | None = None

    @model_validator(mode="after")
    def one_post(self) -> "CheckInIn":
        if (self.post_id is None) == (not self.token):
            raise ValueError("give either post_id or token (the post's QR code)")
        return self


class CheckOutIn(Schema):
    at: Instant | None = None


class ManualIn(Schema):
    staff_id: Id
    post_id: Id
    check_in_at: Instant
    check_out_at: Instant | None = None
    reason: str = Field(..., min_length=1, max_length=200)


class AttendanceOut(Schema):
    id: int
    staff_id: int
    staff: str = Field(alias="staff.name")
    post_id: int
    post: str = Field(alias="post.name")
    community_id: int
    assignment_id: int | None
    day: dt.date
    check_in_at: dt.datetime
    check_out_at: dt.datetime | None
    in_source: str
    out_source: str
    late_minutes: int
    late: bool = False
    minutes: int | None
    overtime: bool
    reason: str

    @staticmethod
    def resolve_late(obj: Any) -> bool:
        return is_late(obj)


class AttendanceBatchIn(Schema):
    """Items are checked one by one (a bad item is answered, not the whole batch): each is
    {client_uuid, kind "in"|"out", staff_id, at (ISO 8601), post_id or post_token}."""

    items: list[DeviceItem] = Field(..., max_length=MAX_ITEMS)


class AttendanceResultOut(Schema):
    client_uuid: str
    status: str
    id: int | None
    field: str
    message: str


class CallIn(Schema):
    community_id: Id
    where: str = Field("", max_length=100)
    needed: int = Field(..., ge=1, le=200)
    starts_at: Instant | None = None
    hours: int = Field(2, ge=1, le=12)
    message: str = Field("", max_length=200)
    post_id: Id | None = None
    waive_rest: bool = False


class CallOut(Schema):
    id: int
    community_id: int
    post_id: int | None
    where: str
    needed: int
    accepted: int
    notified: int
    status: str
    message: str
    starts_at: dt.datetime
    hours: int
    waive_rest: bool
    created_at: dt.datetime
    filled_at: dt.datetime | None


class MyCallOut(CallOut):
    my_answer: Literal["accepted", "thanked"] | None = None


class AnswerOut(Schema):
    call: CallOut
    accepted: bool
    message: str


class SwapIn(Schema):
    assignment_id: Id
    replacement_id: Id
    reason: str = Field("", max_length=200)


class SickIn(Schema):
    assignment_id: Id
    reason: str = Field("", max_length=200)


class DecideIn(Schema):
    approve: bool


class ChangeOut(Schema):
    id: int
    kind: str
    status: str
    assignment_id: int
    shift: str = ""
    day: dt.date = Field(alias="assignment.day")
    requested_by_id: int
    requested_by: str = Field(alias="requested_by.name")
    replacement_id: int | None
    replacement: str | None = None
    reason: str
    proposal_id: int | None
    created_at: dt.datetime
    decided_at: dt.datetime | None

    @staticmethod
    def resolve_shift(obj: Any) -> str:
        shift = obj.assignment.shift
        return f"{shift.post.name} {shift.name}"

    @staticmethod
    def resolve_replacement(obj: Any) -> str | None:
        return obj.replacement.name if obj.replacement_id else None


class HoursRowOut(Schema):
    key: int | None
    name: str
    day: dt.date | None
    people: int
    person_times: int
    minutes: int
    hours: float
    late: int
    overtime: int
    open: int


class HoursReportOut(Schema):
    by: str
    day_from: dt.date
    day_to: dt.date
    rows: list[HoursRowOut]
    total: HoursRowOut
