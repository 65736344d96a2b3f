"""One passage as a device sends it, checked field by field: `parse_item` turns a raw item of
the batch into an `Item` or raises BadItem with the field and the fix (`ingest.py` records
the items)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.checkpoints.models import Decision, Direction, HealthCode, Subject
from shequ.core import pii
from shequ.core.device_items import (
    BadItem,
    choice_field,
    id_field,
    text_field,
    time_field,
    uuid_field,
)

MAX_AGE = dt.timedelta(days=30)  # an offline phone may sync late, not a month late

# The choices, once: `TextChoices.values` builds a new list on every call.
SUBJECTS, DIRECTIONS = tuple(Subject.values), tuple(Direction.values)
HEALTH_CODES, DEVICE_DECISIONS = tuple(HealthCode.values), ("", *Decision.values)


@dataclass
class Item:
    """One item of a batch, checked: what `ingest` decides and records."""

    client_uuid: uuid.UUID
    gate_id: int
    direction: str
    device_time: dt.datetime
    subject: str
    pass_code: str
    resident_id: int | None
    visitor_name: str
    visitor_phone: str
    plate: str
    temperature: float | None
    health_code: str
    travel_star: bool | None
    device_decision: str
    corrects: uuid.UUID | None
    note: str


# Lazy: translated only for an item that has the fault.
_TIME_MESSAGES = {
    "not_iso": gettext_lazy("Send the time at the gate as ISO 8601 text."),
    "in_future": gettext_lazy("This time is in the future: check the phone's clock."),
    "too_old": gettext_lazy("This passage is over 30 days old; enter it by hand."),
}


def _device_time(raw: dict[str, Any], now: dt.datetime) -> dt.datetime:
    return time_field(raw, "device_time", now, max_age=MAX_AGE, **_TIME_MESSAGES)


def _temperature(raw: dict[str, Any]) -> float | None:
    value = raw.get("temperature")
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadItem("temperature", _("Send the temperature in °C as a number, e.g. 36.5."))
    if not 34.0 <= value <= 43.0:
        raise BadItem(
            "temperature", _("A body temperature is between 34 and 43 °C: measure again.")
        )
    return round(float(value), 1)


def parse_item(raw: dict[str, Any], client_uuid: uuid.UUID, now: dt.datetime) -> Item:
    """One raw item from a device, checked field by field (raises BadItem)."""
    gate_id = id_field(raw, "gate_id")
    if gate_id is None:
        raise BadItem("gate_id", _("Say which gate."))
    subject = choice_field(raw, "subject", SUBJECTS, Subject.RESIDENT)
    item = Item(
        client_uuid=client_uuid,
        gate_id=gate_id,
        direction=choice_field(raw, "direction", DIRECTIONS, ""),
        device_time=_device_time(raw, now),
        subject=subject,
        pass_code=text_field(raw, "pass_code", 200),
        resident_id=id_field(raw, "resident_id"),
        visitor_name=text_field(raw, "visitor_name", 50),
        visitor_phone=text_field(raw, "visitor_phone", 20),
        plate=text_field(raw, "plate", 16).upper().replace(" ", ""),
        temperature=_temperature(raw),
        health_code=choice_field(raw, "health_code", HEALTH_CODES, ""),
        travel_star=None,
        device_decision=choice_field(raw, "device_decision", DEVICE_DECISIONS, ""),
        corrects=uuid_field(raw, "corrects", required=False),
        note=text_field(raw, "note", 200),
    )
    star = raw.get("travel_star")
    if star is not None and not isinstance(star, bool):
        raise BadItem("travel_star", _("Send true, false or null."))
    item.travel_star = star
    if subject == Subject.RESIDENT and not item.pass_code and item.resident_id is None:
        raise BadItem("pass_code", _("Scan the entry pass or choose the resident."))
    if subject == Subject.VISITOR and not item.visitor_name:
        raise BadItem("visitor_name", _("Write the visitor's name."))
    if subject == Subject.VISITOR and item.visitor_phone:
        digits = pii.normalize_phone(item.visitor_phone)
        if not digits.isdigit() or not 7 <= len(digits) <= 15:
            raise BadItem("visitor_phone", _("Write the phone number in digits, e.g. 13800000000."))
    if subject == Subject.VEHICLE and not item.plate:
        raise BadItem("plate", _("Write the vehicle's plate."))
    return item
