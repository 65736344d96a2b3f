"""Read spreadsheets row by row: .xlsx (python-calamine, openpyxl fallback) and .csv
(UTF-8, UTF-8 with BOM, or GB18030, detected), mapping Chinese or English headers to fields.

Shared by every importer (residents, staff lists, …): one reader, one set of file-level errors.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.translation import gettext as _

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

    def get(self, row: Sequence[str], name: str) -> str:
        i = self.index.get(name)
        if i is None or i >= len(row):
            return ""
        return row[i]

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


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # Excel stores 13800138000 as 13800138000.0
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    """python-calamine (fast, Rust); openpyxl when calamine is missing or cannot read it."""
    try:
        from python_calamine import CalamineWorkbook

        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).iter_rows()
    except Exception:  # noqa: BLE001 - any calamine failure: let openpyxl try before refusing
        yield from _openpyxl_rows(path)
        return
    for row in rows:
        yield [_cell(v) for v in row]


def _openpyxl_rows(path: Path) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(str(path), read_only=True, data_only=True)
    except Exception as exc:  # corrupt archives raise many types; all mean "cannot read"
        raise TableRefused(
            _("This .xlsx file cannot be read; save it again from Excel or WPS.")
        ) from exc
    try:
        for row in workbook.worksheets[0].iter_rows(values_only=True):
            yield [_cell(v) for v in row]
    finally:
        workbook.close()


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes as UTF-8, else GB18030.

    The whole file, not a sample: a GB18030 list can be plain ASCII for its first thousand
    rows. Decoding without keeping the text costs one quick read.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        first = fh.read(SNIFF_BYTES)
        if first.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        try:
            block = first
            while block:
                decoder.decode(block, final=False)
                block = fh.read(1 << 20)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "gb18030"
    return "utf-8"


def _csv_rows(path: Path) -> Iterator[list[str]]:
    encoding = detect_encoding(path)
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, newline="")
        try:
            for row in csv.reader(text):
                yield [cell.strip() for cell in row]
        except UnicodeDecodeError as exc:
            raise TableRefused(
                _("The file mixes text encodings; save it as UTF-8 or GB18030 CSV.")
            ) from exc
        except csv.Error as exc:
            raise TableRefused(_("This CSV file is malformed (%s).") % exc) from exc


def read_rows(path: Path, *, filename: str = "") -> Iterator[list[str]]:
    """Rows of the first sheet as lists of trimmed strings, header first, streamed.

    Blank rows are skipped but still counted, so row numbers match what the user sees.
    Yields (row_number, cells) pairs via `numbered_rows`; this yields cells only.
    """
    name = (filename or path.name).lower()
    if path.stat().st_size == 0:
        raise TableRefused(_("The file is empty."))
    with path.open("rb") as fh:
        magic = fh.read(4)
    if name.endswith(".xlsx"):
        if magic != XLSX_MAGIC:
            raise TableRefused(_("This is not a real .xlsx file; save it again as .xlsx or .csv."))
        return _xlsx_rows(path)
    if name.endswith(".csv"):
        if magic == XLSX_MAGIC:
            raise TableRefused(_("This .csv file is really a workbook; rename it to .xlsx."))
        return _csv_rows(path)
    raise TableRefused(
        _("Only .xlsx and .csv files can be imported (got %s). Old .xls: save as .xlsx.")
        % (Path(name).suffix or _("no extension"))
    )


def numbered_rows(
    path: Path, *, filename: str = ""
) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """The header row and an iterator of (spreadsheet row number, cells) for non-blank rows."""
    rows = read_rows(path, filename=filename)
    header: list[str] | None = None
    number = 0
    for cells in rows:
        number += 1
        if any(cells):
            header = cells
            break
    if header is None:
        raise TableRefused(_("The file is empty."))

    def body() -> Iterator[tuple[int, list[str]]]:
        n = number
        for cells in rows:
            n += 1
            if any(cells):
                yield n, cells

    return header, body()


def count_rows(path: Path, *, filename: str = "") -> int:
    """Rows in the file including the header (cheap: sheet dimensions, or newlines)."""
    name = (filename or path.name).lower()
    if name.endswith(".xlsx"):
        try:
            from python_calamine import CalamineWorkbook

            return int(CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).height)
        except Exception:  # noqa: BLE001 - the count only feeds the progress bar; the import reports
            return 0
    with path.open("rb") as fh:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
