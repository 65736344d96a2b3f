"""Schemas of /api/v1/reports."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class CorrectionOut(Schema):
    old_value: int
    new_value: int
    reason: str
    by: str
    at: dt.datetime


class FigureOut(Schema):
    key: str
    label: str
    value: int
    compiled_value: int
    corrected: bool
    corrections: list[CorrectionOut]


class DutyByOut(Schema):
    by: str  # agency / team
    name: str
    people: int
    person_times: int
    minutes: int


class ReportOut(Schema):
    community_id: int
    community: str
    day: dt.date
    compiled: bool
    status: str
    compiled_at: dt.datetime | None
    submitted_at: dt.datetime | None
    due_at: dt.datetime
    difficulties: str = ""
    needs: str = ""
    good_practice: str = ""
    figures: list[FigureOut]
    on_duty_by: list[DutyByOut]  # live detail of the duty figures, by agency and by team


class ReportListOut(Schema):
    community_id: int
    community: str
    status: str  # draft / submitted / "" (not compiled)


class CorrectionIn(Schema):
    key: str = Field(max_length=40)
    value: int
    reason: str = Field(max_length=200)


class TextIn(Schema):
    difficulties: str = Field("", max_length=2000)
    needs: str = Field("", max_length=2000)
    good_practice: str = Field("", max_length=2000)


class WorstOut(Schema):
    community_id: int
    community: str
    gap: int
    value: int


class PartOut(Schema):
    place_id: int
    place: str
    figures: dict[str, int]


class StandingOut(Schema):
    community_id: int
    community: str
    state: str  # on_time / late / missing / pending


class RollupOut(Schema):
    place_id: int
    place: str
    day: dt.date
    totals: dict[str, int]
    parts: list[PartOut]
    worst: dict[str, list[WorstOut]]
    standings: list[StandingOut]


class AgencyReportIn(Schema):
    agency_code: str = Field(max_length=40)
    deployed: int
    hours: int
    unwell: int
    where: str = Field("", max_length=2000)
    notes: str = Field("", max_length=2000)


class AgencyReportOut(Schema):
    agency_code: str
    agency: str
    day: dt.date
    deployed: int
    hours: int
    unwell: int
    where: str
    notes: str
    filed_at: dt.datetime
