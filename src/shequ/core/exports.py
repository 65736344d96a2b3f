"""HTTP answers for generated files."""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.http import HttpResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """An .xlsx download (ledgers, templates, problem lists)."""
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_table(sheet: str, header: list[str], rows: Iterable[list[object]]) -> bytes:
    """One sheet: a bold header row then `rows`, streamed (constant memory)."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "constant_memory": True})
    page = book.add_worksheet(sheet[:31])
    page.write_row(0, 0, header, book.add_format({"bold": True}))
    for i, row in enumerate(rows, 1):
        page.write_row(i, 0, row)
    page.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()
