"""Nothing a user uploads can crash Shequ (issue #14): every upload path refuses an oversized
file before storing it, stores the rest encrypted and only stores it (the worker reads it),
refuses hostile workbooks with a message naming their size, names the row of any cell an
importer cannot take, never claims rows that were not written, and deletes the upload when
its job ends, however it ends."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import stat
from pathlib import Path
from unittest import mock

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DataError
from django.utils import translation
from openpyxl import Workbook
from typer.testing import CliRunner

from shequ.cli import app
from shequ.core import services as core_services
from shequ.core.errors import ValidationError
from shequ.core.imports import import_job_create
from shequ.core.models import ImportJob, ImportRowError, ImportStatus
from shequ.mobilization.models import Staff
from shequ.residents.importers import ResidentImporter
from shequ.residents.models import Resident
from shequ.testing.models import Tube
from tests.core import hostile
from tests.core.conftest import imports_folder
from tests.mobilization.conftest import id_number as staff_id
from tests.residents.factories import id_number, phone

ZHANG = id_number(dt.date(1980, 5, 17), seq=13)
LI = id_number(dt.date(1952, 11, 2), seq=24)
HEADER = ["姓名", "证件号码", "手机号码", "楼栋", "房号", "备注"]


def people() -> list[list[object]]:
    return [
        HEADER,
        ["张三", ZHANG, phone(1), "1号楼", "101", ""],
        ["李四", LI, phone(2), "1号楼", "102", ""],
    ]


def csv_file(rows, name: str = "居民.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return SimpleUploadedFile(name, buffer.getvalue().encode(encoding))


def xlsx_file(rows, name: str = "居民.xlsx") -> SimpleUploadedFile:
    """Rows as typed cells; a ("formula", text, value) tuple is a formula with its value."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if isinstance(value, tuple):
                sheet.write_formula(r, c, value[1], None, value[2])
            elif isinstance(value, dt.datetime):
                sheet.write_datetime(r, c, value, book.add_format({"num_format": "yyyy-mm-dd"}))
            elif isinstance(value, float):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))
    book.close()
    return SimpleUploadedFile(name, buffer.getvalue())


def file_of(path: Path) -> SimpleUploadedFile:
    return SimpleUploadedFile(path.name, path.read_bytes())


@pytest.fixture
def bearer(client):
    def _for(user):
        _token, secret = core_services.api_token_create(actor=None, user=user, name="test")
        return {"Authorization": f"Bearer {secret}"}

    return _for


@pytest.fixture
def upload(client, login, bearer, personas, django_capture_on_commit_callbacks, var_dir):
    """Send a file the way a user would, on `face`, in English; the answer. The task is
    queued (as the page's commit would)."""
    english = {"Accept-Language": "en"}

    def _upload(face: str, file: SimpleUploadedFile, user=None, **fields):
        with django_capture_on_commit_callbacks(execute=True):
            if face == "residents page":
                return login(user or personas.staff_a).post(
                    "/residents/import/", {"file": file, "community": "A", **fields},
                    headers=english,
                )  # fmt: skip
            if face == "residents API":
                return client.post(
                    "/api/v1/residents/import",
                    {"file": file, **fields},
                    headers={**english, **bearer(user or personas.staff_a)},
                )
            if face == "staff API":
                return client.post(
                    "/api/v1/mobilization/staff/import",
                    {"file": file, **fields},
                    headers={**english, **bearer(user or personas.coordinator)},
                )
            if face == "lab page":
                return login(user).post(
                    "/testing/lab/import/", {"file": file, **fields}, headers=english
                )
        raise AssertionError(face)

    return _upload


def the_job() -> ImportJob:
    return ImportJob.objects.get()


def problems(job: ImportJob) -> list[tuple[int, str, str, str]]:
    return list(job.row_errors.values_list("row", "column", "value", "reason"))


# --- the size limit, on every path ------------------------------------------------------------


def _too_big_csv() -> SimpleUploadedFile:
    return SimpleUploadedFile("big.csv", b"name\n" + b"x" * 1_572_864)  # 1.5 MB


@pytest.mark.parametrize("face", ["residents page", "residents API", "staff API", "lab page"])
def test_every_upload_path_refuses_a_file_over_the_limit_naming_both_sizes(
    personas, city, rnd, upload, settings, var_dir, face
):
    settings.IMPORT_MAX_MB = 1
    extra = {"round": rnd.round.pk} if face == "lab page" else {}
    response = upload(face, _too_big_csv(), user=rnd.lab if face == "lab page" else None, **extra)
    text = response.content.decode()
    if face.endswith("API"):
        assert response.status_code == 400
        assert response.json()["errors"][0]["field"] == "file"
    else:
        assert response.status_code == 200
        assert "sq-field-error" in text
    assert "The file is 1.5 MB; Shequ imports files of at most 1 MB." in text
    assert not ImportJob.objects.exists()
    assert imports_folder(var_dir) == []


def test_the_command_refuses_a_file_over_the_limit(personas, city, settings, var_dir, tmp_path):
    settings.IMPORT_MAX_MB = 1
    path = tmp_path / "big.csv"
    path.write_bytes(b"name\n" + b"x" * 1_572_864)
    type(personas.staff_a).objects.filter(pk=personas.staff_a.pk).update(language="en")
    with translation.override("en"):  # the command speaks its user's language; keep it here
        result = CliRunner().invoke(app, ["import", "residents", str(path), "--user", "staff_a"])
    assert result.exit_code == 1
    assert "The file is 1.5 MB; Shequ imports files of at most 1 MB." in result.output
    assert not ImportJob.objects.exists()


def test_a_stream_of_unknown_size_is_refused_once_past_the_limit(personas, city, settings, var_dir):
    settings.IMPORT_MAX_MB = 1

    class Pipe(io.RawIOBase):  # no size, no seek: only read
        def __init__(self) -> None:
            self.left = 3 * 1024 * 1024

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            n = min(len(buffer), self.left)
            buffer[:n] = b"x" * n
            self.left -= n
            return n

    with translation.override("en"), pytest.raises(ValidationError) as refused:
        import_job_create(
            actor=personas.staff_a, kind="residents", upload=Pipe(), filename="r.csv",
            place=city.a, enqueue=False,
        )  # fmt: skip
    assert "Shequ imports files of at most 1 MB" in str(refused.value)
    assert imports_folder(var_dir) == []


# --- the request stores, the worker reads -----------------------------------------------------


def test_the_upload_request_stores_the_file_encrypted_and_reads_none_of_it(
    personas, city, upload, var_dir
):
    def no_reading(*args, **kwargs):
        raise AssertionError("the request read the sheet")

    with (
        mock.patch("shequ.core.tabular.read_rows", no_reading),
        mock.patch("shequ.core.tabular.estimate_rows", no_reading),
        mock.patch("shequ.core.xlsx.XlsxSheet", no_reading),
    ):
        response = upload(
            "residents page", file_of(hostile.dimension_bomb(var_dir.parent / "b.xlsx"))
        )
    assert response.status_code == 302
    job = the_job()
    assert (job.status, job.total_rows) == (ImportStatus.QUEUED, 0)
    [stored] = imports_folder(var_dir)
    assert stored == Path(job.stored_path)
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
    assert b"XFD1048576" not in stored.read_bytes()  # the workbook's bytes are not on disk


def test_ids_and_phones_of_a_queued_upload_are_not_on_disk_in_plain_text(
    personas, city, upload, var_dir
):
    upload("residents page", csv_file(people()))
    on_disk = b"".join(p.read_bytes() for p in imports_folder(var_dir))
    assert ZHANG.encode() not in on_disk
    assert phone(1).encode() not in on_disk
    assert "张三".encode() not in on_disk


# --- hostile workbooks, through the upload path and the worker -------------------------------

HOSTILE = [
    (hostile.dimension_bomb, "The sheet declares 1,048,576 rows × 16,384 columns; Shequ reads "
     "at most 200,000 rows and 256 columns."),
    (hostile.tall_and_narrow, "The sheet declares 1,000,000 rows × 26 columns"),
    (hostile.undeclared_corner, "The sheet has data in row 1,048,576; Shequ reads at most "
     "200,000 rows."),
    (lambda p: hostile.zip_bomb(p, 600), "This .xlsx file unpacks to more than 500 MB"),
    (hostile.understated_zip, "This .xlsx file cannot be read"),
    (hostile.with_doctype, "This .xlsx file cannot be read"),
    (hostile.text_named_xlsx, "This is not a real .xlsx file"),
]  # fmt: skip


@pytest.mark.parametrize(("make", "message"), HOSTILE)
def test_a_hostile_workbook_on_the_residents_page_is_refused_with_its_size(
    personas, city, upload, drain_queue, login, var_dir, make, message
):
    response = upload("residents page", file_of(make(var_dir.parent / "hostile.xlsx")))
    assert response.status_code == 302
    drain_queue()
    job = the_job()
    assert job.status == ImportStatus.REFUSED
    assert message in job.message
    assert problems(job)[0][0] == 0  # the file, not a row
    assert (job.created, job.updated, job.unchanged) == (0, 0, 0)
    assert not Resident.objects.exists()
    assert imports_folder(var_dir) == []
    page = login(personas.staff_a).get(response["Location"]).content.decode()
    assert 'data-status="refused"' in page


@pytest.mark.parametrize("face", ["residents API", "staff API", "lab page"])
def test_the_dimension_bomb_is_refused_on_every_face(
    personas, city, rnd, upload, drain_queue, var_dir, face
):
    extra = {"round": rnd.round.pk} if face == "lab page" else {}
    bomb = file_of(hostile.dimension_bomb(var_dir.parent / "bomb.xlsx"))
    response = upload(face, bomb, user=rnd.lab if face == "lab page" else None, **extra)
    assert response.status_code in (202, 302)
    drain_queue()
    job = the_job()
    assert job.status == ImportStatus.REFUSED
    assert "1,048,576 rows × 16,384 columns" in job.message
    assert imports_folder(var_dir) == []


# --- a cell an importer cannot take names its row --------------------------------------------

BAD_CELLS = [
    ("a NUL byte in a CSV", "csv", "张\x00三", "姓名", "control character"),
    ("a NUL byte in an xlsx cell", "xlsx", "张\x00三", "姓名", "control character"),
    ("a formula's error", "xlsx", ("formula", "=1/0", "#DIV/0!"), "姓名", "#DIV/0!"),
    ("10,000 characters", "xlsx", "长" * 10_000, "姓名", "longer than 2,000 characters"),
    ("a date in the phone column", "xlsx", dt.datetime(2021, 1, 1), "手机号码", "11-digit"),
    ("a huge number in the phone column", "xlsx", 1e300, "手机号码", "11-digit"),
]


@pytest.mark.parametrize(("_case", "kind", "value", "column", "words"), BAD_CELLS)
def test_a_bad_cell_in_a_resident_list_names_its_row_and_nothing_lands(
    personas, city, upload, drain_queue, var_dir, _case, kind, value, column, words
):
    rows = people()
    rows[2][HEADER.index(column)] = value
    sheet = csv_file(rows) if kind == "csv" else xlsx_file(rows)
    upload("residents page", sheet)
    drain_queue()
    job = the_job()
    assert job.status == ImportStatus.REFUSED
    assert "Unexpected" not in job.message
    [(row, named, _value, reason)] = problems(job)
    assert (row, named) == (3, column)
    assert words in reason
    assert (job.created, job.rejected) == (0, 1)
    assert not Resident.objects.exists()


def test_skip_invalid_lands_the_rows_around_a_bad_cell(personas, city, upload, drain_queue):
    rows = people()
    rows[1][0] = "张\x00三"
    upload("residents page", csv_file(rows), skip_invalid="on")
    drain_queue()
    job = the_job()
    assert (job.status, job.created, job.rejected) == (ImportStatus.DONE, 1, 1)
    assert list(Resident.objects.values_list("name", flat=True)) == ["李四"]
    assert problems(job)[0][:2] == (2, "姓名")
    assert problems(job)[0][2] == "张\ufffd三"  # the report itself holds no NUL


def test_a_bad_cell_in_a_staff_list_names_its_row(personas, city, upload, drain_queue):
    rows = [
        ["姓名", "身份证号", "手机号码"],
        ["张干部", staff_id(1975), ("formula", "=1/0", "#DIV/0!")],
        ["李\x00干部", staff_id(1980), ""],
    ]
    response = upload("staff API", xlsx_file(rows, "staff.xlsx"))
    assert response.status_code == 202
    drain_queue()
    job = the_job()
    assert job.status == ImportStatus.REFUSED
    found = {(row, column): value for row, column, value, _reason in problems(job)}
    assert set(found) == {(2, "手机号码"), (3, "姓名")}
    assert found[(2, "手机号码")] != "#DIV/0!"  # a personal column: its value is masked
    assert not Staff.objects.exists()


def test_a_bad_cell_in_lab_results_names_its_row(rnd, sent, upload, drain_queue):
    rows = [["试管条码", "结果"], ["T0000001", "阳性"], ["T0000002\x00", "阴性"]]
    upload("lab page", csv_file(rows, "results.csv"), user=rnd.lab, round=rnd.round.pk)
    drain_queue()
    job = the_job()
    assert job.status == ImportStatus.REFUSED
    assert [(r, c) for r, c, _v, _why in problems(job)] == [(3, "试管条码")]
    assert not Tube.objects.exclude(result="").exists()


def test_formulas_are_imported_as_their_values_or_their_text_never_run(
    personas, city, upload, drain_queue, var_dir
):
    book = Workbook()  # openpyxl writes formulas without a computed value
    for values in people():
        book.active.append(values)
    book.active["F2"] = '=HYPERLINK("http://example.invalid/x","点我")'
    book.active["F3"] = "=1+1"
    path = var_dir.parent / "formulas.xlsx"
    book.save(path)
    upload("residents page", file_of(path))
    drain_queue()
    assert the_job().status == ImportStatus.DONE
    notes = dict(Resident.objects.values_list("name", "notes"))
    assert notes == {"张三": '=HYPERLINK("http://example.invalid/x","点我")', "李四": "=1+1"}
    cached = people()
    cached[1][5] = ("formula", "=1+1", 2)
    Resident.objects.all().delete()
    ImportJob.objects.all().delete()
    upload("residents page", xlsx_file(cached))
    drain_queue()
    assert Resident.objects.get(name="张三").notes == "2"  # what Excel showed


def test_a_gb18030_csv_imports_through_the_page_and_the_worker(personas, city, upload, drain_queue):
    upload("residents page", csv_file(people(), encoding="gb18030"))
    drain_queue()
    job = the_job()
    assert (job.status, job.created) == (ImportStatus.DONE, 2)
    assert set(Resident.objects.values_list("name", flat=True)) == {"张三", "李四"}


# --- failures inside an importer name the row too ---------------------------------------------


def test_an_importer_that_breaks_on_a_row_gets_that_row_named(
    personas, city, upload, drain_queue, monkeypatch
):
    check = ResidentImporter.check

    def fragile(self, rows, header):
        if any(header.get(cells, "name") == "王五" for _n, cells in rows):
            raise ValueError("the importer did not expect this")
        return check(self, rows, header)

    monkeypatch.setattr(ResidentImporter, "check", fragile)
    rows = people()
    rows.append(["王五", id_number(dt.date(2001, 2, 3), seq=35), "", "1号楼", "101", ""])
    upload("residents page", csv_file(rows))
    drain_queue()
    job = the_job()
    assert job.status == ImportStatus.REFUSED
    assert [(r, reason) for r, _c, _v, reason in problems(job)] == [
        (4, "This row could not be checked (ValueError); check its cells.")
    ]
    assert not Resident.objects.exists()


def test_a_row_the_database_refuses_is_named_and_nothing_lands(
    personas, city, upload, drain_queue, monkeypatch
):
    write = ResidentImporter.write

    def picky(self, items, outcomes):
        if any(c.item["name"] == "李四" for c in items):
            raise DataError("value too long for type character varying(40)")
        return write(self, items, outcomes)

    monkeypatch.setattr(ResidentImporter, "write", picky)
    upload("residents page", csv_file(people()))
    drain_queue()
    job = the_job()
    assert job.status == ImportStatus.REFUSED
    assert job.message.startswith(
        "Row 3 could not be saved (value too long for type character varying(40))"
    )
    assert (job.created, job.updated, job.unchanged) == (0, 0, 0)
    assert [r for r, *_rest in problems(job)] == [3]
    assert not Resident.objects.exists()


# --- counts never claim rows that do not exist ------------------------------------------------


def test_a_job_that_fails_while_saving_counts_nothing_created(
    personas, city, upload, drain_queue, login, monkeypatch
):
    def broken(self, items, outcomes):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ResidentImporter, "write", broken)
    response = upload("residents page", csv_file(people()))
    drain_queue()
    job = the_job()
    assert job.status == ImportStatus.FAILED
    assert (job.created, job.updated, job.unchanged) == (0, 0, 0)
    assert "nothing was imported" in job.message
    page = login(personas.staff_a).get(response["Location"]).content.decode()
    assert re.search(r'data-testid="created">0<', page)


def test_counts_before_the_write_say_what_would_change(personas, city, upload, login, drain_queue):
    response = upload("residents page", csv_file(people()), dry_run="on")
    client = login(personas.staff_a)
    with translation.override("en"):
        # As the page shows a job still being checked: pass 1 has counted two new rows.
        ImportJob.objects.update(status=ImportStatus.CHECKING, created=2)
        checking = client.get(response["Location"], headers={"Accept-Language": "en"})
        checking = checking.content.decode()
        assert "would be new" in checking
        ImportJob.objects.update(status=ImportStatus.QUEUED, created=0)
        drain_queue()
        dry = client.get(response["Location"], headers={"Accept-Language": "en"}).content.decode()
    job = the_job()
    assert (job.status, job.created, job.saved) == (ImportStatus.DONE, 2, False)
    assert "would be new" in dry
    assert not Resident.objects.exists()
    for path in (f"/api/v1/imports/{job.pk}", f"/api/v1/residents/import/{job.pk}"):
        answer = client.get(path).json()
        assert (answer["created"], answer["saved"]) == (2, False)


def test_a_saved_import_says_new(personas, city, upload, login, drain_queue):
    response = upload("residents page", csv_file(people()))
    drain_queue()
    page = login(personas.staff_a).get(response["Location"], headers={"Accept-Language": "en"})
    page = page.content.decode()
    assert re.search(r'data-testid="created">2<', page)
    assert "would be new" not in page
    assert the_job().saved


# --- the upload is deleted when its job ends, however it ends ---------------------------------


@pytest.mark.parametrize("ending", ["done", "dry run", "refused", "failed"])
def test_the_uploaded_file_is_deleted_when_the_job_ends(
    personas, city, upload, drain_queue, var_dir, monkeypatch, ending
):
    rows = people()
    fields = {}
    if ending == "dry run":
        fields["dry_run"] = "on"
    if ending == "refused":
        rows[1][2] = "123"
    if ending == "failed":
        monkeypatch.setattr(ResidentImporter, "write", mock.Mock(side_effect=RuntimeError))
    upload("residents page", csv_file(rows), **fields)
    assert len(imports_folder(var_dir)) == 1
    drain_queue()
    job = the_job()
    assert job.status == {"done": "done", "dry run": "done", "refused": "refused",
                          "failed": "failed"}[ending]  # fmt: skip
    assert imports_folder(var_dir) == []
    assert job.stored_path == ""


def test_the_problem_report_keeps_personal_values_masked(
    personas, city, upload, drain_queue, monkeypatch
):
    check = ResidentImporter.check

    def careless(self, rows, header):
        checked, errors = check(self, rows, header)
        # An importer that forgets to mask: the core masks personal columns all the same.
        from shequ.core.imports import RowError

        return checked, [*errors, RowError(rows[0][0], "手机号码", phone(1), "checked twice")]

    monkeypatch.setattr(ResidentImporter, "check", careless)
    rows = people()
    rows[2][1] = LI[:-1] + "\x00"  # a NUL in the ID number: screened, masked, no NUL kept
    upload("residents page", csv_file(rows))
    drain_queue()
    values = [value for _r, _c, value, _why in problems(the_job())]
    assert phone(1) not in values
    assert all(LI[:-1] not in value and "\x00" not in value for value in values)
    assert any(value.startswith("100") and "*" in value for value in values)
    stored = json.dumps(list(ImportRowError.objects.values_list("value", flat=True)))
    assert phone(1) not in stored
