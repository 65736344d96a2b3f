"""Schemas every API module shares: the one JSON error answer (docs/api.md, "Errors")."""

from __future__ import annotations

from ninja import Schema


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
