"""The spreadsheet reader: reads what Excel, WPS and the libraries read, and refuses a file
beyond its limits before holding the rows that make it too big (hostile files in hostile.py).

A test cannot watch memory; these watch *when* the refusal comes: on the declared size before
the first row, on an actual cell beyond the limit before any row past it is given out."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
from django.utils import translation
from openpyxl import Workbook
from python_calamine import CalamineWorkbook

from shequ.core.tabular import (
    Column,
    Limits,
    TableRefused,
    cell_text,
    estimate_rows,
    map_header,
    numbered_rows,
    read_rows,
)
from tests.core import hostile

SMALL = Limits(max_rows=100, max_columns=10, max_cell_chars=50, max_unzipped_bytes=1024 * 1024)


def rows_of(path: Path, limits: Limits = SMALL) -> list[tuple[int, list[str]]]:
    with translation.override("en"), path.open("rb") as fh:
        return list(read_rows(fh, filename=path.name, limits=limits))


def refusal(path: Path, limits: Limits = SMALL, *, given: int = 0) -> str:
    """The refusal's message, after which exactly `given` rows had been given out."""
    got: list[tuple[int, list[str]]] = []

    def read() -> None:
        for row in read_rows(fh, filename=path.name, limits=limits):
            got.append(row)

    with (
        translation.override("en"),
        path.open("rb") as fh,
        pytest.raises(TableRefused) as refused,
    ):
        read()
    assert len(got) == given, got
    return refused.value.message


# --- what it reads ----------------------------------------------------------------------------


def _typed_workbook(path: Path) -> Path:
    """Cells of every kind Excel writes: shared strings, numbers, dates (also a Chinese
    built-in date format), booleans, formulas with their computed value, rich text."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    chinese_date = book.add_format({"num_format": 31})  # yyyy"年"m"月"d"日" in Chinese Excel
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, ["姓名", "电话", "出生日期", "生日", "党员", "合计", "备注"])
    sheet.write_string(1, 0, " 张三 ")
    sheet.write_number(1, 1, 10000000001)
    sheet.write_datetime(1, 2, dt.datetime(1980, 5, 17), date)
    sheet.write_datetime(1, 3, dt.datetime(1952, 11, 2), chinese_date)
    sheet.write_boolean(1, 4, True)
    sheet.write_formula(1, 5, "=1+1", None, 2)
    sheet.write_rich_string(1, 6, "每周", bold, "送药")
    sheet.write_number(2, 1, 1.5)
    sheet.write_string(3, 8, "远处")  # a gap before it: columns G and H stay empty
    book.close()
    return path


def test_an_excel_workbook_reads_as_its_cells_show(tmp_path):
    rows = rows_of(_typed_workbook(tmp_path / "typed.xlsx"))
    assert rows == [
        (1, ["姓名", "电话", "出生日期", "生日", "党员", "合计", "备注"]),
        (2, ["张三", "10000000001", "1980-05-17", "1952-11-02", "True", "2", "每周送药"]),
        (3, ["", "1.5"]),
        (4, ["", "", "", "", "", "", "", "", "远处"]),
    ]


def test_the_reader_agrees_with_calamine_on_an_ordinary_workbook(tmp_path):
    path = _typed_workbook(tmp_path / "typed.xlsx")
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    theirs = [[cell_text(v) for v in row] for row in sheet.iter_rows()]
    for number, cells in rows_of(path):
        expected = theirs[number - 1]
        while expected and not expected[-1]:
            expected.pop()
        assert cells == expected


def test_inline_strings_shared_strings_and_openpyxl_files_read_alike(tmp_path):
    rows = [["姓名", "证件号码"], ["李四", "629999195211020240"]]
    book = Workbook()
    for values in rows:
        book.active.append(values)
    book.save(tmp_path / "openpyxl.xlsx")
    inline = xlsxwriter.Workbook(str(tmp_path / "inline.xlsx"), {"constant_memory": True})
    sheet = inline.add_worksheet()
    for r, values in enumerate(rows):
        sheet.write_row(r, 0, values)
    inline.close()
    for name in ("openpyxl.xlsx", "inline.xlsx"):
        assert rows_of(tmp_path / name) == [(1, rows[0]), (2, rows[1])], name


def test_a_formula_is_read_as_the_value_excel_computed_never_evaluated(tmp_path):
    book = Workbook()  # openpyxl stores formulas without a computed value
    book.active.append(["姓名", "备注"])
    book.active.append(["张三", '=HYPERLINK("http://example.invalid/x","点我")'])
    book.active.append(["李四", "=1+1"])
    book.save(tmp_path / "f.xlsx")
    assert rows_of(tmp_path / "f.xlsx")[1:] == [
        (2, ["张三", '=HYPERLINK("http://example.invalid/x","点我")']),
        (3, ["李四", "=1+1"]),
    ]


def test_characters_excel_escapes_are_read_back(tmp_path):
    book = xlsxwriter.Workbook(str(tmp_path / "nul.xlsx"))
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["姓名"])
    sheet.write_string(1, 0, "张\x00三")  # stored as 张_x0000_三
    book.close()
    assert rows_of(tmp_path / "nul.xlsx")[1] == (2, ["张\x00三"])


def test_a_workbook_with_prefixed_elements_reads_the_same(tmp_path):
    # The .NET Open XML SDK writes <x:row>, <x:c>, <x:v>.
    sheet = (
        f'{hostile.HEAD}<x:worksheet xmlns:x="{hostile.MAIN}"><x:sheetData>'
        '<x:row r="1"><x:c r="A1" t="inlineStr"><x:is><x:t>姓名</x:t></x:is></x:c>'
        '<x:c r="B1" t="inlineStr"><x:is><x:t>电话</x:t></x:is></x:c></x:row>'
        '<x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t>张三</x:t></x:is></x:c>'
        '<x:c r="B2"><x:v>10000000001</x:v></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    )
    path = tmp_path / "prefixed.xlsx"
    hostile.workbook(path)
    with zipfile.ZipFile(path) as old, zipfile.ZipFile(tmp_path / "p.xlsx", "w") as new:
        for item in old.infolist():
            data = sheet.encode() if item.filename.endswith("sheet1.xml") else old.read(item)
            new.writestr(item, data)
    assert rows_of(tmp_path / "p.xlsx") == [(1, ["姓名", "电话"]), (2, ["张三", "10000000001"])]


def test_a_cell_longer_than_the_limit_is_cut_one_past_it(tmp_path):
    path = hostile.workbook(tmp_path / "long.xlsx", hostile.HEADER + hostile.row(
        2, hostile.inline("A2", "长" * 10_000)
    ))  # fmt: skip
    assert rows_of(path)[1] == (2, ["长" * 51])


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_a_csv_in_any_common_chinese_encoding_reads_the_same(tmp_path, encoding):
    path = tmp_path / "r.csv"
    path.write_bytes('姓名,备注\r\n张三,"两行\n备注"\r\n\r\n李四,\r\n'.encode(encoding))
    assert rows_of(path) == [(1, ["姓名", "备注"]), (2, ["张三", "两行\n备注"]), (4, ["李四"])]


def test_the_header_comes_first_and_blank_rows_keep_their_numbers(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text(",,\n姓名,证件号码\n,\n张三,1\n", encoding="utf-8")
    with path.open("rb") as fh:
        header, body = numbered_rows(fh, filename="r.csv", limits=SMALL)
        assert header == ["姓名", "证件号码"]
        assert list(body) == [(4, ["张三", "1"])]


# --- hostile .xlsx ----------------------------------------------------------------------------


def test_a_declared_dimension_bomb_is_refused_before_any_row(tmp_path):
    path = hostile.dimension_bomb(tmp_path / "bomb.xlsx")
    assert path.stat().st_size < 3000
    message = refusal(path, Limits(), given=0)
    assert "1,048,576 rows × 16,384 columns" in message
    assert "200,000 rows and 256 columns" in message
    with path.open("rb") as fh, pytest.raises(TableRefused):  # the progress estimate too
        estimate_rows(fh, filename="bomb.xlsx", limits=Limits())


def test_a_tall_sheet_declaring_a_million_rows_is_refused_before_any_row(tmp_path):
    message = refusal(hostile.tall_and_narrow(tmp_path / "tall.xlsx"), Limits())
    assert "1,000,000 rows × 26 columns" in message


def test_an_undeclared_far_cell_is_refused_as_it_is_read(tmp_path):
    # No <dimension>: the reader meets the cell and refuses it; it never makes the row.
    message = refusal(hostile.undeclared_corner(tmp_path / "corner.xlsx"), Limits())
    assert "row 1,048,576" in message


def test_a_row_wider_than_the_limit_is_refused_at_the_first_cell_beyond(tmp_path):
    # 20,000 cells without `r`, each one column further: refused at the 11th, never a row.
    message = refusal(hostile.implicit_wide_row(tmp_path / "wide.xlsx", 20_000))
    assert "column K (column 11)" in message


def test_a_zip_bomb_is_refused_on_its_stated_size_and_while_it_unzips(tmp_path):
    path = hostile.zip_bomb(tmp_path / "bomb.xlsx", unzipped_mb=3)
    assert path.stat().st_size < 50_000
    assert "unpacks to more than 1 MB" in refusal(path)  # the zip's directory says 3 MB
    understated = hostile.understated_zip(tmp_path / "lies.xlsx")
    assert "cannot be read" in refusal(understated)  # it says 100 bytes: read no further


def test_a_zip_of_many_entries_is_refused_before_zipfile_lists_them(tmp_path):
    assert "cannot be read" in refusal(hostile.many_entries(tmp_path / "many.xlsx", 10_001))


def test_xml_with_a_doctype_is_refused(tmp_path):
    assert "cannot be read" in refusal(hostile.with_doctype(tmp_path / "laughs.xlsx"))


def test_a_text_file_named_xlsx_is_refused(tmp_path):
    assert "not a real .xlsx" in refusal(hostile.text_named_xlsx(tmp_path / "fake.xlsx"))


def test_a_broken_zip_is_refused_not_crashed_on(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    assert "cannot be read" in refusal(path)


# --- hostile .csv -----------------------------------------------------------------------------


def test_a_csv_line_longer_than_a_million_characters_is_refused(tmp_path):
    path = tmp_path / "long.csv"
    path.write_bytes(b"name\n" + b"x" * 1_000_001 + b"\n")
    assert "Row 2 of this CSV file is longer than 1,000,000 characters" in refusal(path, given=1)


def test_a_quoted_cell_running_over_many_lines_is_refused_as_one_long_row(tmp_path):
    path = tmp_path / "open-quote.csv"
    path.write_bytes(b'name\n"' + b"x" * 1000 + b"\n" * 1000 + b"x" * 1_000_000)
    assert "longer than 1,000,000 characters" in refusal(path, given=1)


def test_a_csv_wider_or_longer_than_the_limits_is_refused(tmp_path):
    wide = tmp_path / "wide.csv"
    wide.write_text("a\n" + ",".join("x" * 11) + "\n", encoding="utf-8")
    assert "column K (column 11)" in refusal(wide, given=1)
    trailing = tmp_path / "trailing.csv"  # empty cells after the data are no columns
    trailing.write_text("a" + "," * 500 + "\n" + "x" + "," * 500 + "\n", encoding="utf-8")
    assert rows_of(trailing) == [(1, ["a"]), (2, ["x"])]
    long = tmp_path / "long.csv"
    long.write_text("a\n" + "x\n" * 200, encoding="utf-8")
    assert "data in row 101;" in refusal(long, given=100)


def test_nul_bytes_in_a_csv_are_read_for_the_import_to_name(tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes("姓名\n张\x00三\n".encode())
    assert rows_of(path)[1] == (2, ["张\x00三"])


def test_rows_are_read_from_any_seekable_stream(tmp_path):
    stream = io.BytesIO("姓名\n张三\n".encode("gb18030"))
    assert list(read_rows(stream, filename="r.csv", limits=SMALL)) == [(1, ["姓名"]), (2, ["张三"])]


def test_a_picker_reads_as_get_does_for_short_rows_and_absent_columns():
    """`HeaderMap.picker` (the import's hot loop): the same cells as `get`, field by field,
    "" where the row stops early or the file has no such column."""
    columns = [Column("name", "姓名"), Column("phone", "手机"), Column("notes", "备注")]
    header = map_header(["手机", "民族", "姓名"], columns)
    pick = header.picker(("name", "notes", "phone"))
    for row in (["139", "汉", "张三"], ["139", "汉", "张三", "extra"], ["139"], []):
        expected = tuple(header.get(row, f) for f in ("name", "notes", "phone"))
        assert pick(row) == expected
    assert pick(["139", "汉", "张三", "extra"]) == ("张三", "", "139")
    assert pick(["139"]) == ("", "", "139")
    assert header.picker(("name", "notes", "phone")) is pick
