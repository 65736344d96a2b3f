"""Schemas every API module shares: the one JSON error answer (docs/api.md, "Errors"), and
the answers about spreadsheet import jobs (every import: residents, staff, places, …)."""

from __future__ import annotations

import uuid

from ninja import Field, Schema

from shequ.core.models import ImportJob


class FieldErrorOut(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    """Every error answer: what went wrong in words, and field by field where a field is at
    fault (`items.3.name`, `body`, `__all__`)."""

    detail: str
    errors: list[FieldErrorOut]


def errors(*codes: int) -> dict[int, type[ErrorOut]]:
    """The error answers an operation declares: `response={200: PlaceOut, **errors(404)}`."""
    return dict.fromkeys(codes, ErrorOut)


class ColumnReadOut(Schema):
    header: str = Field(description="The header as written in the file.")
    field: str
    column: str = Field(description="The template's name of the column it was read as.")


class ColumnIgnoredOut(Schema):
    header: str
    because: str = Field(description="Empty: unknown header; else the field read elsewhere.")
    column: str = Field(description="That field's column name, when read from another column.")


class ImportColumnsOut(Schema):
    read: list[ColumnReadOut]
    ignored: list[ColumnIgnoredOut]


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
    columns: ImportColumnsOut = Field(
        description="How each header of the file was read, and the headers ignored."
    )

    @staticmethod
    def resolve_columns(obj: ImportJob) -> dict:
        return obj.options.get("columns") or {"read": [], "ignored": []}

    saved: bool  # false while the counts say what would change (checking, a dry run)


class ImportErrorOut(Schema):
    row: int
    column: str
    value: str
    reason: str
