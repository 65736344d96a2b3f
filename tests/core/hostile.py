"""Hostile spreadsheets, made by code: each is a few KB on disk and asks a careless reader for
gigabytes. `workbook()` writes a minimal .xlsx around any sheet XML (streamed into the zip,
so a bomb's payload is never held here either)."""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

CONTENT_TYPES = (
    HEAD + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
PACKAGE_RELS = (
    HEAD + f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
    f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    HEAD + f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
    '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    HEAD + f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
    f'Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def row(number: int, *cells: str) -> str:
    return f'<row r="{number}">{"".join(cells)}</row>'


def workbook(
    path: Path,
    sheet_data: str | Iterable[bytes] = "",
    *,
    dimension: str | None = None,
    before: str = "",
) -> Path:
    """An .xlsx whose one sheet holds `sheet_data` (XML of rows, or blocks of bytes streamed
    into the zip) and declares `dimension` (none when None)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", PACKAGE_RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            declared = f'<dimension ref="{dimension}"/>' if dimension else ""
            sheet.write(f'{HEAD}{before}<worksheet xmlns="{MAIN}">{declared}<sheetData>'.encode())
            for block in [sheet_data.encode()] if isinstance(sheet_data, str) else sheet_data:
                sheet.write(block)
            sheet.write(b"</sheetData></worksheet>")
    return path


HEADER = row(1, inline("A1", "姓名"), inline("B1", "证件号码"), inline("C1", "房号"))


def dimension_bomb(path: Path) -> Path:
    """Cells A1 and XFD1048576 only, declared so: 1,048,576 × 16,384 = 17 billion cells to a
    reader that allocates the sheet's rectangle (the 2 KB file that stopped the demo)."""
    return workbook(
        path,
        row(1, inline("A1", "姓名")) + row(1048576, inline("XFD1048576", "x")),
        dimension="A1:XFD1048576",
    )


def undeclared_corner(path: Path) -> Path:
    """The same two cells without a <dimension>: the size shows only when the cell is read."""
    return workbook(path, row(1, inline("A1", "姓名")) + row(1048576, inline("XFD1048576", "x")))


def tall_and_narrow(path: Path) -> Path:
    """A1 and Z1000000: 26 million cells to calamine (a worker went from 250 MB to 1 GB)."""
    return workbook(
        path,
        row(1, inline("A1", "姓名")) + row(1000000, inline("Z1000000", "x")),
        dimension="A1:Z1000000",
    )


def implicit_wide_row(path: Path, cells: int) -> Path:
    """A header then a row of `cells` cells without `r`: each is one column further right."""
    body = "".join(f'<c t="inlineStr"><is><t>{i}</t></is></c>' for i in range(cells))
    return workbook(path, HEADER + f'<row r="2">{body}</row>')


def zip_bomb(path: Path, unzipped_mb: int) -> Path:
    """A header row, then `unzipped_mb` MB of empty rows: kilobytes zipped."""
    filler = b"<row/>" * (1024 * 1024 // 6)

    def blocks() -> Iterable[bytes]:
        yield HEADER.encode()
        for _ in range(unzipped_mb):
            yield filler

    return workbook(path, blocks())


def understated_zip(path: Path) -> Path:
    """A workbook whose zip directory says the sheet is 100 bytes long when it is not."""
    workbook(path, HEADER + row(2, inline("A2", "张三"), inline("B2", "x" * 5000)))
    data = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    at = data.rfind(b"PK\x01\x02", 0, data.rfind(name))  # its central directory entry
    struct.pack_into("<I", data, at + 24, 100)  # uncompressed size
    path.write_bytes(bytes(data))
    return path


def many_entries(path: Path, entries: int) -> Path:
    """A valid workbook carrying `entries` empty extra files (zipfile would hold them all)."""
    workbook(path, HEADER)
    with zipfile.ZipFile(path, "a") as z:
        for i in range(entries):
            z.writestr(f"x/{i}", b"")
    return path


def with_doctype(path: Path) -> Path:
    """Entity expansion ("billion laughs") needs a DOCTYPE; Excel never writes one."""
    laughs = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    return workbook(path, HEADER, before=laughs)


def text_named_xlsx(path: Path) -> Path:
    path.write_text("姓名,证件号码\n张三,1\n", encoding="utf-8")
    return path
