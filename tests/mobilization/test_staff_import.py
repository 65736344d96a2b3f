"""Staff lists go through the same import machine as residents (core.imports)."""

from __future__ import annotations

import io

from shequ.core.imports import import_job_create, run_import
from shequ.core.models import ImportJob, ImportStatus
from shequ.mobilization.models import Rank, Staff
from tests.mobilization.conftest import id_number


def _import(user, text: str, **options):
    job = import_job_create(
        actor=user,
        kind="staff",
        upload=io.BytesIO(text.encode("utf-8")),
        filename="staff.csv",
        options=options,
        enqueue=False,
    )
    return run_import(job.pk)


def test_a_coordinator_imports_their_agencys_cadres_idempotently(personas, city):
    a, b = id_number(1975), id_number(1990, female=True)
    sheet = (
        "姓名,身份证号,职级,党员,技能,居住社区\n"
        f"张干部,{a},县处级,是,驾驶、英语,A\n"
        f"李干部,{b},科员,否,,B\n"
    )
    job = _import(personas.coordinator, sheet)
    assert job.status == ImportStatus.DONE, list(job.row_errors.values_list("reason", flat=True))
    assert (job.created, job.updated, job.unchanged) == (2, 0, 0)
    zhang = Staff.objects.get(name="张干部")
    assert zhang.agency.code == "AG1"
    assert zhang.rank == Rank.CHU
    assert zhang.party_member
    assert zhang.birth_year == 1975  # from the ID number
    assert zhang.skill_list == ["driving", "english"]
    assert Staff.objects.get(name="李干部").gender == "female"
    again = _import(personas.coordinator, sheet)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = _import(personas.coordinator, sheet.replace("县处级", "厅级"))
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    assert Staff.objects.get(name="张干部").rank == Rank.TING


def test_every_bad_row_is_reported_and_nothing_lands(personas, city):
    good = id_number(1980)
    sheet = (
        "姓名,身份证号,职级,党员\n"
        f"好人,{good},科员,是\n"
        ",629999198001011230,大官,也许\n"
        f"重复,{good},科员,否\n"
    )
    job = _import(personas.coordinator, sheet)
    assert job.status == ImportStatus.REFUSED
    assert not Staff.objects.exists()
    problems = set(job.row_errors.values_list("row", "column"))
    assert {(3, "姓名"), (3, "职级"), (3, "党员"), (2, "身份证号"), (4, "身份证号")} <= problems
    values = job.row_errors.filter(column="身份证号").values_list("value", flat=True)
    assert all("*" in v for v in values)


def test_an_unknown_agency_code_is_refused_for_a_coordinator(personas, city):
    sheet = f"姓名,身份证号,单位编码\n王,{id_number(1985)},AG-OTHER\n"
    job = _import(personas.coordinator, sheet)
    assert job.status == ImportStatus.REFUSED
    assert job.row_errors.get().column == "单位编码"


def test_a_sheet_without_the_agency_column_keeps_cadres_cadres(personas, city, mob):
    sheet = f"姓名,身份证号\n甲一,{mob.a1.id_number}\n"
    job = _import(personas.hq, sheet)
    assert job.status == ImportStatus.DONE
    mob.a1.refresh_from_db()
    assert mob.a1.kind == "cadre"
    assert mob.a1.agency == mob.agency


def test_volunteers_imported_by_the_hq_wait_for_their_communitys_vetting(personas, city):
    job = _import(personas.staff_a, f"姓名,身份证号,居住社区\n志一,{id_number(1990)},A\n")
    assert job.status == ImportStatus.DONE
    assert Staff.objects.get(name="志一").vetting == "approved"  # their own community's staff
    job = _import(personas.hq, f"姓名,身份证号,居住社区\n志二,{id_number(1991)},B\n")
    assert job.status == ImportStatus.DONE
    assert Staff.objects.get(name="志二").vetting == "approved"  # the HQ covers B


def test_a_coordinator_imports_a_staff_list_on_the_page(personas, city, login):
    client = login(personas.coordinator)
    staff_page = client.get("/mobilization/staff/").content.decode()
    assert 'href="/mobilization/staff/import/"' in staff_page
    page = client.get("/mobilization/staff/import/").content.decode()
    assert 'data-testid="import-form"' in page
    assert "身份证号" in page  # the columns read
    upload = io.BytesIO(f"姓名,身份证号,职级\n张干部,{id_number(1975)},县处级\n".encode())
    upload.name = "staff.csv"
    response = client.post("/mobilization/staff/import/", {"file": upload})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert response["Location"] == f"/mobilization/staff/import/{job.pk}/"
    assert job.kind == "staff"
    run_import(job.pk)
    html = client.get(response["Location"]).content.decode()
    assert 'data-status="done"' in html
    assert 'href="/mobilization/staff/"' in html  # back to the staff
    assert Staff.objects.get(name="张干部").agency.code == "AG1"
    assert login(personas.hq).get(f"/mobilization/staff/import/{job.pk}/").status_code == 404


def test_the_staff_import_page_shows_a_refused_file_next_to_the_field(personas, city, login):
    upload = io.BytesIO(b"name\n")
    upload.name = "staff.xls"
    response = login(personas.coordinator).post("/mobilization/staff/import/", {"file": upload})
    assert response.status_code == 200
    assert "sq-field-error" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_only_coordinators_and_the_hq_see_and_use_the_staff_import(personas, city, login, api):
    assert login(personas.hq).get("/mobilization/staff/import/").status_code == 200
    for persona in (personas.staff_a, personas.district, personas.cadre):
        client = login(persona)
        staff_page = client.get("/mobilization/staff/").content.decode()
        assert "/mobilization/staff/import/" not in staff_page
        refused = client.get("/mobilization/staff/import/")
        assert refused.status_code == 403
        # The page and the API refuse with the same words.
        upload = io.BytesIO(b"x")
        upload.name = "staff.csv"
        by_api = client.post(
            "/api/v1/mobilization/staff/import", {"file": upload}, headers=api(persona).headers
        )
        assert by_api.status_code == 403
        assert by_api.json()["detail"] in refused.content.decode()
    assert not ImportJob.objects.exists()
