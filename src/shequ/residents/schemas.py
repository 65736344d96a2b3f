"""API schemas for residents and their imports."""

from __future__ import annotations

import datetime as dt
import uuid

from ninja import Field, Schema

from shequ.residents.models import DocumentType, Gender, HealthStatus, Occupancy, Relation, Tag


class ResidentOut(Schema):
    id: int
    name: str
    gender: str
    birth_date: dt.date | None
    document_type: DocumentType
    document_number: str = Field(description="Masked unless your role may see it in full.")
    phone: str = Field(description="Masked unless your role may see it in full.")
    household_id: int
    household: str
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
    name: str | None = Field(None, max_length=50)
    document_number: str | None = Field(None, max_length=40)
    document_type: DocumentType | None = None
    gender: Gender | None = None
    birth_date: dt.date | None = None
    phone: str | None = Field(None, max_length=30)
    relation: Relation | None = None
    occupancy: Occupancy | None = None
    tags: list[Tag] | None = None
    notes: str | None = Field(None, max_length=500)
    household_id: int | None = Field(None, description="Move the resident to this household.")


class StatusIn(Schema):
    status: HealthStatus
    starts_at: dt.datetime | None = None
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
    q: str | None = Field(None, max_length=50, description="Name, or exact ID number or phone.")
    building: int | None = None
    household: int | None = None
    tag: Tag | None = None
    status: HealthStatus | None = None


class ImportJobOut(Schema):
    id: uuid.UUID
    status: str
    filename: str
    message: str
    total_rows: int
    processed_rows: int
    percent: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    finished: bool
    saved: bool  # false while the counts say what would change (checking, a dry run)


class ImportErrorOut(Schema):
    row: int
    column: str
    value: str
    reason: str
