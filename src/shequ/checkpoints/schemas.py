"""API shapes for /api/v1/checkpoints."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Schema

from shequ.checkpoints.passes import pass_token
from shequ.core import pii
from shequ.core.batches import MAX_ITEMS
from shequ.core.device_items import DeviceItem
from shequ.places.addresses import address_labels

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class PassageBatchIn(Schema):
    """Items are checked one by one (a bad item is answered, not the whole batch): each is
    {client_uuid, gate_id, direction "in"|"out", device_time (ISO 8601), subject
    "resident"|"visitor"|"vehicle", pass_code (the scanned QR text) and/or resident_id,
    visitor_name, visitor_phone, plate, temperature (°C), health_code "green"|"yellow"|"red"|"",
    travel_star (bool), device_decision "allow"|"refuse" (what the phone decided offline),
    corrects (the client_uuid of a passage this one corrects), note}."""

    items: list[DeviceItem] = Field(..., max_length=MAX_ITEMS)


class PassageResultOut(Schema):
    client_uuid: str
    status: str
    id: int | None
    decision: str
    reasons: list[str]
    alert: bool
    disagrees: bool
    field: str
    message: str


class GateOut(Schema):
    id: int
    name: str
    community_id: int
    community: str
    address: str  # where the gate is: places/addresses.py


class PassIn(Schema):
    household_id: Id
    valid_from: dt.date
    valid_until: dt.date
    holder_ids: list[Id] | None = None


class PassChangeIn(Schema):
    reason: str = Field("", max_length=200)


class PassReissueIn(Schema):
    valid_until: dt.date | None = None


class PassOut(Schema):
    id: int
    household_id: int
    household: str
    address: str
    version: int
    status: str
    valid_from: dt.date
    valid_until: dt.date
    holder_ids: list[int]
    qr: str

    @staticmethod
    def resolve_household(obj: Any) -> str:
        return obj.household.name

    @staticmethod
    def resolve_address(obj: Any) -> str:
        # A list's page carries its addresses (api.py, each_page); one pass costs one query.
        known = getattr(obj, "address", None)
        return known if known is not None else address_labels([obj.household])[obj.household_id]

    @staticmethod
    def resolve_holder_ids(obj: Any) -> list[int]:
        return sorted(h.pk for h in obj.holders.all())

    @staticmethod
    def resolve_qr(obj: Any) -> str:
        return pass_token(obj.pk, obj.version)


class RulesIn(Schema):
    rules: dict[str, Any]


class RulesOut(Schema):
    community_id: int
    version: int
    rules: dict[str, Any]


class PassageOut(Schema):
    id: int
    client_uuid: str
    gate_id: int
    direction: str
    device_time: dt.datetime
    server_time: dt.datetime
    subject: str
    resident_id: int | None
    entry_pass_id: int | None
    visitor_name: str
    visitor_phone: str
    plate: str
    temperature: float | None
    health_code: str
    travel_star: bool | None
    decision: str
    reasons: list[str]
    alert: bool
    device_decision: str
    disagrees: bool
    corrects_id: int | None
    address: str = ""  # the home of the resident or the pass, when there is one

    @staticmethod
    def resolve_client_uuid(obj: Any) -> str:
        return str(obj.client_uuid)

    @staticmethod
    def resolve_visitor_phone(obj: Any) -> str:
        return pii.mask(obj.visitor_phone)


class HourOut(Schema):
    gate_id: int
    gate: str
    hour: dt.datetime
    passages_in: int
    passages_out: int
    refused: int
