"""API schemas for residents and their imports."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

# The import job answers are shared by every import (core.schemas); re-exported here.
from shequ.core.schemas import (  # noqa: F401 - re-exported for older imports
    ColumnIgnoredOut,
    ColumnReadOut,
    ImportColumnsOut,
    ImportErrorOut,
    ImportJobOut,
)
from shequ.core.times import Instant
from shequ.residents.models import DocumentType, Gender, HealthStatus, Occupancy, Relation, Tag


class ResidentOut(Schema):
    id: int
    name: str
    gender: str
    birth_date: dt.date | None = Field(description="Empty unless your role may see it in full.")
    birth_year: int | None
    document_type: DocumentType
    document_number: str = Field(
        description="In full if your role may see it, else only its last 4 characters."
    )
    phone: str = Field(description="In full if your role may see it, else 3 + 4 digits.")
    household_id: int
    household: str = Field(description="The household's code.")
    address: str = Field(description="Compound, building, unit and room.")
    relation: Relation
    occupancy: Occupancy
    tags: list[Tag]
    notes: str
    health_status: HealthStatus


class ResidentIn(Schema):
    household_id: int
    name: str = Field(..., max_length=50)
    document_number: str = Field(..., max_length=40)
    document_type: DocumentType = DocumentType.RESIDENT_ID
    gender: Gender | None = None
    birth_date: dt.date | None = None
    phone: str = Field("", max_length=30)
    relation: Relation = Relation.OTHER
    occupancy: Occupancy = Occupancy.OWNER
    tags: list[Tag] = []
    notes: str = Field("", max_length=500)


class ResidentPatch(Schema):
    # A name, phone or note is text: "" clears a phone or a note, null is refused (422; it
    # reached the database as NULL: a 500, or a 409 "changed at the same moment" for phone).
    name: str = Field(None, max_length=50)
    document_number: str | None = Field(None, max_length=40)
    document_type: DocumentType | None = None
    gender: Gender | None = None
    birth_date: dt.date | None = None
    phone: str = Field(None, max_length=30)
    relation: Relation | None = None
    occupancy: Occupancy | None = None
    tags: list[Tag] | None = None
    notes: str = Field(None, max_length=500)
    household_id: int | None = Field(None, description="Move the resident to this household.")


class StatusIn(Schema):
    status: HealthStatus
    starts_at: Instant | None = None
    planned_end: dt.date | None = None
    reason: str = Field("", max_length=200)


class StatusOut(Schema):
    id: int
    status: HealthStatus
    starts_at: dt.datetime
    planned_end: dt.date | None
    ended_at: dt.datetime | None
    reason: str


class ResidentFilter(Schema):
    q: str | None = Field(
        None,
        max_length=50,
        description="Part of a name; or an exact ID number or phone (roles that see them in full).",
    )
    why: str | None = Field(
        None, max_length=200, description="Why you look (kept in the audit log; optional)."
    )
    building: int | None = None
    household: int | None = None
    tag: Tag | None = None
    status: HealthStatus | None = None
