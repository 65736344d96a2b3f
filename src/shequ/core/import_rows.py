"""The rows an importer is given, and failures pinned to a row (core.imports uses these).

An importer checks values it understands; whatever else a spreadsheet cell can hold must not
end an import as "unexpected error": a control character (NUL, which PostgreSQL refuses), a
cell beyond the length limit, a formula's error (#DIV/0!), or a value the importer's code or
the database did not expect. Each becomes a problem of its row, named for the user to fix.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import DatabaseError, OperationalError, transaction
from django.utils.translation import gettext as _

from shequ.core import pii
from shequ.core.tabular import Column, HeaderMap, Limits, TableRefused

if TYPE_CHECKING:
    from shequ.core.imports import Importer

logger = logging.getLogger("shequ.core.imports")

# Characters no column of ours may hold: C0 controls but tab and line breaks, DEL, and lone
# UTF-16 surrogates (Excel's _xD800_ escape). PostgreSQL refuses NUL; the rest is garbage.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
# What Excel shows in a cell whose formula failed.
SPREADSHEET_ERRORS = frozenset(
    (
        "#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#GETTING_DATA",
        "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
    )
)  # fmt: skip


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    value: str
    reason: str


@dataclass
class Checked:
    """A row that passed the importer's checks: its number, its identity in the file, its data."""

    row: int
    key: str
    item: Any
    label: str = ""  # how to show the key in an error (masked when it is personal data)


class RowNotSaved(Exception):
    """The database refused one row's write (the whole import is rolled back)."""

    def __init__(self, row: int, error: BaseException):
        self.row = row
        self.error = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
        super().__init__(row)


def shown(value: str, column: Column | None) -> str:
    """A value as a problem report may keep it: masked in a personal column, with the
    characters a database cannot store replaced."""
    value = CONTROL.sub("\ufffd", value)
    return (pii.mask(value) if column is not None and column.pii else value)[:200]


class RowProblems(list[RowError]):
    """One row's problems as an importer's checks find them: `bad(field, value, reason)` labels
    the column as the template does and keeps the value as a report may (`shown`)."""

    def __init__(self, row: int, columns: Mapping[str, Column]) -> None:
        super().__init__()
        self.row = row
        self.columns = columns

    def bad(self, field: str, value: str, reason: str) -> None:
        column = self.columns[field]
        self.append(RowError(self.row, column.label, shown(value, column), str(reason)))


def screen(
    rows: Sequence[tuple[int, list[str]]], header: HeaderMap, limits: Limits
) -> tuple[list[tuple[int, list[str]]], list[RowError]]:
    """The rows whose cells an importer can take, and a problem for each cell it cannot:
    a control character (NUL…), a cell longer than the limit, a spreadsheet error (#DIV/0!).
    Only the columns the importer reads are looked at."""
    columns = [(i, header.columns[f]) for f, i in header.index.items() if f in header.columns]
    pick = header.picker(tuple(f for f in header.index if f in header.columns))
    longest, control, errors = limits.max_cell_chars, CONTROL.search, SPREADSHEET_ERRORS
    good: list[tuple[int, list[str]]] = []
    problems: list[RowError] = []
    for number, cells in rows:
        # The common row, clean, in a few C calls (a tab joins the cells: it is no control).
        values = pick(cells)
        if (
            max(map(len, values), default=0) <= longest
            and not control("\t".join(values))
            and errors.isdisjoint(values)
        ):
            good.append((number, cells))
            continue
        found = []
        for i, column in columns:
            value = cells[i] if i < len(cells) else ""
            if not value:
                continue
            if len(value) > limits.max_cell_chars:
                reason = _("The cell is longer than %(max)s characters; shorten it.") % {
                    "max": f"{limits.max_cell_chars:,}"
                }
            elif CONTROL.search(value):
                reason = _(
                    "The cell holds a control character (such as NUL) that cannot be stored; "
                    "type the value again."
                )
            elif value in SPREADSHEET_ERRORS:
                reason = _(
                    "The cell shows the spreadsheet error %(error)s; fix the formula or type "
                    "the value."
                ) % {"error": value}
            else:
                continue
            found.append(RowError(number, column.label, value, reason))
        if found:
            problems.extend(found)
        else:
            good.append((number, cells))
    return good, problems


def check_rows(
    importer: Importer, rows: Sequence[tuple[int, list[str]]], header: HeaderMap
) -> tuple[list[Checked], list[RowError]]:
    """The importer's checks; if they break on the chunk, row by row, so that the row they
    break on is named instead of the whole import ending in an unexpected error."""
    try:
        return importer.check(rows, header)
    except TableRefused:
        raise
    except Exception:
        logger.exception("import %s: checking a chunk failed; checking row by row", importer.job.pk)
    checked: list[Checked] = []
    errors: list[RowError] = []
    for row in rows:
        try:
            good, bad = importer.check([row], header)
        except TableRefused:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure is that row's; it is named
            errors.append(
                RowError(
                    row[0],
                    "",
                    "",
                    _("This row could not be checked (%(error)s); check its cells.")
                    % {"error": type(exc).__name__},
                )
            )
        else:
            checked.extend(good)
            errors.extend(bad)
    return checked, errors


# Failures of a write that a row's values can cause (too long for a column, not storable).
ROW_FAULTS = (DatabaseError, ValueError, TypeError, UnicodeError)


def write_rows(importer: Importer, items: Sequence[Checked], outcomes: Sequence[str]) -> None:
    """The importer's write of a chunk, in a savepoint; if the database refuses it, the rows
    are written one by one (each in its own savepoint) to name the row it refuses."""
    try:
        with transaction.atomic():
            importer.write(items, outcomes)
        return
    except TableRefused:
        raise
    except OperationalError:
        raise  # the database, not a row
    except ROW_FAULTS as exc:
        failure = exc
    for item, outcome in zip(items, outcomes, strict=True):
        try:
            with transaction.atomic():
                importer.write([item], [outcome])
        except TableRefused:
            raise
        except OperationalError:
            raise
        except ROW_FAULTS as exc:
            raise RowNotSaved(item.row, exc) from failure
    raise failure
