"""Resident lists from spreadsheets: read any common file, refuse bad rows clearly, land
all-or-nothing, stay idempotent, keep personal data masked in every report."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import pytest
from django.utils import translation
from openpyxl import load_workbook
from typer.testing import CliRunner

from shequ.cli import app
from shequ.core import imports, seen_keys
from shequ.core.errors import ValidationError
from shequ.core.imports import errors_workbook, import_job_create, run_import
from shequ.core.models import AuditEvent, ImportRowError, ImportStatus
from shequ.places.models import Place, PlaceKind
from shequ.residents import services
from shequ.residents.import_template import template_workbook
from shequ.residents.importers import ResidentImporter
from shequ.residents.models import Occupancy, Relation, Resident, Tag
from shequ.residents.selectors import import_target
from tests.residents.factories import id_number, phone
from tests.residents.sheets import CN_HEADER, EN_HEADER, write_csv, write_xlsx

ZHANG = id_number(dt.date(1980, 5, 17), seq=13)
LI = id_number(dt.date(1952, 11, 2), seq=24)
WANG = id_number(dt.date(2001, 2, 3), seq=35)


def cn_rows() -> list[list[str]]:
    return [
        CN_HEADER,
        ["张三", "男", "1980-05-17", ZHANG, phone(1), "甲小区", "1号楼", "101", ""],
        ["李四", "女", "1952/11/02", LI, "", "甲小区", "1号楼", "101室", "独居老人、行动不便"],
        ["王五", "", "", WANG, phone(3), "", "1号楼", "102", ""],
    ]


def import_file(
    user, path: Path, *, community: str = "", language: str = "en", **options
) -> imports.ImportJob:
    """Queue and run an import the way the page and the CLI do, in the user's language."""
    with translation.override(language), path.open("rb") as fh:
        job = import_job_create(
            actor=user,
            kind="residents",
            upload=fh,
            filename=path.name,
            place=import_target(user, community),
            options=options,
            enqueue=False,
        )
    return run_import(job.pk)


def errors_of(job) -> list[tuple[int, str]]:
    return list(job.row_errors.order_by("row", "id").values_list("row", "column"))


def snapshot() -> list[tuple]:
    return list(
        Resident.objects.order_by("pk").values_list(
            "pk",
            "name",
            "gender",
            "birth_date",
            "document_hmac",
            "phone_hmac",
            "household_id",
            "relation",
            "occupancy",
            "tags",
            "notes",
            "updated_at",
        )
    )


def residents_import_audits() -> int:
    return AuditEvent.objects.filter(action="residents.import").count()


# --- reading files ----------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_a_csv_with_chinese_headers_is_read_in_any_common_encoding(
    personas, city, tmp_path, encoding
):
    path = write_csv(tmp_path / "居民.csv", cn_rows(), encoding=encoding)
    job = import_file(personas.staff_a, path)
    assert job.status == ImportStatus.DONE, job.message
    assert job.summary() == {"created": 3, "updated": 0, "unchanged": 0, "rejected": 0}
    zhang = Resident.objects.get(name="张三")
    assert zhang.gender == "male"
    assert zhang.birth_date == dt.date(1980, 5, 17)
    assert zhang.document_number == ZHANG
    assert zhang.phone == phone(1)
    assert zhang.household == city.ha1
    li = Resident.objects.get(name="李四")
    assert li.household == city.ha1
    assert li.birth_date == dt.date(1952, 11, 2)
    assert set(li.tag_list) == {Tag.ELDERLY_ALONE, Tag.IMMOBILE}
    assert Resident.objects.get(name="王五").household == city.ha2


def test_an_xlsx_with_english_headers_and_household_codes_is_read(personas, city, tmp_path):
    rows = [
        EN_HEADER,
        [
            "Zhang San",
            "M",
            dt.datetime(1980, 5, 17),
            ZHANG,
            int(phone(1)),
            "KA-1-101",
            "head",
            "renter",
            "disabled",
        ],
        ["Li Si", "female", "1952-11-02", LI, "", "KA-1-102", "spouse", "tenant", ""],
    ]
    job = import_file(personas.staff_a, write_xlsx(tmp_path / "residents.xlsx", rows))
    assert job.status == ImportStatus.DONE, job.message
    assert job.created == 2
    zhang = Resident.objects.get(name="Zhang San")
    assert zhang.birth_date == dt.date(1980, 5, 17)  # an Excel date cell
    assert zhang.phone == phone(1)  # an Excel number cell
    assert zhang.household == city.ha1
    assert zhang.relation == Relation.HEAD
    assert zhang.occupancy == Occupancy.RENTER
    assert zhang.tag_list == [Tag.DISABLED]
    assert Resident.objects.get(name="Li Si").relation == Relation.SPOUSE


def test_english_special_population_words_from_the_template_are_accepted(personas, city, tmp_path):
    rows = [
        EN_HEADER,
        ["Zhang San", "M", "", ZHANG, "", "KA-1-101", "", "", "elderly living alone"],
    ]
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", rows))
    assert job.status == ImportStatus.DONE, list(job.row_errors.values_list("reason", flat=True))
    assert Resident.objects.get().tag_list == [Tag.ELDERLY_ALONE]


def test_headers_with_notes_in_brackets_and_stars_are_recognised(personas, city, tmp_path):
    rows = [
        ["* 姓名", "身份证号码（必填）", "Household Code"],
        ["张三", ZHANG, "KA-1-101"],
    ]
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", rows))
    assert job.status == ImportStatus.DONE, job.message
    assert Resident.objects.get().name == "张三"


def test_the_downloadable_template_imports_once_its_places_are_filled_in(personas, city, tmp_path):
    path = tmp_path / "template.xlsx"
    path.write_bytes(template_workbook())
    book = load_workbook(path)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    compound, building = header.index("小区") + 1, header.index("楼栋") + 1
    for row in (2, 3):
        sheet.cell(row, compound, "甲小区")
        sheet.cell(row, building, "1号楼")
    book.save(path)
    job = import_file(personas.staff_a, path)
    assert job.status == ImportStatus.DONE, list(job.row_errors.values_list("reason", flat=True))
    assert job.created == 2
    assert set(Resident.objects.values_list("name", flat=True)) == {"张三", "李四"}


def test_passports_and_other_documents_are_imported_with_their_type(personas, city, tmp_path):
    rows = [
        ["姓名", "证件类型", "证件号码", "户编码"],
        ["John Smith", "护照", "e1234567", "KA-1-101"],
        ["Maria Garcia", "passport", "E1-2", "KA-1-101"],
    ]
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", rows), skip_invalid=True)
    assert errors_of(job) == [(3, "证件号码")]
    smith = Resident.objects.get()
    assert (smith.name, smith.document_type, smith.document_number) == (
        "John Smith",
        "passport",
        "E1234567",
    )


# --- counts, idempotence, updates -------------------------------------------------------------


def test_importing_the_same_file_again_changes_nothing(personas, city, tmp_path):
    path = write_csv(tmp_path / "r.csv", cn_rows())
    first = import_file(personas.staff_a, path)
    assert first.summary() == {"created": 3, "updated": 0, "unchanged": 0, "rejected": 0}
    before = snapshot()
    again = import_file(personas.staff_a, path)
    assert again.status == ImportStatus.DONE
    assert again.summary() == {"created": 0, "updated": 0, "unchanged": 3, "rejected": 0}
    assert snapshot() == before


def test_a_changed_row_updates_the_resident_with_that_document_number(personas, city, tmp_path):
    import_file(personas.staff_a, write_csv(tmp_path / "r.csv", cn_rows()))
    zhang = Resident.objects.get(document_hmac=Resident.objects.get(name="张三").document_hmac)
    rows = cn_rows()
    rows[1][0] = "张叁"
    rows[1][4] = f"+86 {phone(9)[:3]}-{phone(9)[3:7]}-{phone(9)[7:]}"
    rows[1][7] = "102"
    job = import_file(personas.staff_a, write_csv(tmp_path / "r2.csv", rows))
    assert job.summary() == {"created": 0, "updated": 1, "unchanged": 2, "rejected": 0}
    fresh = Resident.objects.get(pk=zhang.pk)
    assert fresh.name == "张叁"
    assert fresh.phone == phone(9)
    assert fresh.household == city.ha2
    assert fresh.document_number == ZHANG
    assert Resident.objects.count() == 3


def test_a_resident_registered_on_the_page_is_matched_by_document_number(personas, city, tmp_path):
    resident = services.resident_create(
        actor=personas.staff_a, household=city.ha1, name="张三", document_number=ZHANG.lower()
    )
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", cn_rows()))
    assert job.summary() == {"created": 2, "updated": 1, "unchanged": 0, "rejected": 0}
    assert Resident.objects.get(pk=resident.pk).phone == phone(1)


def test_a_file_without_the_phone_column_keeps_the_phones_already_registered(
    personas, city, tmp_path
):
    import_file(personas.staff_a, write_csv(tmp_path / "r.csv", cn_rows()))
    slim = [[row[0], row[3], row[6], row[7]] for row in cn_rows()]  # 姓名 证件号码 楼栋 房号
    job = import_file(personas.staff_a, write_csv(tmp_path / "slim.csv", slim))
    assert Resident.objects.get(name="张三").phone == phone(1)
    assert job.unchanged == 3


def test_a_new_room_under_a_known_building_creates_the_household(personas, city, tmp_path):
    rows = [
        CN_HEADER,
        ["张三", "男", "", ZHANG, "", "甲小区", "1号楼", "103", ""],
        ["李四", "女", "", LI, "", "甲小区", "1号楼", "103室", ""],
    ]
    path = write_csv(tmp_path / "r.csv", rows)
    job = import_file(personas.staff_a, path)
    assert job.status == ImportStatus.DONE, job.message
    room = Place.objects.get(parent=city.ka1, kind=PlaceKind.HOUSEHOLD, name="103室")
    assert room.path == f"{city.ka1.path}{room.pk}/"
    assert room.depth == city.ka1.depth + 1
    assert set(room.residents.values_list("name", flat=True)) == {"张三", "李四"}
    again = import_file(personas.staff_a, path)
    assert again.unchanged == 2
    assert Place.objects.filter(parent=city.ka1, kind=PlaceKind.HOUSEHOLD).count() == 3


def test_progress_reaches_every_row(personas, city, tmp_path):
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", cn_rows()))
    assert job.processed_rows == 3
    assert job.total_rows == 3
    assert job.percent == 100
    assert job.finished


# --- refusals of the whole file ---------------------------------------------------------------


@pytest.mark.parametrize("name", ["residents.txt", "residents.xls", "residents"])
def test_a_file_that_is_not_xlsx_or_csv_is_refused_on_upload(personas, city, name):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        import_file_create(personas.staff_a, name, b"name,id\n")
    assert ".xlsx" in exc.value.errors["file"]
    assert not imports.ImportJob.objects.exists()


def import_file_create(user, filename: str, content: bytes):
    return import_job_create(
        actor=user,
        kind="residents",
        upload=io.BytesIO(content),
        filename=filename,
        place=import_target(user),
        enqueue=False,
    )


def test_an_empty_file_is_refused_on_upload(personas, city):
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        import_file_create(personas.staff_a, "r.csv", b"")
    assert "empty" in exc.value.errors["file"]
    assert not imports.ImportJob.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("blank.csv", b"\r\n,,,\r\n\r\n", "empty"),
        ("bom.csv", b"\xef\xbb\xbf", "empty"),
        ("fake.xlsx", b"name,id\nzhang,1\n", "not a real .xlsx"),
        ("book.csv", b"PK\x03\x04rest-of-a-zip", "really a workbook"),
    ],
)
def test_a_file_without_readable_rows_is_refused(personas, city, tmp_path, name, content, words):
    path = tmp_path / name
    path.write_bytes(content)
    job = import_file(personas.staff_a, path)
    assert job.status == ImportStatus.REFUSED
    assert words in job.message
    assert not Resident.objects.exists()


def test_a_header_without_rows_is_refused(personas, city, tmp_path):
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", [CN_HEADER]))
    assert job.status == ImportStatus.REFUSED
    assert "no data rows" in job.message
    assert job.row_errors.get().row == 0


def test_missing_required_columns_are_named(personas, city, tmp_path):
    rows = [["手机号码", "楼栋", "房号"], [phone(1), "1号楼", "101"]]
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", rows))
    assert job.status == ImportStatus.REFUSED
    assert "姓名" in job.message
    assert "证件号码" in job.message
    assert not Resident.objects.exists()


def test_a_file_that_does_not_say_where_people_live_is_refused(personas, city, tmp_path):
    rows = [["姓名", "证件号码", "楼栋"], ["张三", ZHANG, "1号楼"]]
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", rows))
    assert job.status == ImportStatus.REFUSED
    assert "户编码" in job.message
    assert "房号" in job.message


def test_the_import_speaks_the_language_of_the_user_who_uploaded(personas, city, tmp_path):
    rows = [["手机号码", "楼栋", "房号"], [phone(1), "1号楼", "101"]]
    with translation.override("zh-hans"):
        # run_import (the worker) switches to the uploader's language, whatever is active.
        english = import_file(personas.staff_a, write_csv(tmp_path / "en.csv", rows))
    assert english.language == "en"
    assert english.message.startswith("Missing required columns")
    chinese = import_file(
        personas.staff_a, write_csv(tmp_path / "zh.csv", rows), language="zh-hans"
    )
    assert chinese.language == "zh-hans"


# --- refusals of rows -------------------------------------------------------------------------


def test_staff_cannot_import_into_another_community(personas, city, tmp_path):
    rows = [
        ["姓名", "证件号码", "小区", "楼栋", "房号", "户编码"],
        ["张三", ZHANG, "乙小区", "1号楼", "101", ""],
        ["李四", LI, "", "", "", "KB-1-101"],
        ["王五", WANG, "", "", "", "KA-1-101"],
    ]
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", rows))
    assert job.status == ImportStatus.REFUSED
    assert errors_of(job) == [(2, "楼栋"), (3, "户编码")]
    assert job.rejected == 2
    assert not Resident.objects.exists()
    with pytest.raises(ValidationError) as exc:
        import_file(personas.staff_a, write_csv(tmp_path / "r.csv", rows), community="B")
    assert "community" in exc.value.errors


def test_hq_importing_into_one_community_cannot_reach_another(personas, city, tmp_path):
    rows = [["姓名", "证件号码", "户编码"], ["张三", ZHANG, "KB-1-101"], ["李四", LI, "KA-1-101"]]
    job = import_file(personas.hq, write_csv(tmp_path / "r.csv", rows), community="A")
    assert errors_of(job) == [(2, "户编码")]


def test_a_person_registered_in_another_community_is_not_taken_over(personas, city, tmp_path):
    services.resident_create(
        actor=personas.staff_b, household=city.hb1, name="张三", document_number=ZHANG
    )
    rows = [["姓名", "证件号码", "户编码"], ["张三", ZHANG, "KA-1-101"]]
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", rows))
    assert job.status == ImportStatus.REFUSED
    error = job.row_errors.get()
    assert (error.row, error.column) == (2, "证件号码")
    assert ZHANG not in error.value
    assert Resident.objects.get().household == city.hb1


def test_a_building_name_shared_by_two_compounds_needs_the_compound(personas, city, tmp_path):
    rows = [["姓名", "证件号码", "楼栋", "房号"], ["张三", ZHANG, "1号楼", "101"]]
    job = import_file(personas.hq, write_csv(tmp_path / "r.csv", rows))
    assert job.status == ImportStatus.REFUSED
    assert "小区" in job.row_errors.get().reason


def test_duplicate_id_numbers_in_the_file_name_both_rows(personas, city, tmp_path):
    rows = cn_rows()
    rows.append(["张三丰", "男", "", ZHANG.lower(), "", "甲小区", "1号楼", "102", ""])
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", rows))
    assert job.status == ImportStatus.REFUSED
    assert errors_of(job) == [(2, "证件号码"), (5, "证件号码")]
    first, again = job.row_errors.order_by("row")
    assert "row 5" in first.reason
    assert "row 2" in again.reason
    assert job.rejected == 2
    assert not Resident.objects.exists()


def test_duplicates_are_found_across_chunks(personas, city, tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    rows = cn_rows()
    rows.append(["张三丰", "男", "", ZHANG, "", "甲小区", "1号楼", "102", ""])
    rows.append(["张三", "男", "", ZHANG, "", "甲小区", "1号楼", "102", ""])
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", rows))
    assert [row for row, _column in errors_of(job)] == [2, 5, 6]
    assert job.rejected == 3


@pytest.mark.parametrize("spill_at", [1, 10_000])
def test_repeats_are_found_the_same_when_the_keys_met_spill_to_a_scratch_file(
    personas, city, tmp_path, monkeypatch, spill_at
):
    """Past seen_keys.SPILL_AT keys a pass keeps them in a scratch file (a million-row file
    in flat memory): the answers are those of a file whose keys stay in memory, for a copy
    of a good row, a copy of a refused one, and a third copy, across chunks."""
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    monkeypatch.setattr(seen_keys, "SPILL_AT", spill_at)
    spilled: list[bool] = []
    close = seen_keys.SeenKeys.close
    monkeypatch.setattr(
        seen_keys.SeenKeys, "close", lambda self: (spilled.append(self.spilled), close(self))
    )
    rows = cn_rows()
    rows.append(["张三丰", "男", "", ZHANG, "", "甲小区", "1号楼", "102", ""])  # row 5: copy of 2
    rows.append(["", "男", "", WANG, "", "甲小区", "1号楼", "102", ""])  # row 6: bad, copy of 4
    rows.append(["张三", "男", "", ZHANG, "", "甲小区", "1号楼", "102", ""])  # row 7
    rows.append(["王六", "男", "", id_number(seq=47), "", "甲小区", "1号楼", "102", ""])
    # A refused first copy (row 9) and two copies of it: row 9 is told once, in any store.
    other = id_number(seq=59)
    rows.append(["", "男", "", other, "", "甲小区", "1号楼", "102", ""])
    rows.append(["赵七", "男", "", other, "", "甲小区", "1号楼", "102", ""])
    rows.append(["赵八", "男", "", other, "", "甲小区", "1号楼", "102", ""])
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", rows))
    assert job.status == ImportStatus.REFUSED
    assert errors_of(job) == [
        (2, "证件号码"), (4, "证件号码"), (5, "证件号码"), (6, "姓名"), (6, "证件号码"),
        (7, "证件号码"), (9, "姓名"), (9, "证件号码"), (10, "证件号码"), (11, "证件号码"),
    ]  # fmt: skip
    assert job.rejected == 8
    # Both stores (the runner's and the importer's) let go at the end of pass 1, spilled or
    # not as asked.
    assert spilled == [spill_at == 1] * 2
    assert not Resident.objects.exists()


def test_every_bad_row_is_reported_with_its_column_not_just_the_first(
    personas, city, tmp_path, monkeypatch
):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 3)
    bad_check = ZHANG[:-1] + ("0" if ZHANG[-1] != "0" else "1")
    rows = [
        CN_HEADER,
        ["", "男", "", LI, "", "甲小区", "1号楼", "101", ""],
        ["张三", "男", "", bad_check, "", "甲小区", "1号楼", "101", ""],
        ["王五", "未知", "", WANG, "", "甲小区", "1号楼", "101", ""],
        ["赵六", "", "17/05/1980", id_number(seq=47), "", "甲小区", "1号楼", "101", ""],
        ["钱七", "", "", id_number(seq=59), "123", "甲小区", "1号楼", "101", ""],
        ["孙八", "", "", id_number(seq=61), "", "甲小区", "9号楼", "101", ""],
        ["周九", "", "", id_number(seq=73), "", "甲小区", "1号楼", "", ""],
        ["吴十", "", "", id_number(seq=85), "", "甲小区", "1号楼", "101", "VIP"],
        ["郑一", "", "", id_number(seq=97), "", "甲小区", "1号楼", "101", ""],
    ]
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", rows))
    assert job.status == ImportStatus.REFUSED
    assert errors_of(job) == [
        (2, "姓名"),
        (3, "证件号码"),
        (4, "性别"),
        (5, "出生日期"),
        (6, "手机号码"),
        (7, "楼栋"),
        (8, "房号"),
        (9, "重点人群"),
    ]
    assert job.rejected == 8
    assert "8 rows" in job.message
    assert not Resident.objects.exists()
    reasons = [e.reason for e in job.row_errors.order_by("row")]
    assert "check digit" in reasons[1]
    assert len(set(reasons)) == 8


def test_row_numbers_are_the_ones_the_spreadsheet_shows(personas, city, tmp_path):
    rows = cn_rows()
    rows.insert(2, [])
    rows.insert(2, ["", "", "", "", "", "", "", "", ""])
    rows[-1][1] = "?"
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", rows))
    assert errors_of(job) == [(6, "性别")]


def test_personal_data_in_errors_is_masked(personas, city, tmp_path):
    bad_check = ZHANG[:-1] + ("0" if ZHANG[-1] != "0" else "1")
    rows = [
        CN_HEADER,
        ["张三", "", "", bad_check, "", "甲小区", "1号楼", "101", ""],
        ["李四", "", "", LI, "1000000000", "甲小区", "1号楼", "101", ""],
        ["王五", "", "", WANG, "", "甲小区", "1号楼", "101", ""],
        ["王五", "", "", WANG, "", "甲小区", "1号楼", "101", ""],
    ]
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", rows))
    values = list(job.row_errors.values_list("column", "value"))
    assert len(values) == 4
    for _column, value in values:
        assert "*" in value
        for plain in (bad_check, "1000000000", WANG):
            assert plain not in value
    for error in ImportRowError.objects.all():
        assert bad_check not in error.reason
        assert WANG not in error.reason


def test_the_errors_workbook_has_one_row_per_problem(personas, city, tmp_path):
    rows = cn_rows()
    rows[1][1] = "?"
    rows[2][4] = "123"
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", rows))
    book = load_workbook(io.BytesIO(errors_workbook(job)), read_only=True)
    lines = list(book.worksheets[0].iter_rows(values_only=True))
    assert len(lines) == 1 + 2
    assert [line[:2] for line in lines[1:]] == [(2, "性别"), (3, "手机号码")]
    assert phone(1) not in str(lines)


# --- all or nothing ---------------------------------------------------------------------------


def test_a_bad_row_at_the_end_of_a_long_file_leaves_the_database_unchanged(
    personas, city, tmp_path
):
    services.resident_create(
        actor=personas.staff_a, household=city.ha1, name="老住户", document_number=ZHANG
    )
    before = snapshot()
    rows = [["姓名", "证件号码", "手机号码", "楼栋", "房号"]]
    rows.append(["老住户改名", ZHANG, phone(1), "1号楼", "102"])
    born = dt.date(1950, 1, 1)
    for i in range(2998):
        number = id_number(born + dt.timedelta(days=i), seq=i % 1000)
        rows.append([f"居民{i}", number, phone(100 + i), "1号楼", "101" if i % 2 else "102"])
    rows.append(["最后一行", ZHANG[:-1] + ("0" if ZHANG[-1] != "0" else "1"), "", "1号楼", "101"])
    assert len(rows) == 3001
    job = import_file(personas.staff_a, write_csv(tmp_path / "long.csv", rows))
    assert job.status == ImportStatus.REFUSED
    assert errors_of(job) == [(3001, "证件号码")]
    assert job.processed_rows == 3000
    assert snapshot() == before
    assert residents_import_audits() == 0


def test_a_failure_while_saving_rolls_back_every_row(personas, city, tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    real_write = ResidentImporter.write
    calls = []

    def write_then_fail(self, items, outcomes):
        calls.append(len(items))
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real_write(self, items, outcomes)

    monkeypatch.setattr(ResidentImporter, "write", write_then_fail)
    rows = cn_rows()
    rows[1][7] = "104"  # the first chunk also creates a household
    rows.append(["赵六", "", "", id_number(seq=47), "", "甲小区", "1号楼", "101", ""])
    households = Place.objects.count()
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", rows))
    assert calls == [2, 2]
    assert job.status == ImportStatus.FAILED
    assert job.message
    assert not Resident.objects.exists()
    assert Place.objects.count() == households
    assert residents_import_audits() == 0


def test_skip_invalid_lands_the_good_rows_and_reports_the_rest(personas, city, tmp_path):
    rows = cn_rows()
    rows[2][3] = LI[:-1] + ("0" if LI[-1] != "0" else "1")
    rows.append(["张三丰", "男", "", ZHANG, "", "甲小区", "1号楼", "102", ""])
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", rows), skip_invalid=True)
    assert job.status == ImportStatus.DONE
    assert job.summary() == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 3}
    assert set(Resident.objects.values_list("name", flat=True)) == {"王五"}
    assert [row for row, _column in errors_of(job)] == [2, 3, 5]
    audit = AuditEvent.objects.get(action="residents.import")
    assert audit.changes["created"] == 1
    assert audit.changes["rejected"] == 3


def test_a_dry_run_saves_nothing_but_reports_what_would_change(personas, city, tmp_path):
    path = write_csv(tmp_path / "r.csv", cn_rows())
    job = import_file(personas.staff_a, path, dry_run=True)
    assert job.status == ImportStatus.DONE
    assert job.summary() == {"created": 3, "updated": 0, "unchanged": 0, "rejected": 0}
    assert "Dry run" in job.message
    assert not Resident.objects.exists()
    assert residents_import_audits() == 0


def test_a_finished_import_is_not_run_twice(personas, city, tmp_path):
    job = import_file(personas.staff_a, write_csv(tmp_path / "r.csv", cn_rows()))
    again = run_import(job.pk)
    assert again.created == 3
    assert Resident.objects.count() == 3
    assert residents_import_audits() == 1


# --- the command line -------------------------------------------------------------------------


def run_cli(*args: str):
    # The command activates the importing user's language; keep it from leaking into other tests.
    with translation.override("en"):
        return CliRunner().invoke(app, list(args))


def test_the_command_imports_and_prints_a_json_summary(personas, city, tmp_path):
    path = write_csv(tmp_path / "r.csv", cn_rows())
    result = run_cli("import", "residents", str(path), "--user", "staff_a", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert {k: summary[k] for k in ("created", "updated", "unchanged", "rejected")} == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
    }
    assert summary["errors"] == []
    assert Resident.objects.count() == 3


def test_the_command_exits_1_and_lists_the_errors_when_the_file_is_refused(
    personas, city, tmp_path
):
    rows = cn_rows()
    rows[3][4] = "123"
    path = write_csv(tmp_path / "r.csv", rows)
    result = run_cli("import", "residents", str(path), "--user", "staff_a", "--json")
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert summary["rejected"] == 1
    assert [(e["row"], e["column"]) for e in summary["errors"]] == [(4, "手机号码")]
    assert summary["errors"][0]["reason"]
    assert not Resident.objects.exists()


def test_the_command_dry_run_saves_nothing(personas, city, tmp_path):
    path = write_csv(tmp_path / "r.csv", cn_rows())
    result = run_cli("import", "residents", str(path), "--user", "staff_a", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "created 3" in result.stdout
    assert not Resident.objects.exists()


def test_the_command_refuses_a_wrong_file_type_and_a_foreign_community(personas, city, tmp_path):
    text = tmp_path / "r.txt"
    text.write_text("姓名\n张三\n")
    result = run_cli("import", "residents", str(text), "--user", "staff_a")
    assert result.exit_code != 0
    assert ".xlsx" in result.output
    path = write_csv(tmp_path / "r.csv", cn_rows())
    result = run_cli("import", "residents", str(path), "--user", "staff_a", "--community", "B")
    assert result.exit_code != 0
    assert not Resident.objects.exists()
    assert not imports.ImportJob.objects.exists()
