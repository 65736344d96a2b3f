"""The city's place tree from a sheet (through core.imports), by the city HQ only.

Each row names a chain of places (`import_columns.read_chain`); a place is known by its code.
A code new to the city is created under its parent; a known code whose name, word (镇, 村, …),
"no property management" or parent differs is renamed or moved in place (same id: its
residents, zones and passes stay), and each such change is kept in the audit log
(`places.place.update`, before → after), which the place's page lists. Rows must agree with
each other: one code, one kind, one name, one parent. Nothing is ever deleted.

Writes go level by level, parents first: new places in one multi-row INSERT per level
(`core.bulk.insert_new_rows`), their paths in one UPDATE (`services.paths_fill_new`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.bulk import insert_new_rows
from shequ.core.import_rows import RowProblems
from shequ.core.imports import CREATED, UNCHANGED, UPDATED, Checked, Importer, RowError
from shequ.core.models import ImportJob
from shequ.core.roles import Capability, refusal
from shequ.core.scopes import scope_for
from shequ.core.tabular import HeaderMap, TableRefused
from shequ.places.households import household_key
from shequ.places.import_columns import (
    COLUMNS,
    COLUMNS_BY_FIELD,
    DEPTH,
    LABELS,
    LEVELS,
    ChainReader,
    Spec,
)
from shequ.places.models import Place, PlaceKind
from shequ.places.selectors import flats_load
from shequ.places.services import paths_fill_new, subtree_move

# Flats of every building are named alike (1单元101室, …): each name is parsed once.
_household_key = lru_cache(maxsize=8192)(household_key)

INSERT_FIELDS = (
    "kind",
    "parent",
    "code",
    "name",
    "path",
    "depth",
    "no_property_management",
    "unit",
    "level_word",
)


@dataclass(frozen=True)
class Known:
    """A place as the database holds it (what a row is compared with)."""

    pk: int
    kind: str
    name: str
    parent: str  # the parent's code
    word: str
    no_property_management: bool


def _differs(known: Known, spec: Spec) -> dict[str, list[Any]]:
    """What a row would change on a known place: {field: [before, after]}."""
    changes: dict[str, list[Any]] = {}
    if known.name != spec.name:
        changes["name"] = [known.name, spec.name]
    if known.parent != spec.parent:
        changes["parent"] = [known.parent, spec.parent]
    if known.word != spec.word:
        changes["level_word"] = [known.word, spec.word]
    if known.no_property_management != spec.no_property_management:
        changes["no_property_management"] = [
            known.no_property_management,
            spec.no_property_management,
        ]
    return changes


class PlaceImporter(Importer):
    kind = "places"
    columns = COLUMNS

    def prepare(self, header: HeaderMap) -> None:
        self.job.options = {**self.job.options, "columns": header.report()}
        ImportJob.objects.filter(pk=self.job.pk).update(options=self.job.options)
        city = self.job.place
        scope = scope_for(self.job.actor, Capability.MANAGE_PLACES)
        if city is None or city.kind != PlaceKind.CITY or not scope.covers(city):
            raise TableRefused(str(refusal(Capability.MANAGE_PLACES)))
        self.city = city
        self.reader = ChainReader(header, city.code)
        self._new_pass()

    def _new_pass(self) -> None:
        # code → the place in the database (None: not there), loaded chunk by chunk.
        self.known: dict[str, Known | None] = {}
        self.pks: dict[str, int] = {"": self.city.pk}
        # code → (row, spec) of the first row naming it: later rows must agree.
        self.declared: dict[str, tuple[int, Spec]] = {}
        # codes a row has already been counted for (created, changed or not) in this pass.
        self.counted: set[str] = set()
        # building id → {(unit, room): household id}
        self.households: dict[int, dict[tuple[str, str], int]] = {}
        self.key_kind: dict[str, str] = {}  # a row's deepest code → its kind (for errors)
        # numbers (ChainReader) of the chains above households that agreed in this pass
        self.agreed: set[int] = set()
        self.last_row = 0

    # -- reading what the database holds ------------------------------------------------------
    def _load(self, codes: set[str]) -> None:
        missing = [c for c in codes if c not in self.known]
        for start in range(0, len(missing), 2000):
            part = missing[start : start + 2000]
            for c in part:
                self.known[c] = None
            for row in Place.objects.filter(code__any=part).values_list(
                "pk", "code", "kind", "name", "parent__code", "level_word", "no_property_management"
            ):
                pk, code, kind, name, parent, word, npm = row
                parent = "" if parent == self.city.code else parent or ""
                self.known[code] = Known(pk, kind, name, parent, word, npm)
                self.pks[code] = pk

    def _load_households(self, building_ids: set[int]) -> None:
        flats_load(building_ids, self.households, key=_household_key)

    def _household_pk(self, spec: Spec) -> int | None:
        building = self.pks.get(spec.parent)
        if building is None:
            return None
        return self.households.get(building, {}).get((spec.unit, spec.room))

    # -- checks ---------------------------------------------------------------------------------
    def check(
        self, rows: Sequence[tuple[int, list[str]]], header: HeaderMap
    ) -> tuple[list[Checked], list[RowError]]:
        if rows and rows[0][0] <= self.last_row:
            self._new_pass()  # the runner reads the rows again to write them
        if rows:
            self.last_row = rows[-1][0]
        read: list[tuple[int, list[Spec], int | None, RowProblems]] = []
        for number, cells in rows:
            problems = RowProblems(number, COLUMNS_BY_FIELD)
            chain, key = self.reader.read(cells, problems.bad)
            read.append((number, chain, key, problems))
        self._load(
            {
                s.code
                for _n, chain, key, _p in read
                if key not in self.agreed
                for s in chain
                if s.kind in LEVELS
            }
        )
        buildings = {
            self.pks[s.parent]
            for _n, chain, _k, _p in read
            for s in chain[-1:]
            if s.kind == PlaceKind.HOUSEHOLD and s.parent in self.pks
        }
        self._load_households(buildings)
        checked: list[Checked] = []
        errors: list[RowError] = []
        for number, chain, key, problems in read:
            if key not in self.agreed:
                for spec in chain:
                    if spec.kind != PlaceKind.HOUSEHOLD:
                        self._agrees(number, spec, problems)
                if key is not None and not problems:
                    self.agreed.add(key)
            errors.extend(problems)
            if chain and not problems:
                checked.append(Checked(row=number, key=chain[-1].code, item=chain, label=""))
        for item in checked:
            item.label = item.key
            self.key_kind[item.key] = item.item[-1].kind
        return checked, errors

    def _agrees(self, number: int, spec: Spec, problems: RowProblems) -> None:
        """Whether the row's place agrees with the database's and with earlier rows."""
        column = f"{spec.kind}_code"
        known = self.known.get(spec.code)
        if known is not None and known.kind != spec.kind:
            problems.bad(
                column,
                spec.code,
                _("Code %(code)s is already the %(kind)s %(name)s; codes are unique in the city.")
                % {"code": spec.code, "kind": PlaceKind(known.kind).label, "name": known.name},
            )
            return
        first = self.declared.get(spec.code)
        if first is None:
            self.declared[spec.code] = (number, spec)
            return
        row, earlier = first
        if earlier == spec:
            return
        values = {"code": spec.code, "row": row}
        if earlier.kind != spec.kind:
            reason = _("Row %(row)d uses code %(code)s for a %(kind)s; one code, one place.") % {
                **values,
                "kind": PlaceKind(earlier.kind).label,
            }
        elif earlier.name != spec.name:
            column = spec.kind
            reason = _(
                "Row %(row)d names %(code)s “%(name)s”; one code, one name (fix one of the two)."
            ) % {**values, "name": earlier.name}
        elif earlier.parent != spec.parent:
            column = f"{PlaceKind.values[PlaceKind.values.index(spec.kind) - 1]}_code"
            reason = _(
                "Row %(row)d puts %(code)s under %(parent)s; a place has one parent (to move "
                "it, change every row that names it)."
            ) % {**values, "parent": earlier.parent or self.city.code}
        else:
            column = f"{spec.kind}_word" if earlier.word != spec.word else spec.kind
            reason = (
                _(
                    "Row %(row)d says something else about %(code)s (its level word or property "
                    "management); make the rows agree."
                )
                % values
            )
        problems.bad(column if column in LABELS else spec.kind, spec.code, reason)

    # -- outcomes and writes ----------------------------------------------------------------------
    def _is_new(self, spec: Spec) -> bool:
        if spec.kind == PlaceKind.HOUSEHOLD:
            return self._household_pk(spec) is None
        return self.known.get(spec.code) is None

    def classify(self, items: Sequence[Checked]) -> list[str]:
        """A row is new when its deepest place is; updated when it is the first row to name a
        place it changes (a rename counts once, not once per household below)."""
        outcomes = []
        for item in items:
            chain: list[Spec] = item.item
            outcome = UNCHANGED
            for spec in chain:
                key = spec.code
                if key in self.counted:
                    continue
                self.counted.add(key)
                if self._is_new(spec):
                    if spec is chain[-1]:
                        outcome = CREATED
                    continue
                known = self.known.get(key)
                if known is not None and _differs(known, spec):
                    outcome = UPDATED if outcome == UNCHANGED else outcome
            outcomes.append(outcome)
        return outcomes

    def write(self, items: Sequence[Checked], outcomes: Sequence[str]) -> None:
        by_level: dict[str, dict[str, Spec]] = {}
        for item in items:
            for spec in item.item:
                by_level.setdefault(spec.kind, {}).setdefault(spec.code, spec)
        for kind in LEVELS:
            specs = by_level.get(kind, {})
            self._change([s for s in specs.values() if self.known.get(s.code) is not None])
            self._insert([s for s in specs.values() if self.known.get(s.code) is None])
        households = by_level.get(PlaceKind.HOUSEHOLD, {})
        self._insert_households([s for s in households.values() if self._is_new(s)])

    def _insert(self, specs: list[Spec]) -> None:
        for s, pk in self._insert_rows(specs, household=False):
            self.pks[s.code] = pk
            self.known[s.code] = Known(
                pk, s.kind, s.name, s.parent, s.word, s.no_property_management
            )

    def _insert_households(self, specs: list[Spec]) -> None:
        for s, pk in self._insert_rows(specs, household=True):
            self.households.setdefault(self.pks[s.parent], {})[(s.unit, s.room)] = pk

    def _insert_rows(self, specs: list[Spec], *, household: bool) -> list[tuple[Spec, int]]:
        """Insert new places in bulk (their paths filled after); {spec: new id}. A household
        keeps its unit; the places above keep their level word and property management."""
        if not specs:
            return []
        rows = [
            (
                s.kind,
                self.pks[s.parent],
                s.code,
                s.name,
                "",
                DEPTH[s.kind],
                False if household else s.no_property_management,
                s.unit if household else "",
                "" if household else s.word,
            )
            for s in specs
        ]
        created = insert_new_rows(Place, INSERT_FIELDS, rows, key="code")
        if len(created) != len(rows):
            taken = next(s.code for s in specs if s.code not in created)
            raise ValueError(_("code %s is already taken") % taken)
        paths_fill_new()
        return [(s, created[s.code]) for s in specs]

    def _change(self, specs: list[Spec]) -> None:
        """Rename, re-word or move known places (ids kept), each change audited."""
        changed: list[tuple[Place, dict[str, list[Any]]]] = []
        for spec in specs:
            known = self.known[spec.code]
            assert known is not None
            changes = _differs(known, spec)
            if not changes:
                continue
            place = Place(pk=known.pk, kind=spec.kind, code=spec.code)
            if "parent" in changes:
                parent = Place.objects.get(pk=self.pks[spec.parent])
                old, new = subtree_move(place_id=known.pk, parent=parent)
                changes["path"] = [old, new]
            Place.objects.filter(pk=known.pk).update(
                name=spec.name,
                level_word=spec.word,
                no_property_management=spec.no_property_management,
            )
            if "parent" in changes:
                changes["parent"] = [p or self.city.code for p in changes["parent"]]
            self.known[spec.code] = replace(
                known,
                name=spec.name,
                parent=spec.parent,
                word=spec.word,
                no_property_management=spec.no_property_management,
            )
            changed.append((place, {**changes, "import": str(self.job.pk)}))
        if changed:
            audit.record_many(
                actor=self.job.actor,
                action="places.place.update",
                objs=[p for p, _c in changed],
                places=[p for p, _c in changed],
                changes=[c for _p, c in changed],
            )

    def duplicate_errors(self, first: int, again: int, label: str) -> tuple[RowError, RowError]:
        kind = self.key_kind.get(label, PlaceKind.HOUSEHOLD)
        column = LABELS["room" if kind == PlaceKind.HOUSEHOLD else f"{kind}_code"]
        return (
            RowError(first, column, label, _("The same place appears again in row %d.") % again),
            RowError(again, column, label, _("The same place already appears in row %d.") % first),
        )
