"""The first worksheet of an untrusted .xlsx, read as a stream with every size bounded.

python-calamine and openpyxl both hold more than a row of a hostile file: calamine allocates
the sheet's whole rectangle before giving the first row (a 2 KB file with cells A1 and
XFD1048576 asks for 17 billion cells), and openpyxl opens every sheet up front, builds each
row as an element tree and keeps every shared string as an object. So the sheet is read here
cell by cell with expat, and nothing grows with the file unchecked:

- the zip: at most MAX_ZIP_ENTRIES entries (read from the end record before `zipfile` builds
  its directory), their unzipped sizes within `Limits.max_unzipped_bytes`, each part counted
  again while it is unzipped;
- the XML: comments, declarations and processing instructions are refused, so every '<'
  opens a tag and no tag, which expat holds whole, is longer than MAX_XML_GAP;
- the sheet: its declared `<dimension>`, and each row and column holding a value as it is
  read, against `Limits.max_rows` and `max_columns`; cell text is kept up to
  `max_cell_chars` (+1, so the import can tell it was too long);
- shared strings: one compact text (see `_SharedStrings`) from a part of at most
  SHARED_STRINGS_BYTES.

What is kept: one row, the shared strings, the date styles. openpyxl supplies the rules for
date formats and Excel's date arithmetic.
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile
import zlib
from array import array
from collections.abc import Callable, Iterator
from typing import IO
from xml.parsers import expat

from django.utils.translation import gettext as _
from openpyxl.styles.numbers import is_date_format
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel, from_ISO8601

from shequ.core.tabular import Limits, TableRefused, cell_text, too_big

# Excel's own ceiling: a reference beyond it is a damaged file.
EXCEL_MAX_ROWS, EXCEL_MAX_COLUMNS = 1_048_576, 16_384
# Parts other than the sheet and its strings (workbook, relationships, styles) are small.
SMALL_PART_BYTES = 16 * 1024 * 1024
# Shared strings stay in memory for the whole read: ~1–2 bytes a character, 8 a string.
SHARED_STRINGS_BYTES = 64 * 1024 * 1024
MAX_ZIP_ENTRIES = 10_000
# Longest run of bytes between two '<': a tag, or a cell's text (Excel's longest cell, 32,767
# characters, is at most ~128 KB of UTF-8).
MAX_XML_GAP = 1024 * 1024
READ_BYTES = 64 * 1024

# Excel writes characters XML cannot hold as _xHHHH_ (ECMA-376 ST_Xstring).
_XSTRING_ESCAPE = re.compile(r"_x([0-9A-Fa-f]{4})_")
# Built-in number formats that are dates or times: 14–22 and 45–47 everywhere, 27–36 and
# 50–58 in Chinese, Japanese and Korean Excel (年/月/日, 时/分 formats).
BUILTIN_DATE_FORMATS = frozenset((*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)))
_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})$")
_COLUMNS: dict[str, int] = {}  # 'AB' → 28, filled as met (at most EXCEL_MAX_COLUMNS entries)


def unreadable() -> TableRefused:
    return TableRefused(_("This .xlsx file cannot be read; save it again from Excel or WPS."))


def _unzips_to_more(megabytes: int) -> TableRefused:
    return TableRefused(
        _(
            "This .xlsx file unpacks to more than %(mb)s MB; Shequ reads smaller workbooks. "
            "Copy the list alone into a new workbook, or split it."
        )
        % {"mb": f"{megabytes:,}"}
    )


def _unescape(text: str) -> str:
    if "_x" not in text:
        return text
    return _XSTRING_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def column_number(letters: str) -> int:
    """'A' → 1, 'XFD' → 16384; anything else is a damaged file."""
    number = _COLUMNS.get(letters)
    if number is not None:
        return number
    number = 0
    for ch in letters:
        if not "A" <= ch <= "Z":
            raise unreadable()
        number = number * 26 + ord(ch) - 64
    if not 0 < number <= EXCEL_MAX_COLUMNS:
        raise unreadable()
    _COLUMNS[letters] = number
    return number


def _dimension(ref: str) -> tuple[int, int] | None:
    """'A1:XFD1048576' → (1048576, 16384), its last row and column; None when unreadable."""
    match = _REF.match(ref.rpartition(":")[2])
    if not match:
        return None
    try:
        return int(match.group(2)), column_number(match.group(1).upper())
    except TableRefused:
        return None


def _local(name: str) -> str:
    return name.rpartition(":")[2]  # 'x:row' → 'row'; the usual default namespace has none


class _Part:
    """One XML part of the workbook fed to expat block by block, within `cap` bytes
    unzipped and with no tag longer than MAX_XML_GAP."""

    def __init__(self, archive: zipfile.ZipFile, name: str, cap: int):
        self.info = archive.getinfo(name)
        self.archive, self.cap = archive, cap
        if self.info.file_size > cap:
            raise _unzips_to_more(cap // (1024 * 1024))
        self.parser = expat.ParserCreate()
        self.parser.buffer_text = True
        self.parser.buffer_size = READ_BYTES

    def blocks(self) -> Iterator[None]:
        """Feed the part; yields after each block, so a caller can take out what it made."""
        read = gap = 0
        last = b""
        try:
            with self.archive.open(self.info) as raw:
                while block := raw.read(READ_BYTES):
                    seam = last + block  # a '<!' or '<?' may straddle two blocks
                    if b"<!" in seam:
                        raise unreadable()
                    at = seam.find(b"<?")
                    while at >= 0:  # only the XML declaration, at the start (after a BOM)
                        if read - len(last) + at not in (0, 3):
                            raise unreadable()
                        at = seam.find(b"<?", at + 1)
                    read += len(block)
                    if read > self.cap:
                        raise _unzips_to_more(self.cap // (1024 * 1024))
                    first = block.find(b"<")
                    if first < 0:
                        gap += len(block)
                    elif gap + first > MAX_XML_GAP:
                        raise unreadable()
                    else:
                        gap = len(block) - block.rfind(b"<") - 1
                    if gap > MAX_XML_GAP:
                        raise unreadable()
                    last = block[-1:]
                    self.parser.Parse(block, False)
                    yield
                self.parser.Parse(b"", True)
                yield
        except (expat.ExpatError, zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise unreadable() from exc

    def read(self) -> None:
        for _block in self.blocks():
            pass


class _SharedStrings:
    """The workbook's string table as one text and where each string ends: a list of str
    objects would cost about 50 bytes more per string (millions in a hostile part)."""

    def __init__(self) -> None:
        self._buffer = io.StringIO()
        self._text = ""
        self._ends = array("q")
        self._length = 0

    def append(self, text: str) -> None:
        self._buffer.write(text)
        self._length += len(text)
        self._ends.append(self._length)

    def freeze(self) -> None:
        self._text = self._buffer.getvalue()
        self._buffer = io.StringIO()

    def __getitem__(self, index: int) -> str:
        if index < 0:
            raise IndexError(index)
        start = self._ends[index - 1] if index else 0
        return self._text[start : self._ends[index]]


class _Text:
    """An element's text, kept up to `cap` characters and one more (to tell it was longer)."""

    __slots__ = ("cap", "length", "parts")

    def __init__(self, cap: int):
        self.cap = cap
        self.parts: list[str] = []
        self.length = 0

    def add(self, data: str) -> None:
        if self.length <= self.cap:
            data = data[: self.cap + 1 - self.length]
            self.parts.append(data)
            self.length += len(data)

    def value(self) -> str:
        return "".join(self.parts)


class XlsxSheet:
    """The first worksheet of an .xlsx (see the module's docstring for the bounds)."""

    def __init__(self, source: IO[bytes], limits: Limits):
        self.limits = limits
        try:
            source.seek(0)
            # The entry count from the end record, before ZipFile builds all their entries.
            end = zipfile._EndRecData(source)
            if end is None or end[zipfile._ECD_ENTRIES_TOTAL] > MAX_ZIP_ENTRIES:
                raise unreadable()
            self.archive = zipfile.ZipFile(source)
        except (zipfile.BadZipFile, ValueError, EOFError, OSError) as exc:
            raise unreadable() from exc
        infos = self.archive.infolist()
        if sum(i.file_size for i in infos) > limits.max_unzipped_bytes:
            raise _unzips_to_more(limits.max_unzipped_bytes // (1024 * 1024))
        self.names = {i.filename.lower(): i.filename for i in infos}
        workbook = self._office_document()
        folder = posixpath.dirname(workbook)
        rels = self._relationships(
            posixpath.join(folder, "_rels", f"{workbook.rpartition('/')[2]}.rels")
        )
        sheet, self.epoch = self._first_sheet(workbook, rels)
        self.sheet = self._resolve(folder, rels[sheet][1])
        self.strings = self.styles = ""
        for kind, target in rels.values():
            if kind.endswith("/styles"):
                self.styles = self._resolve(folder, target)
            elif kind.endswith("/sharedStrings"):
                self.strings = self._resolve(folder, target)

    # -- the workbook's structure --------------------------------------------------------------
    def _part(self, path: str, cap: int) -> _Part:
        name = self.names.get(path.lstrip("/").lower())
        if name is None:
            raise unreadable()
        return _Part(self.archive, name, cap)

    @staticmethod
    def _resolve(folder: str, target: str) -> str:
        if target.startswith("/"):
            return target.lstrip("/")
        return posixpath.normpath(posixpath.join(folder, target))

    def _on(self, part: _Part, start: Callable[[str, dict[str, str]], None]) -> _Part:
        part.parser.StartElementHandler = start
        return part

    def _relationships(self, path: str) -> dict[str, tuple[str, str]]:
        """Id → (type, target) of a .rels part."""
        found: dict[str, tuple[str, str]] = {}

        def start(name: str, attrs: dict[str, str]) -> None:
            if _local(name) == "Relationship" and len(found) < MAX_ZIP_ENTRIES:
                found[attrs.get("Id", "")] = (attrs.get("Type", ""), attrs.get("Target", ""))

        self._on(self._part(path, SMALL_PART_BYTES), start).read()
        return found

    def _office_document(self) -> str:
        if "_rels/.rels" in self.names:
            for kind, target in self._relationships("_rels/.rels").values():
                if kind.endswith("/officeDocument"):
                    return self._resolve("", target)
        return "xl/workbook.xml"

    def _first_sheet(
        self, workbook: str, rels: dict[str, tuple[str, str]]
    ) -> tuple[str, dt.datetime]:
        """The relationship id of the first worksheet (not chart sheet), and the date epoch."""
        sheets: list[str] = []
        epoch = [WINDOWS_EPOCH]

        def start(name: str, attrs: dict[str, str]) -> None:
            local = _local(name)
            if local == "sheet" and not sheets:
                rel = next((v for k, v in attrs.items() if ":" in k and _local(k) == "id"), "")
                if rels.get(rel, ("", ""))[0].endswith("/worksheet"):
                    sheets.append(rel)
            elif local == "workbookPr" and attrs.get("date1904", "").lower() in ("1", "true"):
                epoch[0] = MAC_EPOCH

        self._on(self._part(workbook, SMALL_PART_BYTES), start).read()
        if not sheets:
            raise unreadable()
        return sheets[0], epoch[0]

    def _date_styles(self) -> frozenset[int]:
        """The cell styles (a cell's `s`) that show a number as a date or a time."""
        if not self.styles:
            return frozenset()
        custom: dict[int, str] = {}
        formats: list[int] = []
        inside = [False]

        def start(name: str, attrs: dict[str, str]) -> None:
            local = _local(name)
            if local == "numFmt" and attrs.get("numFmtId", "").isdigit():
                custom[int(attrs["numFmtId"])] = attrs.get("formatCode", "")
            elif local == "cellXfs":
                inside[0] = True
            elif local == "xf" and inside[0]:
                number = attrs.get("numFmtId", "0")
                formats.append(int(number) if number.isdigit() else 0)

        def end(name: str) -> None:
            if _local(name) == "cellXfs":
                inside[0] = False

        part = self._on(self._part(self.styles, SMALL_PART_BYTES), start)
        part.parser.EndElementHandler = end
        part.read()
        return frozenset(
            i
            for i, number in enumerate(formats)
            if (
                is_date_format(custom[number])
                if number in custom
                else number in BUILTIN_DATE_FORMATS
            )
        )

    def _shared_strings(self) -> _SharedStrings:
        shared = _SharedStrings()
        if not self.strings:
            return shared
        cap = self.limits.max_cell_chars
        now: list[_Text | None] = [None, None]  # the string, where its text goes
        phonetic = [0]

        def start(name: str, attrs: dict[str, str]) -> None:
            local = _local(name)
            if local == "si":
                now[0] = _Text(cap)
            elif local == "t" and not phonetic[0]:
                now[1] = now[0]
            elif local == "rPh":  # the pronunciation guide over Japanese text: not the value
                phonetic[0] += 1

        def end(name: str) -> None:
            local = _local(name)
            if local == "si" and now[0] is not None:
                shared.append(_unescape(now[0].value()).strip())
                now[0] = None
            elif local == "t":
                now[1] = None
            elif local == "rPh":
                phonetic[0] -= 1

        def chars(data: str) -> None:
            if now[1] is not None:
                now[1].add(data)

        part = self._on(self._part(self.strings, SHARED_STRINGS_BYTES), start)
        part.parser.EndElementHandler = end
        part.parser.CharacterDataHandler = chars
        part.read()
        shared.freeze()
        return shared

    # -- the sheet ---------------------------------------------------------------------------
    def declared(self) -> tuple[int, int] | None:
        """The sheet's `<dimension ref>` (last row, last column), read from the sheet's start."""
        found: list[tuple[int, int] | None] = []

        def start(name: str, attrs: dict[str, str]) -> None:
            local = _local(name)
            if local == "dimension" and not found:
                found.append(_dimension(attrs.get("ref", "")))
            elif local == "sheetData" and not found:
                found.append(None)

        blocks = self._on(self._part(self.sheet, self.limits.max_unzipped_bytes), start).blocks()
        for _block in blocks:
            if found:
                break
        blocks.close()
        return found[0] if found else None

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(row number, cells) of each row holding a value; refused past a limit.

        The handlers below run once per XML event (millions for a long list): their state is
        in local variables and the common cells (shared string, number) are decoded inline.
        """
        limits = self.limits
        declared = self.declared()
        if declared and (declared[0] > limits.max_rows or declared[1] > limits.max_columns):
            raise too_big(limits, rows=declared[0], columns=declared[1], declared=True)
        shared, date_styles, epoch = self._shared_strings(), self._date_styles(), self.epoch
        cap, max_rows, max_columns = limits.max_cell_chars, limits.max_rows, limits.max_columns
        keep = cap + 1  # one character more than the cap tells the import the cell was too long
        columns = _COLUMNS
        out: list[tuple[int, list[str]]] = []
        # Cells and rows may leave out their `r`: then they follow the one before.
        row = column = style = phonetic = 0
        cells: list[str] = []
        kind = "n"
        value: str | None = None  # the cell's <v> (or inline string) text
        formula: str | None = None
        into = 0  # where character data goes: 1 the value, 2 the formula, 0 nowhere

        def start(name: str, attrs: dict[str, str]) -> None:
            nonlocal row, column, style, kind, value, formula, into, phonetic, cells
            if name == "c":
                ref = attrs.get("r")
                if ref:
                    letters = ref.rstrip("0123456789")
                    column = columns.get(letters) or column_number(letters.replace("$", "").upper())
                else:
                    column += 1
                kind = attrs.get("t", "n")
                number = attrs.get("s")
                style = int(number) if number and number.isdigit() else 0
                value = formula = None
                return
            if name == "v":
                into = 1
                return
            if name not in _SHEET_NAMES:
                name = _local(name)
                if name in ("c", "v"):  # a prefixed document (<x:c>): the same, slower
                    start(name, attrs)
                    return
            if name == "t":
                if kind == "inlineStr" and not phonetic:
                    into = 1  # rich text: every run's <t> adds to the one value
            elif name == "f":
                into = 2
            elif name == "row":
                ref = attrs.get("r", "")
                row = int(ref) if ref.isdigit() else row + 1
                if not 0 < row <= EXCEL_MAX_ROWS:
                    raise unreadable()
                column = 0
                cells = []
            elif name == "rPh":  # the pronunciation guide over Japanese text: not the value
                phonetic += 1

        def end(name: str) -> None:
            nonlocal into, phonetic
            if name not in _SHEET_NAMES:
                name = _local(name)
            if name == "c":
                if not value:
                    text = "=" + formula.strip() if formula else ""
                elif kind == "s":
                    try:
                        text = shared[int(value)]
                    except (ValueError, IndexError):
                        raise unreadable() from None
                elif kind == "inlineStr":
                    text = (_unescape(value) if "_x" in value else value).strip()
                else:
                    text = _value(kind, style, value, date_styles, epoch)
                if text:
                    if row > max_rows:
                        raise too_big(limits, rows=row)
                    if column > max_columns:
                        raise too_big(limits, columns=column)
                    if len(cells) < column:
                        cells.extend([""] * (column - len(cells)))
                    cells[column - 1] = text
            elif name == "row":
                if cells:
                    out.append((row, cells))
            elif name == "rPh":
                phonetic -= 1
            else:
                into = 0

        def chars(data: str) -> None:
            nonlocal value, formula
            if into == 1:
                value = data[:keep] if value is None else (value + data)[:keep]
            elif into == 2:
                formula = data[:keep] if formula is None else (formula + data)[:keep]

        part = self._on(self._part(self.sheet, limits.max_unzipped_bytes), start)
        part.parser.EndElementHandler = end
        part.parser.CharacterDataHandler = chars
        for _block in part.blocks():
            if out:
                yield from out
                out.clear()


_SHEET_NAMES = frozenset(("c", "v", "f", "t", "is", "r", "row", "rPh", "sheetData"))


def _value(
    kind: str, style: int, text: str, date_styles: frozenset[int], epoch: dt.datetime
) -> str:
    """A cell that is not a shared string, as text. A formula gives the value Excel last
    computed for it, never anything evaluated here."""
    if kind == "n":
        try:
            number = float(text)
        except ValueError:
            return text.strip()
        if style in date_styles:
            try:
                return cell_text(from_excel(number, epoch))
            except (OverflowError, ValueError):
                return text.strip()  # a date format on a number no date can be
        if number.is_integer() and text.isdigit():
            return text  # 13800138000: as written, without a trip through float
        return cell_text(number)
    if kind in ("inlineStr", "str"):
        return _unescape(text).strip()
    if kind == "b":
        return "True" if text.strip() == "1" else "False"
    if kind == "d":
        try:
            return cell_text(from_ISO8601(text.strip()))
        except ValueError:
            return text.strip()
    return text.strip()  # "e": an error such as #DIV/0!, as Excel shows it
