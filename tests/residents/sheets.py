"""Small spreadsheets written on the fly for import tests."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

CN_HEADER = ["姓名", "性别", "出生日期", "证件号码", "手机号码", "小区", "楼栋", "房号", "重点人群"]
EN_HEADER = [
    "Name",
    "Gender",
    "Date of birth",
    "ID number",
    "Mobile",
    "Household code",
    "Relation",
    "Occupancy",
    "Special populations",
]


def write_csv(path: Path, rows: Sequence[Sequence[object]], *, encoding: str = "utf-8") -> Path:
    """Rows (header first) as CSV in the given encoding ('utf-8-sig' adds the BOM)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    """Rows (header first) in the first sheet of a workbook; values keep their Python types."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path
