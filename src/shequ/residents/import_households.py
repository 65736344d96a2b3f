"""Where the rows of a resident list live (`HouseholdFinder`, a part of
`importers.ResidentImporter`): a household told by its code, or by compound, building, unit
and room within the places the importing user covers; the flats not yet on the map are
created when the rows are written."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Q
from django.utils.translation import gettext as _

from shequ.core.bidi import neutral
from shequ.core.imports import Checked, RowError
from shequ.core.scopes import Scope
from shequ.places.households import (
    UNIT_MAX,
    household_code,
    household_key,
    household_name,
    normalize_unit,
    room_key,
    room_of,
    unit_in_name,
)
from shequ.places.models import Place, PlaceKind
from shequ.places.selectors import flats_load
from shequ.places.services import places_insert
from shequ.residents.import_columns import LABELS

FLATS_KEPT = 50_000  # flats remembered by `_where` (forgotten all at once past that)


class HouseholdFinder:
    """The buildings and households of the importing user's area, found and created."""

    root: Place | None
    scope: Scope

    def _load_buildings(self) -> None:
        """The area's buildings by (compound, name), by name and by id; households are
        read per building as rows need them (`_households_of`)."""
        roots = [self.root.path] if self.root else list(self.scope.paths)
        area = Q()
        for path in roots:
            area |= Q(path__startswith=path)
        self.area = area if roots else Q(pk__in=[])
        # (compound name, building name) → building, within the area; buildings are few.
        self.buildings: dict[tuple[str, str], Place] = {}
        self.buildings_by_name: dict[str, list[Place]] = {}
        self.buildings_by_pk: dict[int, Place] = {}
        for b in Place.objects.filter(self.area, kind=PlaceKind.BUILDING).select_related("parent"):
            self.buildings[(b.parent.name, b.name)] = b
            self.buildings_by_name.setdefault(b.name, []).append(b)
            self.buildings_by_pk[b.pk] = b
        # building id → {(unit, room): household id}; and the buildings whose flats have units.
        self.households: dict[int, dict[tuple[str, str], int]] = {}
        self.with_units: set[int] = set()
        self.flats: dict[tuple[str, ...], tuple] = {}  # the cells of a flat → `_where`'s answer

    def _households_of(self, building_ids: set[int]) -> None:
        self.with_units |= flats_load(building_ids, self.households)

    def _where(self, cells: tuple[str, ...], bad: Any) -> tuple | None:
        """Where the row's resident lives: ("code", code) or ("room", building, unit, room key,
        room as written); None when that cannot be told (reported through `bad`). Members of
        a household follow each other on a sheet: a flat told once is remembered."""
        code, *address = cells  # as picked in the order of WHERE
        if code:
            return ("code", code)
        written = tuple(address)
        known = self.flats.get(written)
        if known is not None:
            return known
        problems: list[Any] = []

        def noted(*args: Any) -> None:
            problems.append(args)
            bad(*args)

        where = self._find_flat(*written, noted)
        if where is not None and not problems:
            if len(self.flats) > FLATS_KEPT:
                self.flats.clear()
            self.flats[written] = where
        return where

    def _find_flat(
        self, compound: str, building: str, room: str, unit_text: str, bad: Any
    ) -> tuple | None:
        # Address parts become place names and codes: no bidi controls in them (core.bidi).
        compound, building, room, unit_text = (
            neutral(compound),
            neutral(building),
            neutral(room),
            neutral(unit_text),
        )
        unit = normalize_unit(unit_text)
        if not unit and (said := unit_in_name(room)):
            unit, room = said  # "1单元801" in the room column says its unit
        if len(unit) > UNIT_MAX:
            bad("unit", unit_text, _("Write the unit as a number such as 1 or 1单元."))
            return None
        target = self._building(compound, building)
        if not building or not room:
            bad("room", room, _("Give the household code, or the building and room."))
            return None
        if target is None:
            where = f"{compound} {building}".strip()
            if not compound and len(self.buildings_by_name.get(building.strip(), [])) > 1:
                reason = _("Several compounds have a building “%s”; add the 小区 column.")
            else:
                reason = _("No building “%s” in the places you may import into.")
            bad("building", where, reason % where)
            return None
        return ("room", target, unit, room_key(room_of(room, unit)), room.strip())

    def _place(
        self,
        number: int,
        data: dict[str, Any],
        where: tuple,
        by_code: dict[str, Place],
        row_errors: list[RowError],
    ) -> None:
        """Set the row's household (or the one to create), or report why it has none."""
        if where[0] == "code":
            household = by_code.get(where[1])
            if household is None or not self._in_area(household.path):
                row_errors.append(
                    RowError(
                        number,
                        LABELS["household_code"],
                        where[1],
                        _("No household with this code in the places you may import into."),
                    )
                )
                return
            data["household_id"], data["_new_household"] = household.pk, None
            return
        _kind, building, unit, key, room = where
        if not unit and building.pk in self.with_units:
            # "801" in a building with units names several flats: never pick one.
            row_errors.append(
                RowError(
                    number,
                    LABELS["unit"],
                    "",
                    _("%(building)s has units (单元): say which unit flat %(room)s is in.")
                    % {"building": building.name, "room": room},
                )
            )
            return
        household_id = self.households[building.pk].get((unit, key))
        data["household_id"] = household_id
        data["_new_household"] = None if household_id else (building, unit, key, room)

    def _in_area(self, path: str) -> bool:
        roots = [self.root.path] if self.root else list(self.scope.paths)
        return any(path.startswith(r) for r in roots)

    def _building(self, compound: str, building: str) -> Place | None:
        if compound:
            return self.buildings.get((compound.strip(), building.strip()))
        matches = self.buildings_by_name.get(building.strip(), [])
        return matches[0] if len(matches) == 1 else None

    def _create_households(self, items: Sequence[Checked]) -> None:
        wanted: dict[tuple[int, str, str], tuple[Place, str, str]] = {}
        for c in items:
            new = c.item["_new_household"]
            if new is not None:
                building, unit, key, room = new
                created = self.households[building.pk].get((unit, key))
                if created:
                    c.item["household_id"] = created
                else:
                    wanted.setdefault((building.pk, unit, key), (building, unit, room))
        if not wanted:
            return
        rows = [
            Place(
                kind=PlaceKind.HOUSEHOLD,
                parent=building,
                depth=building.depth + 1,
                code=household_code(building.code, unit, key),
                name=household_name(unit, room_of(room, unit)),
                unit=unit,
            )
            for (_pk, unit, key), (building, _unit, room) in wanted.items()
        ]
        created = places_insert(rows)
        for place in created:
            self.households[place.parent_id][household_key(place.unit, place.name)] = place.pk
            if place.unit:
                self.with_units.add(place.parent_id)
        for c in items:
            new = c.item["_new_household"]
            if new is not None:
                c.item["household_id"] = self.households[new[0].pk][(new[1], new[2])]
