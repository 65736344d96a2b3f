"""The one pair of import pages (core/import_views.py), as residents and lab results use it."""

from __future__ import annotations

import pytest

from shequ.core.models import ImportJob, ImportRowError, ImportStatus

pytestmark = pytest.mark.usefixtures("english")


def _job(user, kind: str, **kw) -> ImportJob:
    return ImportJob.objects.create(actor=user, kind=kind, filename="名单.xlsx", **kw)


def test_the_upload_page_lists_the_columns_it_reads(personas, login):
    html = login(personas.hq).get("/testing/lab/import/").content.decode()
    assert 'data-testid="import-columns"' in html
    assert "试管条码" in html
    assert "检测结果" in html  # another spelling read as 结果
    assert "(required)" in html
    residents = login(personas.staff_a).get("/residents/import/").content.decode()
    assert 'data-testid="template"' in residents  # residents have an empty workbook to fill in
    assert 'data-testid="template"' not in html


def test_a_results_job_counts_recorded_rows_and_links_back(personas, login):
    job = _job(personas.hq, "tube_results", status=ImportStatus.DONE, created=7)
    html = login(personas.hq).get(f"/testing/lab/import/{job.pk}/").content.decode()
    assert "recorded" in html
    assert 'data-testid="updated"' not in html  # results are recorded, never updated
    assert 'href="/testing/lab/"' in html


def test_a_residents_check_says_what_would_happen(personas, login):
    job = _job(
        personas.staff_a, "residents", status=ImportStatus.DONE, created=3, updated=1,
        options={"dry_run": True},
    )  # fmt: skip
    html = login(personas.staff_a).get(f"/residents/import/{job.pk}/").content.decode()
    assert "would be new" in html
    assert "would be updated" in html


def test_the_progress_partial_is_what_htmx_polls_and_varies_on_it(personas, login):
    job = _job(personas.staff_a, "residents", status=ImportStatus.CHECKING, total_rows=10)
    client = login(personas.staff_a)
    partial = client.get(f"/residents/import/{job.pk}/", headers={"HX-Request": "true"})
    assert partial.content.decode().lstrip().startswith('<section class="sq-card" id="progress"')
    assert "HX-Request" in partial["Vary"]
    full = client.get(f"/residents/import/{job.pk}/").content.decode()
    assert "<!doctype html>" in full
    assert f'hx-get="/residents/import/{job.pk}/"' in full


def test_the_problems_are_paged_without_losing_the_job(personas, login):
    job = _job(personas.staff_a, "residents", status=ImportStatus.FAILED, rejected=60)
    ImportRowError.objects.bulk_create(
        ImportRowError(job=job, row=n, column="姓名", reason=f"第{n}行的问题") for n in range(1, 61)
    )
    html = login(personas.staff_a).get(f"/residents/import/{job.pk}/", {"page": 2}).content.decode()
    assert "第60行的问题" in html
    assert "第1行的问题" not in html
    assert 'href="?page=1" rel="prev"' in html
