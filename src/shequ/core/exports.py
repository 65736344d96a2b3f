"""Files out: every spreadsheet Shequ writes (ledgers, rosters, missed lists, import templates
and problem lists) is written here, and nowhere else.

User text is written as text. A resident or cadre named `=HYPERLINK("http://x","y")` must
come out as those characters, not as a live formula (OWASP "CSV injection"): in .xlsx every
string is written with `write_string` (and the workbook is told never to turn strings into
formulas, links or numbers); in .csv a cell that a spreadsheet would read as a formula is
prefixed with `'`. tests/web/test_exports.py checks every download with a hostile name, and
that no other module writes spreadsheets.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field

from django.http import HttpResponse
from django.utils import timezone
from xlsxwriter.worksheet import Worksheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"

# The workbook never interprets a string: no formulas, no hyperlinks, no numbers.
_BOOK_OPTIONS = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
# A cell starting with one of these is a formula (or DDE) to Excel, WPS and LibreOffice; tab
# and CR start one too once a spreadsheet trims them (OWASP, CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class Sheet:
    """One worksheet: a bold header row, then `rows` (streamed: any iterable)."""

    name: str
    header: Sequence[str]
    rows: Iterable[Sequence[object]]
    # Column widths in characters, from the first column (the rest keep Excel's default).
    widths: Sequence[float | None] = ()
    # Header columns to mark as required (import templates).
    required: Collection[int] = frozenset()
    # Format every column as text, so what people type in later stays text (an ID number or a
    # phone is not a number): import templates.
    text_columns: bool = False
    # Free lines under the table.
    notes: Sequence[str] = field(default_factory=tuple)


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """An .xlsx download (ledgers, templates, problem lists)."""
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_table(sheet: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """One sheet: a bold header row then `rows`, streamed (constant memory)."""
    return xlsx_workbook(Sheet(sheet, header, rows))


def xlsx_workbook(*sheets: Sheet) -> bytes:
    """A workbook of `sheets`, every cell written by its type and every string as text."""
    import xlsxwriter

    buffer = io.BytesIO()
    # constant_memory writes row by row: a ledger of 100,000 rows stays small in memory.
    book = xlsxwriter.Workbook(buffer, {**_BOOK_OPTIONS, "constant_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#E8F5E9"})
    must = book.add_format({"bold": True, "bg_color": "#FFEBEE"})
    text = book.add_format({"num_format": "@"})
    for spec in sheets:
        page = book.add_worksheet(spec.name[:31])
        for col in range(len(spec.header)):
            width = spec.widths[col] if col < len(spec.widths) else None
            if width is not None or spec.text_columns:
                page.set_column(col, col, width, text if spec.text_columns else None)
        for col, title in enumerate(spec.header):
            page.write_string(0, col, str(title), must if col in spec.required else bold)
        row = 0
        for row, values in enumerate(spec.rows, 1):
            for col, value in enumerate(values):
                _write_cell(page, row, col, value)
        for i, line in enumerate(spec.notes, row + 2):
            page.write_string(i, 0, str(line))
        page.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()


def _write_cell(page: Worksheet, row: int, col: int, value: object) -> None:
    """Numbers as numbers, booleans as booleans, dates as ISO text, all else as text."""
    if value is None or value == "":
        return
    if isinstance(value, bool):
        page.write_boolean(row, col, value)
    elif isinstance(value, int | float | decimal.Decimal):
        page.write_number(row, col, float(value))
    elif isinstance(value, dt.datetime):
        page.write_string(row, col, timezone.localtime(value).strftime("%Y-%m-%d %H:%M"))
    elif isinstance(value, dt.date):
        page.write_string(row, col, value.isoformat())
    else:
        page.write_string(row, col, str(value))


def csv_cell(value: object) -> str:
    """A value as CSV text that no spreadsheet reads as a formula (prefixed with `'`)."""
    if isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool):
        return str(value)  # a negative number is a number, not a formula
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """A UTF-8 CSV (with a byte-order mark, so Excel and WPS read Chinese) of safe cells."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_cell(v) for v in header])
    for values in rows:
        writer.writerow([csv_cell(v) for v in values])
    return ("\ufeff" + out.getvalue()).encode()


def csv_response(content: bytes, filename: str) -> HttpResponse:
    """A .csv download."""
    response = HttpResponse(content, content_type=CSV)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
