"""Reading one item of a device's batch (gate passages, swabs, …) field by field: a bad field
raises `BadItem` naming it and the fix, so the batch answers that item and goes on."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Sequence
from typing import Annotated, Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from pydantic import WithJsonSchema

FUTURE_SLACK = dt.timedelta(minutes=10)  # device clocks run a little fast

# One item of a batch in an API schema: documented as an object, handed to the service as
# sent, which checks it field by field and answers a bad one without failing the batch.
DeviceItem = Annotated[Any, WithJsonSchema({"type": "object"})]


def batch_answers(results: Sequence[Any]) -> HttpResponse:
    """A batch endpoint's per-item answers (dataclasses of plain values) as JSON. They are
    plain data already: putting 500 of them through the response schema cost more CPU than
    the database (bench/README.md); the schema stays on the route for the API docs."""
    return HttpResponse(
        json.dumps([r.__dict__ for r in results], ensure_ascii=False),
        content_type="application/json",
    )


class BadItem(Exception):
    """A bad field of one item; `message` may be lazy (translated when the error happens)."""

    def __init__(self, field_name: str, message: str | Promise) -> None:
        text = str(message)
        super().__init__(text)
        self.field, self.message = field_name, text


def text_field(raw: dict[str, Any], key: str, limit: int) -> str:
    value = raw.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadItem(key, _("Send text."))
    value = value.strip()
    if len(value) > limit:
        raise BadItem(key, _("At most %d characters.") % limit)
    return value


def choice_field(raw: dict[str, Any], key: str, choices: Sequence[str], default: str) -> str:
    value = raw.get(key, default)
    if value is None:
        value = default
    if value not in choices:
        raise BadItem(key, _("Choose one of: %s.") % ", ".join(c or '""' for c in choices))
    return value


def id_field(raw: dict[str, Any], key: str) -> int | None:
    value = raw.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**53:
        raise BadItem(key, _("Send the id as a whole number."))
    return value


def uuid_field(raw: dict[str, Any], key: str, required: bool) -> uuid.UUID | None:
    value = raw.get(key)
    if value in (None, ""):
        if required:
            raise BadItem(key, _("Every item needs the device's UUID for it."))
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise BadItem(key, _("Send a UUID such as 0b6f…-…; got %s.") % str(value)[:40]) from None


def time_field(
    raw: dict[str, Any],
    key: str,
    now: dt.datetime,
    *,
    max_age: dt.timedelta,
    not_iso: str | Promise,
    in_future: str | Promise,
    too_old: str | Promise,
) -> dt.datetime:
    """An ISO 8601 time from the device (naive = city time), not ahead of the server by more
    than a few minutes nor older than `max_age`; the three messages (lazy, so that a good item
    costs no translation lookups) say what is wrong."""
    value = raw.get(key)
    when = None
    if isinstance(value, str):
        try:
            when = dt.datetime.fromisoformat(value)
        except ValueError:
            when = None
    if when is None:
        raise BadItem(key, not_iso)
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    if when > now + FUTURE_SLACK:
        raise BadItem(key, in_future)
    if when < now - max_age:
        raise BadItem(key, too_old)
    return when
