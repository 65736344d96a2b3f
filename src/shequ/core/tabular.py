"""Read spreadsheets row by row: the first sheet of an .xlsx and .csv (UTF-8, UTF-8 with BOM,
or GB18030, detected), mapping Chinese or English headers to fields.

Shared by every importer (residents, staff lists, …): one reader, one set of file-level errors.
Every file is untrusted: reading stays within `Limits` (rows, columns, cell length, unzipped
size) and refuses a file beyond them before its rows are held anywhere.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import operator
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from django.utils.translation import gettext as _
from openpyxl.utils import get_column_letter

XLSX_MAGIC = b"PK\x03\x04"
SNIFF_BYTES = 256 * 1024


class TableRefused(Exception):
    """The whole file is refused (wrong type, empty, unreadable, missing columns)."""

    def __init__(self, message: str, *, column: str = ""):
        self.message = message
        self.column = column
        super().__init__(message)


@dataclass(frozen=True)
class Column:
    """A field an importer takes, with the header spellings people actually use."""

    field: str
    label: str  # shown in errors and in the template's header row
    aliases: Sequence[str] = ()
    required: bool = False
    pii: bool = False


@dataclass
class HeaderMap:
    """Where each field's column is, and what became of every header of the file.

    `read_as` pairs each header used with the field it was read as; `ignored` holds every
    other header, with why ("unknown" or the field another column was already read as), so an
    import can say "column 民族 was ignored" instead of dropping it unseen.
    """

    index: dict[str, int]
    columns: dict[str, Column] = field(default_factory=dict)
    read_as: list[tuple[str, str]] = field(default_factory=list)  # (header, field)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (header, why)
    _pickers: dict[tuple[str, ...], Callable[[Sequence[str]], tuple[str, ...]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    def get(self, row: Sequence[str], name: str) -> str:
        i = self.index.get(name)
        if i is None or i >= len(row):
            return ""
        return row[i]

    def picker(self, names: tuple[str, ...]) -> Callable[[Sequence[str]], tuple[str, ...]]:
        """`get` of several fields at once, for hot loops: row → their cells, in this order
        ("" for a field the file lacks or the row is too short for). One C call a row."""
        pick = self._pickers.get(names)  # type: ignore[call-overload]
        if pick is None:
            names = tuple(names)
            width = max(self.index.values(), default=-1) + 1
            blank = [""] * (width + 1)  # cell `width` is always "": where absent fields point
            get = operator.itemgetter(*(self.index.get(n, width) for n in names), width)

            def pick(row: Sequence[str]) -> tuple[str, ...]:
                cells = list(row[:width])
                return get(cells + blank[len(cells) :])[:-1]

            self._pickers[names] = pick
        return pick

    def report(self) -> dict[str, list[dict[str, str]]]:
        """The mapping as plain data (kept on the import job, shown by pages, API and CLI)."""
        return {
            "read": [
                {"header": header, "field": name, "column": self.columns[name].label}
                for header, name in self.read_as
            ],
            "ignored": [
                {
                    "header": header,
                    "because": why,
                    "column": self.columns[why].label if why in self.columns else "",
                }
                for header, why in self.ignored
            ],
        }


UNKNOWN = ""  # why a header was ignored: no field has that name


def _norm(header: str) -> str:
    # '* 身份证号码（必填）' → '身份证号码'; 'Document Number' → 'documentnumber'
    header = re.sub(r"[（(].*?[)）]", "", str(header or ""))
    return re.sub(r"[\s*_:：\-]", "", header).lower()


def map_header(header: Sequence[str], columns: Sequence[Column]) -> HeaderMap:
    """Find each column's position; refuse the file naming every missing required column.

    Every non-empty header ends up either read as a field or ignored with its reason: another
    column was read for the same field (of 电话 and 手机号码, the template's 手机号码), or no
    field answers to it.
    """
    # Normalized spelling → (field, rank): a field's own label beats its looser aliases
    # ("手机号码" is read before "电话" when a sheet has both), then the leftmost column.
    names: dict[str, tuple[str, int]] = {}
    for column in columns:
        for rank, alias in enumerate((column.field, column.label, *column.aliases)):
            names.setdefault(_norm(alias), (column.field, rank))
    best: dict[str, tuple[int, int]] = {}  # field → (rank, position)
    for i, text in enumerate(header):
        found = names.get(_norm(text))
        if found is not None:
            name, rank = found
            if name not in best or (rank, i) < best[name]:
                best[name] = (rank, i)
    index = {name: i for name, (_rank, i) in best.items()}
    chosen = {i: name for name, i in index.items()}
    read_as: list[tuple[str, str]] = []
    ignored: list[tuple[str, str]] = []
    for i, text in enumerate(header):
        if not _norm(text):
            continue
        if i in chosen:
            read_as.append((str(text).strip(), chosen[i]))
        else:
            found = names.get(_norm(text))
            ignored.append((str(text).strip(), found[0] if found else UNKNOWN))
    by_field = {c.field: c for c in columns}
    missing = [c.label for c in columns if c.required and c.field not in index]
    if missing:
        message = _(
            "Missing required columns: %(cols)s. Add them to the first row (see the template)."
        ) % {"cols": "、".join(missing)}
        unknown = [h for h, why in ignored if why == UNKNOWN]
        if unknown:
            message += " " + _("Columns not recognised: %(cols)s.") % {"cols": "、".join(unknown)}
        raise TableRefused(message, column=", ".join(missing))
    return HeaderMap(index=index, columns=by_field, read_as=read_as, ignored=ignored)


# --- limits -----------------------------------------------------------------------------------

# One CSV record (a line, or several when a quoted cell holds line breaks).
MAX_RECORD_CHARS = 1_000_000


@dataclass(frozen=True)
class Limits:
    """How much of a file is read. A file beyond them is refused, never read further."""

    max_rows: int = 200_000
    max_columns: int = 256
    max_cell_chars: int = 2_000
    max_unzipped_bytes: int = 500 * 1024 * 1024

    @classmethod
    def from_settings(cls) -> Limits:
        from django.conf import settings

        return cls(
            max_rows=settings.IMPORT_MAX_ROWS,
            max_columns=settings.IMPORT_MAX_COLUMNS,
            max_cell_chars=settings.IMPORT_MAX_CELL_CHARS,
            max_unzipped_bytes=settings.IMPORT_MAX_UNZIPPED_MB * 1024 * 1024,
        )


def too_big(
    limits: Limits, *, rows: int = 0, columns: int = 0, declared: bool = False
) -> TableRefused:
    """The refusal of a sheet beyond the limits, naming its size and the limits."""
    values = {
        "rows": f"{rows:,}",
        "cols": f"{columns:,}",
        "max_rows": f"{limits.max_rows:,}",
        "max_cols": f"{limits.max_columns:,}",
    }
    if declared:
        message = _(
            "The sheet declares %(rows)s rows × %(cols)s columns; Shequ reads at most "
            "%(max_rows)s rows and %(max_cols)s columns. Delete the empty rows and columns "
            "after your data (or split the list) and save it again."
        )
    elif rows:
        message = _(
            "The sheet has data in row %(rows)s; Shequ reads at most %(max_rows)s rows. "
            "Split the list into smaller files."
        )
    else:
        values["letter"] = get_column_letter(min(columns, 18_278))
        message = _(
            "The sheet has data in column %(letter)s (column %(cols)s); Shequ reads at most "
            "%(max_cols)s columns. Delete the extra columns and save it again."
        )
    return TableRefused(message % values)


# --- cells ------------------------------------------------------------------------------------


def cell_text(value: object) -> str:
    """A typed cell value (from Excel or Python) as the text an importer checks."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 13800138000 as 13800138000.0
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


# --- .csv -------------------------------------------------------------------------------------


def detect_encoding(source: IO[bytes]) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes as UTF-8, else GB18030.

    The whole file, not a sample: a GB18030 list can be plain ASCII for its first thousand
    rows. Decoding without keeping the text costs one quick read.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    source.seek(0)
    first = source.read(SNIFF_BYTES)
    if first.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        block = first
        while block:
            decoder.decode(block, final=False)
            block = source.read(1 << 20)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"


def _csv_rows(source: IO[bytes], limits: Limits) -> Iterator[tuple[int, list[str]]]:
    encoding = detect_encoding(source)
    source.seek(0)
    text = io.TextIOWrapper(source, encoding=encoding, newline="")
    record = [0]  # characters read since the last record the reader gave back

    def lines() -> Iterator[str]:
        while line := text.readline(MAX_RECORD_CHARS + 1):
            record[0] += len(line)
            if record[0] > MAX_RECORD_CHARS:
                raise TableRefused(
                    _("Row %(row)s of this CSV file is longer than %(max)s characters.")
                    % {"row": f"{number + 1:,}", "max": f"{MAX_RECORD_CHARS:,}"}
                )
            yield line

    # Python's own bound (128 KiB a cell) would refuse the whole file for one long cell; a
    # long cell is that row's problem, told by the import (cells are cut at the cap).
    csv.field_size_limit(MAX_RECORD_CHARS)
    number = 0
    try:
        for cells in csv.reader(lines()):
            number += 1
            record[0] = 0
            while cells and not cells[-1].strip():
                cells.pop()
            if not cells:
                continue
            if number > limits.max_rows:
                raise too_big(limits, rows=number, columns=0, declared=False)
            if len(cells) > limits.max_columns:
                raise too_big(limits, rows=0, columns=len(cells), declared=False)
            yield number, [c[: limits.max_cell_chars + 1].strip() for c in cells]
    except UnicodeDecodeError as exc:
        raise TableRefused(
            _("The file mixes text encodings; save it as UTF-8 or GB18030 CSV.")
        ) from exc
    except csv.Error as exc:
        raise TableRefused(_("This CSV file is malformed (%s).") % exc) from exc
    finally:
        if not source.closed:
            text.detach()  # the source stays open for its owner


# --- the one entry point ------------------------------------------------------------------------


def _kind(source: IO[bytes], filename: str) -> str:
    name = filename.lower()
    source.seek(0)
    magic = source.read(4)
    if not magic:
        raise TableRefused(_("The file is empty."))
    if name.endswith(".xlsx"):
        if magic != XLSX_MAGIC:
            raise TableRefused(_("This is not a real .xlsx file; save it again as .xlsx or .csv."))
        return "xlsx"
    if name.endswith(".csv"):
        if magic == XLSX_MAGIC:
            raise TableRefused(_("This .csv file is really a workbook; rename it to .xlsx."))
        return "csv"
    raise TableRefused(
        _("Only .xlsx and .csv files can be imported (got %s). Old .xls: save as .xlsx.")
        % (Path(name).suffix or _("no extension"))
    )


def read_rows(
    source: IO[bytes], *, filename: str, limits: Limits | None = None
) -> Iterator[tuple[int, list[str]]]:
    """(row number as the spreadsheet shows it, trimmed cells) of every row holding a value,
    from the first sheet of an .xlsx or from a .csv, streamed. `source` must be seekable.

    Refuses (TableRefused) a file that is not what its name says, or larger than `limits`:
    before reading a row when the sheet declares more, else at the first value beyond.
    A cell longer than `limits.max_cell_chars` is cut one character past it, so the import
    can tell that row it was too long.
    """
    limits = limits or Limits.from_settings()
    if _kind(source, filename) == "xlsx":
        from shequ.core.xlsx import XlsxSheet

        return XlsxSheet(source, limits).rows()
    return _csv_rows(source, limits)


def numbered_rows(
    source: IO[bytes], *, filename: str, limits: Limits | None = None
) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header row and an iterator of (spreadsheet row number, cells) for non-blank rows."""
    rows = read_rows(source, filename=filename, limits=limits)
    header = next((cells for _n, cells in rows if any(cells)), None)
    if header is None:
        raise TableRefused(_("The file is empty."))
    return header, ((n, cells) for n, cells in rows if any(cells))


def estimate_rows(source: IO[bytes], *, filename: str, limits: Limits | None = None) -> int:
    """Rows in the file including the header, for the progress bar: the sheet's declared
    dimension (0 when it declares none), or the CSV's line count. Refuses like `read_rows`
    when the declared dimension is beyond the limits."""
    limits = limits or Limits.from_settings()
    if _kind(source, filename) == "xlsx":
        from shequ.core.xlsx import XlsxSheet

        declared = XlsxSheet(source, limits).declared()
        if declared is None:
            return 0
        if declared[0] > limits.max_rows or declared[1] > limits.max_columns:
            raise too_big(limits, rows=declared[0], columns=declared[1], declared=True)
        return declared[0]
    source.seek(0)
    return sum(block.count(b"\n") for block in iter(lambda: source.read(1 << 20), b""))
