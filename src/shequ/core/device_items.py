"""Reading one item of a device's batch (gate passages, swabs, check-ins, report-ins) field by
field: a bad field raises `BadItem` naming it and the fix, so the batch answers that item and
goes on (`core.batches` is the batch around it). Every reader refuses what the databases
would refuse later, for the whole batch: NUL bytes and lone surrogates in text, ids past
2**53, times that do not fit a datetime."""

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

# The one clock-skew rule of every device time: a phone's clock may run this much ahead of the
# server's (they drift; a check-in "in the future" by a few minutes is still believed).
CLOCK_SKEW = dt.timedelta(minutes=10)

# One item of a batch in an API schema: documented as an object, handed to the service as
# sent, which checks it field by field and answers a bad one without failing the batch.
DeviceItem = Annotated[Any, WithJsonSchema({"type": "object"})]


def batch_answers(results: Sequence[Any]) -> HttpResponse:
    """A batch endpoint's per-item answers (dataclasses of plain values) as JSON. They are
    plain data already: putting 500 of them through the response schema cost more CPU than
    the database (bench/README.md); the schema stays on the route for the API docs."""
    text = json.dumps([r.__dict__ for r in results], ensure_ascii=False)
    # An answer may echo what a device sent, lone surrogates included: those go out as JSON's
    # own \uXXXX escapes (backslashreplace spells them so), never as a server error.
    return HttpResponse(
        text.encode("utf-8", "backslashreplace"), content_type="application/json; charset=utf-8"
    )


class BadItem(Exception):
    """A bad field of one item; `message` may be lazy (translated when the error happens)."""

    def __init__(self, field_name: str, message: str | Promise) -> None:
        text = str(message)
        super().__init__(text)
        self.field, self.message = field_name, text


def plain_text(key: str, value: str) -> str:
    """`value` if both databases can store it: PostgreSQL refuses a NUL byte in text, and a
    lone surrogate (JSON's "\\ud800") is no UTF-8 at all."""
    if "\x00" in value:
        raise BadItem(key, _("Remove the NUL character (\\u0000) from the text."))
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise BadItem(key, _("The text is not valid Unicode.")) from None
    return value


def text_field(raw: dict[str, Any], key: str, limit: int) -> str:
    """Text of at most `limit` characters, stripped; "" when missing or null."""
    value = raw.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadItem(key, _("Send text."))
    value = value.strip()
    if len(value) > limit:
        raise BadItem(key, _("At most %d characters.") % limit)
    return plain_text(key, value)


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


def check_time(
    key: str,
    when: dt.datetime,
    now: dt.datetime,
    *,
    max_age: dt.timedelta,
    in_future: str | Promise,
    too_old: str | Promise,
) -> dt.datetime:
    """`when` (aware) if it is neither ahead of the server by more than `CLOCK_SKEW` nor
    older than `max_age`."""
    if when > now + CLOCK_SKEW:
        raise BadItem(key, in_future)
    if when < now - max_age:
        raise BadItem(key, too_old)
    return when


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
    """An ISO 8601 time from the device (with its UTC offset, or without: city time), by
    `check_time`; the three messages (lazy, so that a good item costs no translation
    lookups) say what is wrong."""
    value = raw.get(key)
    when = None
    if isinstance(value, str) and len(value) <= 40:
        try:
            when = dt.datetime.fromisoformat(value)
            if timezone.is_naive(when):
                when = timezone.make_aware(when)
            # Year 1 with a positive offset (or 9999 with a negative one) is no time in UTC.
            when.astimezone(dt.UTC)
        except (ValueError, OverflowError):
            when = None
    if when is None:
        raise BadItem(key, not_iso)
    return check_time(key, when, now, max_age=max_age, in_future=in_future, too_old=too_old)
