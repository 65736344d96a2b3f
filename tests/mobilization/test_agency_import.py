"""The agency list (机关单位) through the import machine: HQ only, all-or-nothing, idempotent,
on the page, the API and the command line."""

from __future__ import annotations

import io

import pytest

from shequ.core.imports import import_job_create, run_import
from shequ.core.models import ImportJob, ImportStatus
from shequ.mobilization.models import Agency

pytestmark = pytest.mark.usefixtures("english")

SHEET = (
    "单位名称,单位编码,级别,上级单位编码\n"
    "测试省委,P1,省,\n"
    "测试市委,C1,市,P1\n"
    "东区政府,D1G,区,C1\n"
    "一街道办,S1G,街道,D1G\n"
)


def _import(user, text: str, **options):
    job = import_job_create(
        actor=user,
        kind="agencies",
        upload=io.BytesIO(text.encode("utf-8")),
        filename="agencies.csv",
        options=options,
        enqueue=False,
    )
    return run_import(job.pk)


def test_the_hq_imports_the_agency_tree_idempotently(personas, city):
    job = _import(personas.hq, SHEET)
    assert job.status == ImportStatus.DONE, list(job.row_errors.values_list("reason", flat=True))
    assert (job.created, job.updated, job.unchanged) == (4, 0, 0)
    street = Agency.objects.get(code="S1G")
    assert street.level == "street"
    assert street.parent.code == "D1G"
    assert street.parent.parent.parent.code == "P1"
    again = _import(personas.hq, SHEET)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    renamed = _import(personas.hq, SHEET.replace("东区政府", "东区人民政府"))
    assert (renamed.created, renamed.updated, renamed.unchanged) == (0, 1, 3)
    assert Agency.objects.get(code="D1G").name == "东区人民政府"
    assert Agency.objects.count() == 5  # with the personas' AG1


def test_every_bad_row_is_named_and_nothing_lands(personas, city):
    sheet = (
        "单位名称,单位编码,级别,上级单位编码\n"
        "好单位,G1,省,\n"  # 2: its code repeats in row 7
        ",N1,市,G1\n"  # 3: no name
        "坏编码,有 空格,市,\n"  # 4: bad code
        "坏级别,L1,村,\n"  # 5: unknown level
        "无上级,O1,市,NOPE\n"  # 6: unknown parent
        "重复,G1,市,\n"  # 7: code of row 2
        "倒挂,U1,省,G1\n"  # 8: parent not higher
        "自己,SELF,市,SELF\n"  # 9: own parent
        "后面的孩子,K1,街道,LATER\n"  # 10: parent only listed below
        "后面的父亲,LATER,区,\n"
    )
    job = _import(personas.hq, sheet)
    assert job.status == ImportStatus.REFUSED
    assert Agency.objects.count() == 1  # only AG1
    problems = set(job.row_errors.values_list("row", "column"))
    expected = {
        (3, "单位名称"),
        (4, "单位编码"),
        (5, "级别"),
        (6, "上级单位编码"),
        (2, "单位编码"),
        (7, "单位编码"),
        (8, "上级单位编码"),
        (9, "上级单位编码"),
        (10, "上级单位编码"),
    }
    assert expected <= problems, expected - problems


def test_only_the_hq_imports_agencies(personas, city, login):
    job = _import(personas.coordinator, SHEET)
    assert job.status == ImportStatus.REFUSED
    assert "Only the HQ" in job.message
    assert not Agency.objects.filter(code="P1").exists()
    assert login(personas.coordinator).get("/mobilization/agencies/import/").status_code == 403


def test_the_hq_imports_agencies_on_the_page(personas, city, login):
    client = login(personas.hq)
    assert 'href="/mobilization/agencies/import/"' in client.get("/mobilization/staff/").text
    page = client.get("/mobilization/agencies/import/").text
    assert "上级单位编码" in page
    upload = io.BytesIO(SHEET.encode())
    upload.name = "agencies.csv"
    response = client.post("/mobilization/agencies/import/", {"file": upload})
    job = ImportJob.objects.get()
    assert response["Location"] == f"/mobilization/agencies/import/{job.pk}/"
    run_import(job.pk)
    assert 'data-status="done"' in client.get(response["Location"]).text
    assert Agency.objects.filter(code__in=["P1", "C1", "D1G", "S1G"]).count() == 4


def test_the_api_takes_the_agency_list_from_the_hq_only(personas, city, client):
    from shequ.core import services

    def post(user):
        _t, secret = services.api_token_create(actor=None, user=user, name="t")
        upload = io.BytesIO(SHEET.encode())
        upload.name = "agencies.csv"
        return client.post(
            "/api/v1/mobilization/agencies/import",
            {"file": upload},
            headers={"Authorization": f"Bearer {secret}"},
        )

    assert post(personas.coordinator).status_code == 403
    response = post(personas.hq)
    assert response.status_code == 202
    assert ImportJob.objects.get(pk=response.json()["id"]).kind == "agencies"


def test_the_command_line_imports_agencies(personas, city, tmp_path):
    from typer.testing import CliRunner

    from shequ.cli import app

    path = tmp_path / "agencies.csv"
    path.write_text(SHEET, encoding="utf-8")
    result = CliRunner().invoke(app, ["import", "agencies", str(path), "--user", "hq"])
    assert result.exit_code == 0, result.output
    assert "created 4" in result.output
    assert Agency.objects.get(code="S1G").parent.code == "D1G"
    refused = CliRunner().invoke(app, ["import", "agencies", str(path), "--user", "coord"])
    assert refused.exit_code == 1
