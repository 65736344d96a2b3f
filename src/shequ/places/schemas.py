"""API schemas for places and zones."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Field, Schema

from shequ.core.times import Instant
from shequ.places.models import PlaceKind, ZoneLevel


class PlaceOut(Schema):
    id: int
    kind: PlaceKind
    code: str
    name: str
    parent_id: int | None
    no_property_management: bool
    unit: str = Field(description="A household's unit (单元); empty for other places.")
    level_word: str = Field(
        description="town / township (a street's level), village (a community's), courtyard "
        "(a compound's); empty: the kind's own word."
    )
    level: str = Field(description="The level as the UI names it: 街道, 镇, 村, 小区, …")

    @staticmethod
    def resolve_level(obj: Any) -> str:
        return obj.level_label()


class PlaceFilter(Schema):
    kind: PlaceKind | None = None
    parent: int | None = Field(None, description="Only the children of this place id.")
    q: str | None = Field(None, max_length=100, description="Name contains, or code starts with.")


class ZoneOut(Schema):
    id: int
    place_id: int | None = Field(description="Empty when set on a place outside your scope.")
    level: ZoneLevel
    starts_at: datetime
    ends_at: datetime | None
    reason: str
    set_by: str

    @staticmethod
    def resolve_set_by(obj: Any) -> str:
        return obj["set_by"] if isinstance(obj, dict) else obj.set_by.username


class ZoneIn(Schema):
    level: ZoneLevel
    starts_at: Instant | None = None
    ends_at: Instant | None = None
    reason: str = Field("", max_length=200)


class CurrentZoneOut(Schema):
    place_id: int
    zone: ZoneOut | None
