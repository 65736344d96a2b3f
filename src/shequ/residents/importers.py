"""Resident lists from community spreadsheets (through core.imports).

`ResidentImporter` checks every row of a chunk (its cells read by `import_columns.read_row`,
the rules of `rules.resident_problems`, its household found by code or by building, unit
and room, the person looked up by document number, repeats in the file) and writes the good
ones: households not yet on the map are created, residents created or updated in bulk. The
template workbook is in `import_template`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import bulk, pii
from shequ.core.import_rows import RowProblems
from shequ.core.imports import CREATED, UNCHANGED, UPDATED, Checked, Importer, RowError
from shequ.core.models import ImportJob
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.core.seen_keys import SeenKeys, State
from shequ.core.tabular import HeaderMap, TableRefused
from shequ.places.models import Place, PlaceKind
from shequ.residents.import_columns import COLUMNS, COLUMNS_BY_FIELD, LABELS, READ, read_fields
from shequ.residents.import_households import HouseholdFinder
from shequ.residents.models import DocumentType, Resident, tags_to_bits
from shequ.residents.rules import resident_problems

# Compared field by field to tell "updated" from "unchanged" (the phone through its HMAC).
ROW_FIELDS = ("name", "gender", "birth_date", "document_type", "relation", "occupancy", "notes")
WHERE = ("household_code", "compound", "building", "room", "unit")  # the cells `_where` reads

# What a new resident's row is written with (`write`), in this order; every other column gets
# its default (`_constants`).
INSERTED = (
    "name",
    "gender",
    "birth_date",
    "document_type",
    "document_number",
    "document_hmac",
    "phone",
    "phone_hmac",
    "household",
    "relation",
    "occupancy",
    "tags",
    "notes",
)
DOCUMENT = Resident._meta.get_field("document_number").context
PHONE = Resident._meta.get_field("phone").context


def _constants(now: Any) -> dict[str, Any]:
    """The columns a new resident's row takes the same value in: its defaults, and the time."""
    values = {}
    for field in Resident._meta.concrete_fields:
        if field.primary_key or field.name in INSERTED:
            continue
        value = now if field.name in ("created_at", "updated_at") else field.get_default()
        values[field.name] = bulk.db_value(Resident, field.name, value)
    return values


class ResidentImporter(HouseholdFinder, Importer):
    kind = "residents"
    columns = COLUMNS

    def prepare(self, header: HeaderMap) -> None:
        # Which column was read as what, and which were ignored: kept on the job for the
        # summary (page, API, command), also when the file is refused just below.
        self.job.options = {**self.job.options, "columns": header.report()}
        ImportJob.objects.filter(pk=self.job.pk).update(options=self.job.options)
        if "household_code" not in header.index and not (
            "building" in header.index and "room" in header.index
        ):
            raise TableRefused(
                _("Missing columns: 户编码 (household code), or 楼栋 and 房号 (building, room)."),
                column="户编码 / 楼栋, 房号",
            )
        actor = self.job.actor
        self.header_fields = set(header.index)
        self.scope = scope_for(actor, Capability.EDIT_RESIDENTS)
        self.root: Place | None = self.job.place
        if self.root is not None and not self.scope.covers(self.root):
            raise TableRefused(_("You may not import residents into %s.") % self.root.name)
        self._load_buildings()
        self.document_digest = pii.blind_indexer("document")
        self.phone_digest = pii.blind_indexer("phone")
        self.today = timezone.localdate()
        self._new_pass()

    def _new_pass(self) -> None:
        # Document key → (its first row × 2 + 1 when that row was good, whether that first
        # copy's "appears again" error was already given): in memory while few, in a scratch
        # file past core.seen_keys.SPILL_AT (a million-row file in flat memory).
        if getattr(self, "seen", None) is not None:
            self.seen.close()
        self.seen = SeenKeys()
        self.last_row = 0

    def checked_all(self) -> None:
        self.seen.close()  # its scratch file, if it spilled, goes now

    # -- row checks ------------------------------------------------------------------------
    def check(
        self, rows: Sequence[tuple[int, list[str]]], header: HeaderMap
    ) -> tuple[list[Checked], list[RowError]]:
        """Every check on every row: a row with a wrong gender still has its household,
        its registration elsewhere and its repeats in the file checked and reported."""
        if rows and rows[0][0] <= self.last_row:
            self._new_pass()  # the runner reads the file again to write it (second pass)
        pending: list[tuple[int, dict[str, Any], list[RowError], tuple | None]] = []
        read_cells, where_cells = header.picker(READ), header.picker(WHERE)
        for number, cells in rows:
            row_errors = RowProblems(number, COLUMNS_BY_FIELD)
            bad = row_errors.bad

            data = read_fields(read_cells(cells), bad)
            # Every problem of the row at once, not one kind per upload.
            problems = resident_problems(**data, today=self.today)
            if problems:
                flagged = {e.column for e in row_errors}
                for field, message in problems.items():
                    if LABELS.get(field) not in flagged:
                        bad(field, header.get(cells, field), message)
            pending.append((number, data, row_errors, self._where(where_cells(cells), bad)))
        if rows:
            self.last_row = rows[-1][0]

        # What the chunk needs from the database, in a few queries.
        codes = {w[1] for *_r, w in pending if w is not None and w[0] == "code"}
        by_code = (
            {p.code: p for p in Place.objects.filter(code__in=codes, kind=PlaceKind.HOUSEHOLD)}
            if codes
            else {}
        )
        self._households_of({w[1].pk for *_r, w in pending if w is not None and w[0] == "room"})
        document_digest, phone_digest = self.document_digest, self.phone_digest
        for _n, data, _e, _w in pending:
            number, phone = data["document_number"], data["phone"]
            data["document_hmac"] = document_digest(number) if number else ""
            data["phone_hmac"] = phone_digest(phone) if phone else ""
            data["tag_bits"] = tags_to_bits(data["tags"])
        existing = self._existing(d for _n, d, _e, _w in pending)

        checked: list[Checked] = []
        errors: list[RowError] = []
        # 128 bits of the digest tell documents apart, in half the memory of all 256.
        keys = [
            f"{d['document_type'] or DocumentType.RESIDENT_ID}:{d['document_hmac'][:32]}"
            if d["document_hmac"]
            else ""
            for _n, d, _e, _w in pending
        ]
        seen = self.seen.get_many(k for k in keys if k)  # this chunk's keys met before
        changed: set[str] = set()
        for (number, data, row_errors, where), key in zip(pending, keys, strict=True):
            if where is not None:
                self._place(number, data, where, by_code, row_errors)
            digest = data["document_hmac"]
            label = pii.mask(data["document_number"])
            found = existing.get((data["document_type"], digest)) if digest else None
            if found is not None and not self._in_area(found["household__path"]):
                row_errors.append(
                    RowError(
                        number,
                        LABELS["document_number"],
                        label,
                        _(
                            "This person is registered in a community you do not cover; "
                            "ask that community to move them."
                        ),
                    )
                )
            data["_existing"] = found
            repeats_good_row = self._repeat(seen, key, number, label, row_errors, errors)
            errors.extend(row_errors)
            if not row_errors:
                checked.append(Checked(row=number, key=key, item=data, label=label))
            elif repeats_good_row:
                # The first copy was already counted good: handing this row over too lets the
                # runner pair the two, report both and take the first one's count back.
                checked.append(Checked(row=number, key=key, item={"_rejected": True}, label=label))
            if key:
                changed.add(key)
                if seen[key][0] == number * 2:
                    seen[key] = (number * 2 + (not row_errors), seen[key][1])
        self.seen.put_many({k: seen[k] for k in changed})
        return checked, errors

    def _existing(self, rows: Iterable[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
        """The registered residents with these rows' (document type, digest), by that pair:
        one lookup per document type in the rows (most sheets have only ID cards), each by
        the unique (document_type, document_hmac) index."""
        by_type: dict[str, list[str]] = {}
        for d in rows:
            if d["document_hmac"]:
                by_type.setdefault(d["document_type"], []).append(d["document_hmac"])
        return {
            (r["document_type"], r["document_hmac"]): r
            for document_type, digests in by_type.items()
            for r in Resident.objects.filter(
                document_type=document_type, document_hmac__any=digests
            )
            .order_by()
            .values(
                "pk",
                "document_type",
                "document_hmac",
                "phone_hmac",
                "household_id",
                "household__path",
                "tags",
                *ROW_FIELDS,
            )
        }

    # -- pass 2: the checked rows set aside, looked up again --------------------------------
    sets_aside_checked = True

    def set_aside(self, item: Checked) -> list[Any]:
        d = item.item
        new = d["_new_household"]
        birth = d["birth_date"]
        return [
            item.key,
            *(d[f] for f in ("name", "gender", "document_type", "relation", "occupancy")),
            birth.isoformat() if birth else "",
            d["notes"],
            d["document_number"],
            d["document_hmac"],
            d["phone"],
            d["phone_hmac"],
            d["tag_bits"],
            [new[0].pk, *new[1:]] if new is not None else d["household_id"],
        ]

    def take_back(
        self, rows: Sequence[tuple[int, list[Any]]], header: HeaderMap
    ) -> tuple[list[Checked], list[RowError]]:
        """Only what another user may have changed since pass 1 is looked at again: the
        person registered meanwhile (or moved out of the area), the household removed."""
        items: list[Checked] = []
        for number, values in rows:
            (key, name, gender, document_type, relation, occupancy, birth, notes) = values[:8]
            (document_number, document_hmac, phone, phone_hmac, tag_bits, where) = values[8:]
            data = {
                "name": name,
                "gender": gender,
                "document_type": document_type,
                "relation": relation,
                "occupancy": occupancy,
                "birth_date": dt.date.fromisoformat(birth) if birth else None,
                "notes": notes,
                "document_number": document_number,
                "document_hmac": document_hmac,
                "phone": phone,
                "phone_hmac": phone_hmac,
                "tag_bits": tag_bits,
                "household_id": None if isinstance(where, list) else where,
                "_new_household": (
                    (self.buildings_by_pk[where[0]], *where[1:])
                    if isinstance(where, list)
                    else None
                ),
            }
            items.append(Checked(row=number, key=key, item=data))
        existing = self._existing(c.item for c in items)
        wanted = {c.item["household_id"] for c in items if c.item["household_id"]}
        # By primary key alone, the kind checked here: a kind's index in the plan (an
        # unanalysed table) made this lookup 40 ms a chunk on PostgreSQL.
        households = (
            {
                pk
                for pk, kind in Place.objects.filter(pk__any=list(wanted))
                .order_by()
                .values_list("pk", "kind")
                if kind == PlaceKind.HOUSEHOLD
            }
            if wanted
            else set()
        )
        errors: list[RowError] = []
        for c in items:
            d = c.item
            found = existing.get((d["document_type"], d["document_hmac"]))
            d["_existing"] = found
            if found is not None and not self._in_area(found["household__path"]):
                errors.append(RowError(c.row, LABELS["document_number"], "", ""))
            if d["household_id"] and d["household_id"] not in households:
                errors.append(RowError(c.row, LABELS["household_code"], "", ""))
        return items, errors

    def _repeat(
        self,
        seen: dict[str, State],
        key: str,
        number: int,
        label: str,
        row_errors: list[RowError],
        errors: list[RowError],
    ) -> bool:
        """Whether row `number` repeats a document number that an earlier row returned good.

        Copies of a number whose first row was already refused are reported here (the runner
        only pairs rows it was handed as good): this row "already appears in row N", and that
        first row, once, "appears again in row M".
        """
        if not key:
            return False
        if key not in seen:
            seen[key] = (number * 2, False)  # whether it was good: set once it is known
            return False
        first, flagged = seen[key]
        first_row, first_good = divmod(first, 2)
        if first_good:
            return True
        first_error, again_error = self.duplicate_errors(first_row, number, label)
        row_errors.append(again_error)
        if not flagged:
            seen[key] = (first, True)
            errors.append(first_error)
        return False

    # -- classification and writes ------------------------------------------------------------
    def classify(self, items: Sequence[Checked]) -> list[str]:
        # A column the file does not have leaves that field as it is in the registry.
        fields = self._present_fields()
        outcomes = []
        for c in items:
            if c.item.get("_rejected"):  # a refused repeat (see check): never counted
                outcomes.append(UNCHANGED)
                continue
            d, found = c.item, c.item["_existing"]
            if found is None:
                outcomes.append(CREATED)
            elif d["_new_household"] is None and all(
                (
                    found["household_id"] == d["household_id"],
                    "phone" not in fields or found["phone_hmac"] == d["phone_hmac"],
                    "tags" not in fields or found["tags"] == d["tag_bits"],
                    *(found[f] == d[f] for f in ROW_FIELDS if f in fields),
                )
            ):
                outcomes.append(UNCHANGED)
            else:
                outcomes.append(UPDATED)
        return outcomes

    def _present_fields(self) -> set[str]:
        return {"name", "document_number", *self.header_fields}

    def write(self, items: Sequence[Checked], outcomes: Sequence[str]) -> None:
        self._create_households(items)
        now = timezone.now()
        fresh = [c.item for c, outcome in zip(items, outcomes, strict=True) if outcome == CREATED]
        if fresh:
            # Straight into the table (core.bulk): encrypted in one go per column, no model
            # instance per row; the digests are those computed when the rows were checked.
            documents = pii.encrypt_many([d["document_number"] for d in fresh], context=DOCUMENT)
            phones = pii.encrypt_many([d["phone"] for d in fresh], context=PHONE)
            constants = _constants(now)
            bulk.copy_rows(
                Resident,
                (*INSERTED, *constants),
                [
                    (
                        d["name"],
                        d["gender"],
                        d["birth_date"].isoformat() if d["birth_date"] else None,
                        d["document_type"],
                        document,
                        d["document_hmac"],
                        phone,
                        d["phone_hmac"],
                        d["household_id"],
                        d["relation"],
                        d["occupancy"],
                        d["tag_bits"],
                        d["notes"],
                        *constants.values(),
                    )
                    for d, document, phone in zip(fresh, documents, phones, strict=True)
                ],
            )
        changed = []
        for c, outcome in zip(items, outcomes, strict=True):
            if outcome == UPDATED:
                d = c.item
                values = {
                    f: d[f] for f in (*ROW_FIELDS, "phone", "document_number", "household_id")
                }
                values.update(
                    tags=d["tag_bits"],
                    document_hmac=d["document_hmac"],
                    phone_hmac=d["phone_hmac"],
                    updated_at=now,
                )
                changed.append(Resident(pk=d["_existing"]["pk"], **values))
        if changed:
            fields = self._present_fields()
            update = [f for f in ROW_FIELDS if f in fields]
            update += ["document_number", "document_hmac", "household_id", "updated_at"]
            if "phone" in fields:
                update += ["phone", "phone_hmac"]
            if "tags" in fields:
                update.append("tags")
            Resident.objects.bulk_update(changed, update, batch_size=500)

    def duplicate_errors(self, first: int, again: int, label: str) -> tuple[RowError, RowError]:
        column = LABELS["document_number"]
        return (
            RowError(
                first, column, label, _("The same document number appears again in row %d.") % again
            ),
            RowError(
                again,
                column,
                label,
                _("The same document number already appears in row %d.") % first,
            ),
        )
