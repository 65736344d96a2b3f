"""A household's address: its building, its unit (单元) and its room, and the code and name
built from them.

A unit is an attribute of the household, not a level of the tree: households stay directly
under their building (so zones, entry passes, missed lists and routes per building keep
working), and the unit is part of the household's identity (unique with building and name)
and of its name and code: flat 801 of unit 1 is "1单元801室", code "<building>-U1-801", and
can never be the same household as flat 801 of unit 3. See docs/residents.md.
"""

from __future__ import annotations

import re

UNIT_MAX = 10
ROOM_SUFFIX = re.compile(r"(室|号|户)$")
UNIT_SUFFIX = re.compile(r"\s*(单元|unit)$", re.IGNORECASE)
UNIT_PREFIX = re.compile(r"^(unit)\s*", re.IGNORECASE)
CN_DIGITS = dict(zip("零一二三四五六七八九", "0123456789", strict=True))
# A name that already says its unit: "1单元801室", "3单元 502".
NAMED_UNIT = re.compile(
    r"^\s*(?P<unit>[0-9A-Za-z一二三四五六七八九十]{1,6})\s*单元\s*(?P<room>\S.*)$"
)


def _chinese_number(text: str) -> str:
    """'三' → '3', '十二' → '12', '二十' → '20'; other text unchanged."""
    if not text or any(ch not in CN_DIGITS and ch != "十" for ch in text):
        return text
    if "十" not in text:
        return "".join(CN_DIGITS[ch] for ch in text)
    tens, _sep, ones = text.partition("十")
    value = (int(CN_DIGITS[tens]) if tens else 1) * 10 + (int(CN_DIGITS[ones]) if ones else 0)
    return str(value)


def normalize_unit(text: str) -> str:
    """A unit as stored: '1单元', '01', '一单元', 'Unit 1' → '1'; 'a座' stays 'A座'; '' → ''."""
    text = UNIT_PREFIX.sub("", UNIT_SUFFIX.sub("", (text or "").strip())).strip()
    text = _chinese_number(text)
    if text.isdigit():
        text = str(int(text))
    return text.upper()


def room_key(room: str) -> str:
    """A room as compared: '801室', '801', '801号' → '801'."""
    return ROOM_SUFFIX.sub("", (room or "").strip()).upper()


def household_name(unit: str, room: str) -> str:
    """The name people read: '1单元801室' (with a unit), '801室' (without)."""
    room = (room or "").strip()
    if room and not ROOM_SUFFIX.search(room):
        room = f"{room}室"
    return f"{unit}单元{room}" if unit else room


def household_code(building_code: str, unit: str, room: str) -> str:
    """The code: '<building>-U1-801' with a unit, '<building>-801' without."""
    key = room_key(room)
    return f"{building_code}-U{unit}-{key}" if unit else f"{building_code}-{key}"


def room_of(name: str, unit: str) -> str:
    """The room part of a household's name ('1单元801室', unit '1' → '801室')."""
    if unit:
        match = NAMED_UNIT.match(name or "")
        if match and normalize_unit(match.group("unit")) == unit:
            return match.group("room").strip()
    return (name or "").strip()


def household_key(unit: str, name: str) -> tuple[str, str]:
    """What tells the households of one building apart: (unit, room)."""
    return unit, room_key(room_of(name, unit))


def unit_in_name(name: str) -> tuple[str, str] | None:
    """(unit, room) when a household's name already says its unit ('2单元301室'), else None."""
    match = NAMED_UNIT.match(name or "")
    if not match:
        return None
    unit = normalize_unit(match.group("unit"))
    return (unit, match.group("room").strip()) if unit and len(unit) <= UNIT_MAX else None
