"""Lab results from a spreadsheet (kind "tube_results"): good rows land through
`results_record` (a positive starts its recall), bad rows are reported with their row and
reason and nothing lands, a result contradicting one already in is refused, and the upload
page shows the job's progress and summary."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile

from shequ.core.imports import import_job_create, run_import
from shequ.core.models import ImportJob, ImportStatus
from shequ.residents.models import HealthStatus, Resident
from shequ.testing import labwork
from shequ.testing.ingest import swabs_batch
from shequ.testing.models import Recall, Tube, TubeStatus
from tests.testing.conftest import swab


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[str]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    book.close()
    return path


def run(actor, rnd, path: Path, **options) -> ImportJob:
    with path.open("rb") as fh:
        job = import_job_create(
            actor=actor,
            kind="tube_results",
            upload=fh,
            filename=path.name,
            options={"round_id": rnd.round.pk, **options},
            enqueue=False,
        )
    return run_import(job.pk)


def test_csv_results_land_and_a_positive_pool_starts_its_recall(rnd, sent, tmp_path) -> None:
    path = write_csv(
        tmp_path / "r.csv", [["试管条码", "结果"], ["T0000001", "阳性"], ["T0000002", "阴性"]]
    )
    job = run(rnd.lab, rnd, path)
    assert job.status == ImportStatus.DONE, job.message
    assert (job.created, job.rejected) == (2, 0)
    assert dict(Tube.objects.values_list("barcode", "result")) == {
        "T0000001": "positive",
        "T0000002": "negative",
    }
    recall = Recall.objects.get()
    assert recall.tube.barcode == "T0000001"
    statuses = set(
        Resident.objects.filter(pk__in=[r.pk for r in rnd.a[:10]]).values_list(
            "health_status", flat=True
        )
    )
    assert statuses == {HealthStatus.PENDING_RETEST}
    # The same file again changes nothing.
    again = run(
        rnd.lab, rnd, write_csv(tmp_path / "r2.csv", [["试管条码", "结果"], ["T0000001", "阳性"]])
    )
    assert (again.status, again.created, again.unchanged) == (ImportStatus.DONE, 0, 1)
    assert Recall.objects.count() == 1


def test_xlsx_with_english_headers_and_words(rnd, sent, tmp_path) -> None:
    path = write_xlsx(
        tmp_path / "r.xlsx",
        [["Barcode", "Result"], ["T0000001", "negative"], ["T0000002", "Invalid"]],
    )
    job = run(rnd.lab, rnd, path)
    assert job.status == ImportStatus.DONE, job.message
    assert dict(Tube.objects.values_list("barcode", "result")) == {
        "T0000001": "negative",
        "T0000002": "invalid",
    }
    assert Recall.objects.get().kind == "invalid"
    assert set(Tube.objects.values_list("status", flat=True)) == {TubeStatus.RESULTED}


def test_bad_rows_are_reported_with_row_and_reason_and_nothing_lands(rnd, sent, tmp_path) -> None:
    path = write_csv(
        tmp_path / "bad.csv",
        [
            ["试管条码", "结果"],
            ["T0000001", "阳性"],  # row 2: good
            ["NOPE", "阴性"],  # row 3: no such tube
            ["T0000002", "可疑"],  # row 4: not a result
            ["", "阴性"],  # row 5: no barcode
            ["T0000001", "阳性"],  # row 6: the same tube again
        ],
    )
    job = run(rnd.lab, rnd, path)
    assert job.status == ImportStatus.REFUSED
    errors = {(e.row, e.column): e.reason for e in job.row_errors.all()}
    assert set(errors) == {
        (2, "试管条码"),
        (3, "试管条码"),
        (4, "结果"),
        (5, "试管条码"),
        (6, "试管条码"),
    }
    assert "6" in errors[(2, "试管条码")]  # "appears again in row 6"
    assert not Tube.objects.exclude(result="").exists()
    assert not Recall.objects.exists()
    # Skipping invalid rows records the good ones only (T0000001 was a duplicate: skipped too).
    job = run(
        rnd.lab,
        rnd,
        write_csv(tmp_path / "b2.csv", [["试管条码", "结果"], ["T0000002", "阴性"], ["X", "阴性"]]),
        skip_invalid=True,
    )
    assert (job.status, job.created, job.rejected) == (ImportStatus.DONE, 1, 1)
    assert Tube.objects.get(barcode="T0000002").result == "negative"


def test_a_result_contradicting_one_already_in_is_refused(rnd, sent, tmp_path) -> None:
    labwork.results_record(actor=rnd.lab, round_=rnd.round, results=[("T0000001", "negative")])
    job = run(
        rnd.lab, rnd, write_csv(tmp_path / "c.csv", [["条码", "检测结果"], ["T0000001", "阳性"]])
    )
    assert job.status == ImportStatus.REFUSED
    [error] = job.row_errors.all()
    assert (error.row, error.column) == (2, "结果")
    assert Tube.objects.get(barcode="T0000001").result == "negative"
    assert not Recall.objects.exists()


def test_tubes_not_sent_or_outside_the_labs_area_are_refused(personas, rnd, tmp_path) -> None:
    swabs_batch(actor=personas.staff_a, items=[swab(rnd, "T0000009", rnd.a[0])])  # open, never sent
    job = run(
        rnd.lab, rnd, write_csv(tmp_path / "n.csv", [["试管条码", "结果"], ["T0000009", "阴性"]])
    )
    assert job.status == ImportStatus.REFUSED
    assert "T0000009" in job.row_errors.get().value
    # Community staff do not record results: the whole file is refused.
    job = run(
        personas.staff_a,
        rnd,
        write_csv(tmp_path / "s.csv", [["试管条码", "结果"], ["T0000009", "阴性"]]),
    )
    assert job.status == ImportStatus.REFUSED
    assert Tube.objects.get(barcode="T0000009").result == ""


def test_missing_columns_refuse_the_file(rnd, sent, tmp_path) -> None:
    job = run(rnd.lab, rnd, write_csv(tmp_path / "m.csv", [["试管条码"], ["T0000001"]]))
    assert job.status == ImportStatus.REFUSED
    assert "结果" in job.message


def test_upload_page_shows_progress_then_the_summary(personas, rnd, sent, login, tmp_path):
    client = login(rnd.lab)
    assert client.get("/testing/lab/import/").status_code == 200
    response = client.post("/testing/lab/import/", {"round": rnd.round.pk})
    assert re.search(r'sq-field-error">\s*<label for="id_file"', response.content.decode())
    path = write_csv(
        tmp_path / "ok.csv", [["试管条码", "结果"], ["T0000001", "阳性"], ["T0000002", "阴性"]]
    )
    with path.open("rb") as fh:
        response = client.post("/testing/lab/import/", {"round": rnd.round.pk, "file": fh})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert job.options["round_id"] == rnd.round.pk
    html = client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in html  # queued: the page polls
    run_import(job.pk)
    html = client.get(response["Location"]).content.decode()
    assert 'data-status="done"' in html
    assert re.search(r'data-testid="created">2<', html)
    partial = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in partial
    assert 'id="progress"' in partial
    assert Recall.objects.count() == 1
    # Somebody else's job is 404; a role without RECORD_RESULTS gets 403 on the upload.
    assert login(personas.hq).get(response["Location"]).status_code == 404
    assert login(personas.staff_a).get("/testing/lab/import/").status_code == 403
    wrong = login(rnd.lab).post(
        "/testing/lab/import/",
        {"round": rnd.round.pk, "file": SimpleUploadedFile("r.txt", "T1,阳性".encode())},
    )
    assert re.search(r'sq-field-error">\s*<label for="id_file"', wrong.content.decode())
    assert ImportJob.objects.count() == 1
