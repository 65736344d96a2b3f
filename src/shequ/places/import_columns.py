"""The columns of a place sheet and how one row reads: the chain of places it names.

One row per deepest place (a household, a building, … or a community with nothing below yet),
with a pair of columns (code, name) per level: district, street (街道 / 镇 / 乡), community
(社区 / 村), grid, compound (小区 / 院落), building, then unit and room. The words a level goes
by (镇, 村, 院落) come from the word columns, or from the end of the name (…镇, …村).

Codes: districts, streets and communities take the national 12-digit statistical division
codes (统计用区划代码) or the city's own codes; a 12-digit code is checked (its level's zeros,
its parent's digits). Grids and buildings may go without a code: theirs is then made from
their parent's code and their name. Households get theirs from building, unit and room
(places.households), as resident imports make them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any

from django.utils.translation import gettext as _

from shequ.core.bidi import neutral
from shequ.core.tabular import Column, HeaderMap
from shequ.places.households import (
    UNIT_MAX,
    household_name,
    normalize_unit,
    room_key,
    room_of,
    unit_in_name,
)
from shequ.places.models import LevelWord, PlaceKind

SPACE = re.compile(r"\s")
NAME_MAX = 100
CODE_MAX = 40

COLUMNS = [
    Column("district_code", "区县代码", ("district code", "区代码", "县区代码", "区县编码"), True),
    Column("district", "区县", ("district", "区", "县区", "区县名称", "区名"), True),
    Column("street_code", "街道代码", ("street code", "乡镇代码", "街道乡镇代码", "街道编码")),
    Column("street", "街道", ("street", "乡镇", "街道乡镇", "乡镇街道", "街道名称")),
    Column("street_word", "街道类型", ("street word", "street type", "乡镇类型")),
    Column("community_code", "社区代码", ("community code", "村代码", "社区村代码", "村居代码")),
    Column("community", "社区", ("community", "村", "社区村", "村居", "居委会", "社区名称")),
    Column("community_word", "社区类型", ("community word", "community type", "村居类型")),
    Column("grid_code", "网格代码", ("grid code", "网格编码", "网格编号")),
    Column("grid", "网格", ("grid", "网格名称")),
    Column("compound_code", "小区代码", ("compound code", "小区编码", "院落代码")),
    Column("compound", "小区", ("compound", "小区名称", "院落", "楼院", "小区院落")),
    Column("compound_word", "小区类型", ("compound word", "compound type", "院落类型")),
    Column(
        "no_property_management",
        "无物业",
        ("no property management", "无物业管理", "无主管庭院", "无物业小区"),
    ),
    Column("building_code", "楼栋代码", ("building code", "楼栋编码")),
    Column("building", "楼栋", ("building", "楼号", "楼栋号", "楼栋名称", "栋号")),
    Column("unit", "单元", ("unit", "单元号")),
    Column("room", "房号", ("room", "门牌号", "房间号", "室号", "户号")),
]
COLUMNS_BY_FIELD = {c.field: c for c in COLUMNS}
LABELS = {c.field: c.label for c in COLUMNS}

# The levels a row names, in order; each has a name column and a code column.
LEVELS = (
    PlaceKind.DISTRICT,
    PlaceKind.STREET,
    PlaceKind.COMMUNITY,
    PlaceKind.GRID,
    PlaceKind.COMPOUND,
    PlaceKind.BUILDING,
)
# Levels whose code may be left out (made from the parent's code and the name).
CODE_OPTIONAL = frozenset({PlaceKind.GRID, PlaceKind.BUILDING})
# Levels that have national statistical division codes, and the digits each one's code adds.
NATIONAL = {PlaceKind.DISTRICT: 6, PlaceKind.STREET: 9, PlaceKind.COMMUNITY: 12}
DEPTH = {kind: n for n, kind in enumerate((PlaceKind.CITY, *LEVELS, PlaceKind.HOUSEHOLD))}

# Cell words for each level's word column → the stored level word ("" = the kind's own).
WORDS: dict[str, dict[str, str]] = {
    PlaceKind.STREET: {
        "街道": "",
        "街道办事处": "",
        "street": "",
        "镇": LevelWord.TOWN,
        "town": LevelWord.TOWN,
        "乡": LevelWord.TOWNSHIP,
        "township": LevelWord.TOWNSHIP,
    },
    PlaceKind.COMMUNITY: {
        "社区": "",
        "居委会": "",
        "community": "",
        "村": LevelWord.VILLAGE,
        "村委会": LevelWord.VILLAGE,
        "行政村": LevelWord.VILLAGE,
        "village": LevelWord.VILLAGE,
    },
    PlaceKind.COMPOUND: {
        "小区": "",
        "compound": "",
        "院落": LevelWord.COURTYARD,
        "院": LevelWord.COURTYARD,
        "courtyard": LevelWord.COURTYARD,
    },
}
# A name's ending that says its word when the word column is empty: 城关镇, 红星村.
NAME_ENDINGS: dict[str, tuple[tuple[str, str], ...]] = {
    PlaceKind.STREET: (("街道", ""), ("镇", LevelWord.TOWN), ("乡", LevelWord.TOWNSHIP)),
    PlaceKind.COMMUNITY: (("社区", ""), ("村委会", LevelWord.VILLAGE), ("村", LevelWord.VILLAGE)),
    PlaceKind.COMPOUND: (("院落", LevelWord.COURTYARD),),
}
YES = frozenset({"是", "有", "y", "yes", "true", "1", "√", "✓", "无物业"})
NO = frozenset({"否", "无", "n", "no", "false", "0", ""})


@dataclass(slots=True)  # not frozen: a frozen dataclass takes 5 µs to make, this 1 µs
class Spec:
    """One place a row names: what the tree should hold for its code."""

    kind: str
    code: str
    name: str
    parent: str  # the parent's code ("" for a district: the city)
    word: str = ""
    no_property_management: bool = False
    unit: str = ""
    room: str = ""  # households: the room's key, for matching within the building


def _word(kind: str, text: str, name: str) -> tuple[str, str | None]:
    if text:
        found = WORDS[kind].get(text.strip().lower())
        if found is None:
            return "", _("Unknown level word “%(v)s”; use one of: %(ok)s.") % {
                "v": text,
                "ok": "、".join(w for w in WORDS[kind] if not w.isascii()),
            }
        return found, None
    for ending, word in NAME_ENDINGS.get(kind, ()):
        if name.endswith(ending):
            return word, None
    return "", None


def national_problem(kind: str, code: str, parent_code: str) -> str | None:
    """Why `code` cannot be the statistical division code of a `kind` under `parent_code`;
    None for a good one, or for a code of the city's own (not 12 digits)."""
    if kind not in NATIONAL or not code.isdigit():
        return None
    if len(code) != 12:
        if 10 <= len(code) <= 14:
            return _(
                "A statistical division code (统计用区划代码) has 12 digits; this one has %d. "
                "Copy it again, or use a code of the city's own that is not all digits."
            ) % len(code)
        return None
    digits = NATIONAL[kind]
    if code[digits:] != "0" * (12 - digits) or code[digits - 3 : digits] == "000":
        return {
            PlaceKind.DISTRICT: _("A district's 12-digit code ends in 000000, e.g. 620102000000."),
            PlaceKind.STREET: _("A street's (town's) 12-digit code ends in 000: 620102001000."),
            PlaceKind.COMMUNITY: _(
                "A community's (village's) 12-digit code does not end in 000, e.g. 620102001001."
            ),
        }[kind]
    prefix = {PlaceKind.DISTRICT: 4, PlaceKind.STREET: 6, PlaceKind.COMMUNITY: 9}[kind]
    if (
        parent_code.isdigit()
        and len(parent_code) in (6, 12)
        and not code.startswith(parent_code[:prefix])
    ):
        return _(
            "Code %(code)s does not lie under %(parent)s: its first %(n)d digits must be "
            "%(prefix)s."
        ) % {"code": code, "parent": parent_code, "n": prefix, "prefix": parent_code[:prefix]}
    return None


def read_places(cells: list[str], header: HeaderMap, bad: Any, city_code: str) -> list[Spec]:
    """The places the row names above its household, outermost first; problems reported
    through `bad` (the chain is then cut short and the row refused)."""
    get = header.get
    given = [
        (kind, neutral(get(cells, kind)).strip(), neutral(get(cells, f"{kind}_code")).strip())
        for kind in LEVELS
    ]
    deepest = max((n for n, (_k, name, code) in enumerate(given) if name or code), default=-1)
    chain: list[Spec] = []
    parent = ""
    problems = 0
    for kind, name, code in given[: deepest + 1]:
        field = kind
        if not name and not code:
            below = next(g for g in given[given.index((kind, name, code)) + 1 :] if g[1] or g[2])
            bad(
                field,
                "",
                _("A %(below)s needs its %(kind)s: fill in the %(column)s column.")
                % {
                    "below": PlaceKind(below[0]).label,
                    "kind": PlaceKind(kind).label,
                    "column": LABELS[kind],
                },
            )
            return []
        if not name:
            bad(field, "", _("Give the name of the %s.") % PlaceKind(kind).label)
            problems += 1
        elif len(name) > NAME_MAX:
            bad(field, name, _("Keep names to %d characters.") % NAME_MAX)
            problems += 1
        if not code and kind in CODE_OPTIONAL and parent:
            code = f"{parent}-{name}"
        if not code and kind in CODE_OPTIONAL and problems:
            pass  # its parent's code is what is missing: said once, there
        elif not code:
            bad(
                f"{kind}_code",
                "",
                _("Give the %(kind)s's code (the 12-digit statistical division code or the "
                  "city's own).")
                % {"kind": PlaceKind(kind).label},
            )  # fmt: skip
            problems += 1
        elif len(code) > CODE_MAX:
            bad(f"{kind}_code", code, _("Keep codes to %d characters.") % CODE_MAX)
            problems += 1
        elif SPACE.search(code):
            bad(f"{kind}_code", code, _("A code has no spaces."))
            problems += 1
        elif problem := national_problem(kind, code, parent or city_code):
            bad(f"{kind}_code", code, problem)
            problems += 1
        word, problem = ("", None)
        if kind in WORDS:
            word_text = neutral(get(cells, f"{kind}_word")).strip()
            word, problem = _word(kind, word_text, name)
            if problem:
                bad(f"{kind}_word", word_text, problem)
                problems += 1
        npm = False
        if kind == PlaceKind.COMPOUND:
            npm_text = get(cells, "no_property_management").strip().lower()
            if npm_text in YES:
                npm = True
            elif npm_text not in NO:
                bad("no_property_management", npm_text, _("Write 是 or 否 (yes or no)."))
                problems += 1
        chain.append(Spec(kind, code, name, parent, word, npm))
        parent = code
    return [] if problems else chain


class ChainReader:
    """Reads each row's chain of places. Rows of one building repeat the same cells above
    the household: their chain is read once and shared (the same `Spec` objects), so a
    200,000-household sheet checks each district, street, … once, not once per flat."""

    def __init__(self, header: HeaderMap, city_code: str) -> None:
        self.header = header
        self.city_code = city_code
        fields = [c.field for c in COLUMNS if c.field not in ("unit", "room")]
        index = [header.index[f] for f in fields if f in header.index]
        self.width = max(header.index.values(), default=0) + 1
        self.key_of = itemgetter(*index) if len(index) > 1 else lambda cells: (cells[index[0]],)
        self.room, self.unit = header.index.get("room"), header.index.get("unit")
        # cells above the household → (a number for them, their places)
        self.known: dict[Any, tuple[int, list[Spec]]] = {}

    def read(self, cells: list[str], bad: Any) -> tuple[list[Spec], int | None]:
        """(the row's chain, the number of the places above its household, None when they
        had problems): problems reported through `bad`, the chain then empty."""
        if len(cells) < self.width:
            cells = cells + [""] * (self.width - len(cells))
        key = self.key_of(cells)
        found = self.known.get(key)
        if found is None:
            said: list[Any] = []

            def counted(*args: Any) -> None:
                said.append(args)
                bad(*args)

            places = read_places(cells, self.header, counted, self.city_code)
            if said:
                return [], None
            found = self.known[key] = (len(self.known), places)
        number, places = found
        room = neutral(cells[self.room]).strip() if self.room is not None else ""
        unit = neutral(cells[self.unit]).strip() if self.unit is not None else ""
        if not (room or unit):
            return places, number
        household = _household(places, room, unit, bad)
        return ([*places, household], number) if household is not None else ([], None)


@lru_cache(maxsize=8192)
def _flat(room: str, unit_text: str) -> tuple[str, str, str] | None:
    """(unit, name, room key) of a flat as written; None when the unit is too long. The same
    few rooms (101, 102, …) recur in every building: each is worked out once."""
    unit = normalize_unit(unit_text)
    if not unit and (said := unit_in_name(room)):
        unit, room = said  # "1单元801" in the room column says its unit
    if len(unit) > UNIT_MAX:
        return None
    room = room_of(room, unit)
    return unit, household_name(unit, room), room_key(room)


def _household(chain: list[Spec], room: str, unit_text: str, bad: Any) -> Spec | None:
    if not chain or chain[-1].kind != PlaceKind.BUILDING:
        bad("room", room, _("A room needs its building (and everything above it)."))
        return None
    if not room:
        bad("room", "", _("A unit needs a room: give the room number."))
        return None
    flat = _flat(room, unit_text)
    if flat is None:
        bad("unit", unit_text, _("Write the unit as a number such as 1 or 1单元."))
        return None
    unit, name, key = flat
    building = chain[-1].code
    code = f"{building}-U{unit}-{key}" if unit else f"{building}-{key}"  # household_code
    if len(name) > NAME_MAX or len(code) > CODE_MAX:
        bad("room", room, _("Keep the room to a few characters, such as 801."))
        return None
    return Spec(PlaceKind.HOUSEHOLD, code, name, building, unit=unit, room=key)
