"""The resident pages and /api/v1/residents: scoped, masked, forms that keep the input,
imports that run in the background and end with a summary."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from shequ.core import services as core_services
from shequ.core.imports import run_import
from shequ.core.models import ImportJob, ImportStatus
from shequ.core.pii import mask
from shequ.residents.models import HealthStatus, Resident, StatusPeriod, Tag, tags_to_bits
from shequ.residents.picker import picked_of
from tests.residents.factories import ResidentFactory, id_number, phone
from tests.residents.sheets import CN_HEADER, write_csv

ZHANG = id_number(dt.date(1980, 5, 17), seq=13)
LI = id_number(dt.date(1952, 11, 2), seq=24)


@pytest.fixture
def zhang(city):
    return ResidentFactory(
        household=city.ha1,
        name="张三",
        document_number=ZHANG,
        phone=phone(1),
        tags=tags_to_bits([Tag.IMMOBILE]),
    )


@pytest.fixture
def wang(city):
    return ResidentFactory(household=city.hb1, name="王五", document_number=LI, phone=phone(3))


def rows_on(html: str) -> int:
    return html.count('class="sq-row"')


def csv_bytes(rows) -> bytes:
    out = io.StringIO()
    for row in rows:
        out.write(",".join(row) + "\r\n")
    return out.getvalue().encode()


# --- the list ---------------------------------------------------------------------------------


def test_the_list_is_paginated(personas, city, login):
    ResidentFactory.create_batch(30, household=city.ha1)
    client = login(personas.staff_a)
    first = client.get("/residents/").content.decode()
    assert rows_on(first) == 25
    assert 'rel="next"' in first
    second = client.get("/residents/", {"page": 2}).content.decode()
    assert rows_on(second) == 5
    assert 'rel="prev"' in second


def test_the_list_shows_only_residents_in_scope(personas, zhang, wang, login):
    page = login(personas.staff_a).get("/residents/").content.decode()
    assert "张三" in page
    assert "王五" not in page
    # A user who may see no resident anywhere is refused, not shown an empty filter form.
    refused = login(personas.outsider).get("/residents/")
    assert refused.status_code == 403
    assert "张三" not in refused.content.decode()


def test_the_list_filters_by_text_tag_status_and_building(personas, city, zhang, wang, login):
    ResidentFactory(household=city.ha2, name="李四", health_status=HealthStatus.HOSPITAL)
    client = login(personas.hq)

    def names(**params) -> set[str]:
        html = client.get("/residents/", params).content.decode()
        return {n for n in ("张三", "李四", "王五") if n in html.split('id="results"', 1)[1]}

    assert names(q="李") == {"李四"}
    assert names(q=ZHANG) == {"张三"}
    assert names(q="100-0000-0003") == {"王五"}
    assert names(tag=Tag.IMMOBILE) == {"张三"}
    assert names(status=HealthStatus.HOSPITAL) == {"李四"}
    assert names(building=city.kb1.pk) == {"王五"}
    assert names(building=city.ka1.pk, status="normal") == {"张三"}
    assert names(tag="nonsense") == {"张三", "李四", "王五"}


def test_a_building_outside_scope_is_ignored_rather_than_revealed(
    personas, city, zhang, wang, login
):
    html = login(personas.staff_a).get("/residents/", {"building": city.kb1.pk}).content.decode()
    assert "张三" in html
    assert "王五" not in html


def test_the_list_answers_htmx_with_only_the_results(personas, zhang, login):
    client = login(personas.staff_a)
    partial = client.get("/residents/", {"q": "张"}, headers={"HX-Request": "true"})
    html = partial.content.decode()
    assert 'id="results"' in html
    assert "张三" in html
    assert "<html" not in html
    assert "<html" in client.get("/residents/", {"q": "张"}).content.decode()


def test_the_list_masks_numbers_for_a_street_officer(personas, zhang, login):
    html = login(personas.street).get("/residents/").content.decode()
    assert ZHANG not in html
    assert mask(ZHANG) in html
    assert phone(1) not in html
    full = login(personas.staff_a).get("/residents/").content.decode()
    assert ZHANG in full


def test_the_list_needs_a_login(client, city):
    response = client.get("/residents/")
    assert response.status_code == 302
    assert "login" in response["Location"]


# --- detail, edit, status ---------------------------------------------------------------------


def _testid(html: str, name: str) -> str:
    match = re.search(rf'data-testid="{name}">([^<]*)<', html)
    assert match, name
    return match.group(1).strip()


def test_the_detail_page_masks_id_and_phone_for_a_street_officer(personas, zhang, login):
    html = login(personas.street).get(f"/residents/{zhang.pk}/").content.decode()
    assert _testid(html, "document") == mask(ZHANG)
    assert _testid(html, "phone") == mask(phone(1))
    assert ZHANG not in html
    assert phone(1) not in html


def test_the_detail_page_shows_id_and_phone_in_full_to_the_communitys_staff(personas, zhang, login):
    html = login(personas.staff_a).get(f"/residents/{zhang.pk}/").content.decode()
    assert _testid(html, "document") == ZHANG
    assert _testid(html, "phone") == phone(1)
    assert f"/residents/{zhang.pk}/edit/" in html


def test_the_detail_page_lists_household_members_and_status_history(personas, city, zhang, login):
    ResidentFactory(household=city.ha1, name="张小三", document_number=LI)
    ResidentFactory(household=city.ha2, name="邻居")
    StatusPeriod.objects.create(
        resident=zhang, status="home_isolation", starts_at=timezone.now(), reason="密接"
    )
    html = login(personas.staff_a).get(f"/residents/{zhang.pk}/").content.decode()
    members = html.split('data-testid="members"', 1)[1].split("</ul>", 1)[0]
    assert "张小三" in members
    assert "邻居" not in members
    assert 'data-testid="status-history"' in html
    assert "密接" in html


def test_read_only_roles_get_no_edit_buttons(personas, zhang, login):
    html = login(personas.district).get(f"/residents/{zhang.pk}/").content.decode()
    assert "张三" in html
    assert f"/residents/{zhang.pk}/edit/" not in html
    assert f"/residents/{zhang.pk}/status/" not in html


def test_the_edit_form_does_not_reveal_what_the_detail_page_masks(personas, zhang, login):
    html = login(personas.street).get(f"/residents/{zhang.pk}/edit/").content.decode()
    assert "张三" in html
    assert ZHANG not in html
    assert phone(1) not in html


@pytest.mark.parametrize("suffix", ["", "edit/", "status/"])
def test_another_communitys_staff_get_404_on_a_resident(personas, zhang, login, suffix):
    client = login(personas.staff_b)
    assert client.get(f"/residents/{zhang.pk}/{suffix}").status_code == 404
    if suffix:
        assert client.post(f"/residents/{zhang.pk}/{suffix}", {"name": "x"}).status_code == 404
    assert Resident.objects.get(pk=zhang.pk).name == "张三"


@pytest.mark.parametrize("suffix", ["edit/", "status/"])
def test_read_only_roles_cannot_open_the_forms(personas, zhang, login, suffix):
    # The district officer sees 张三, so the answer says why they may not edit (403, not 404).
    response = login(personas.district).get(f"/residents/{zhang.pk}/{suffix}")
    assert response.status_code == 403


def _form(resident, **changes) -> dict:
    return {
        "name": resident.name,
        "gender": resident.gender,
        "birth_date": resident.birth_date.isoformat() if resident.birth_date else "",
        "document_type": resident.document_type,
        "document_number": resident.document_number,
        "phone": resident.phone,
        **picked_of(resident.household),
        "relation": resident.relation,
        "occupancy": resident.occupancy,
        "tags": resident.tag_list,
        "notes": resident.notes,
        **changes,
    }


def test_the_edit_form_keeps_the_input_and_marks_the_wrong_field(personas, zhang, login):
    form = _form(zhang, name="张叁", phone="12345", notes="每周送药")
    response = login(personas.staff_a).post(f"/residents/{zhang.pk}/edit/", form)
    html = response.content.decode()
    assert response.status_code == 200
    assert "sq-field-error" in html
    assert 'value="张叁"' in html
    assert 'value="12345"' in html
    assert 'value="每周送药"' in html
    fresh = Resident.objects.get(pk=zhang.pk)
    assert (fresh.name, fresh.phone, fresh.notes) == ("张三", phone(1), "")


def test_the_edit_form_refuses_another_residents_document(personas, city, zhang, login):
    other = ResidentFactory(household=city.ha2, name="李四", document_number=LI)
    response = login(personas.staff_a).post(
        f"/residents/{other.pk}/edit/", _form(other, document_number=ZHANG)
    )
    assert response.status_code == 200
    assert "sq-field-error" in response.content.decode()
    assert Resident.objects.get(pk=other.pk).document_number == LI


def test_the_edit_form_saves_and_moves_the_resident(personas, city, zhang, login):
    form = _form(zhang, notes="每周送药", household=str(city.ha2.pk))
    response = login(personas.staff_a).post(f"/residents/{zhang.pk}/edit/", form)
    assert response.status_code == 302
    assert response["Location"] == f"/residents/{zhang.pk}/"
    fresh = Resident.objects.get(pk=zhang.pk)
    assert fresh.notes == "每周送药"
    assert fresh.household == city.ha2


def test_the_edit_form_cannot_move_a_resident_out_of_scope(personas, city, zhang, login):
    form = _form(zhang, **picked_of(city.hb1))
    response = login(personas.staff_a).post(f"/residents/{zhang.pk}/edit/", form)
    assert response.status_code == 200
    assert "sq-field-error" in response.content.decode()
    assert Resident.objects.get(pk=zhang.pk).household.code == "KA-1-101"


def test_registering_a_resident_on_the_page(personas, city, login):
    form = {
        "name": "李四",
        "gender": "female",
        "birth_date": "1952-11-02",
        "document_type": "resident_id",
        "document_number": LI,
        "phone": "",
        "compound": str(city.ka.pk),
        "building": str(city.ka1.pk),
        "unit": "",
        "household": str(city.ha2.pk),
        "relation": "head",
        "occupancy": "owner",
        "tags": ["elderly_alone"],
        "notes": "",
    }
    response = login(personas.staff_a).post("/residents/new/", form)
    assert response.status_code == 302
    resident = Resident.objects.get()
    assert resident.household == city.ha2
    assert resident.tag_list == ["elderly_alone"]
    assert login(personas.cadre).get("/residents/new/").status_code == 403


def test_the_status_form_changes_the_status_and_the_history_shows_it(personas, zhang, login):
    client = login(personas.staff_a)
    form = {
        "status": "home_isolation",
        "starts_at": "2026-01-10T08:00",
        "planned_end": "2026-01-17",
        "reason": "同楼栋阳性",
    }
    response = client.post(f"/residents/{zhang.pk}/status/", form)
    assert response.status_code == 302
    assert Resident.objects.get(pk=zhang.pk).health_status == HealthStatus.HOME_ISOLATION
    period = StatusPeriod.objects.get()
    assert timezone.localtime(period.starts_at).strftime("%Y-%m-%d %H:%M") == "2026-01-10 08:00"
    assert period.set_by == personas.staff_a
    detail = client.get(f"/residents/{zhang.pk}/").content.decode()
    assert "同楼栋阳性" in detail
    assert "2026-01-10 08:00" in detail


def test_the_status_form_keeps_the_input_on_error(personas, zhang, login):
    form = {
        "status": "home_isolation",
        "starts_at": "2026-01-10T08:00",
        "planned_end": "2026-01-01",
        "reason": "同楼栋阳性",
    }
    response = login(personas.staff_a).post(f"/residents/{zhang.pk}/status/", form)
    html = response.content.decode()
    assert response.status_code == 200
    assert "sq-field-error" in html
    assert 'value="同楼栋阳性"' in html
    assert not StatusPeriod.objects.exists()


# --- the import page --------------------------------------------------------------------------


def _import_rows():
    return [
        CN_HEADER,
        ["张三", "男", "1980-05-17", ZHANG, phone(1), "甲小区", "1号楼", "101", ""],
        ["李四", "女", "", LI, "", "甲小区", "1号楼", "102", "独居老人"],
    ]


def test_uploading_on_the_import_page_runs_in_the_background_and_ends_with_a_summary(
    personas, city, login, tmp_path, django_capture_on_commit_callbacks
):
    client = login(personas.staff_a)
    assert client.get("/residents/import/").status_code == 200
    path = write_csv(tmp_path / "居民.csv", _import_rows())
    with path.open("rb") as fh, django_capture_on_commit_callbacks(execute=True):
        response = client.post("/residents/import/", {"file": fh, "community": "A"})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert response["Location"] == f"/residents/import/{job.pk}/"
    waiting = client.get(response["Location"]).content.decode()
    assert 'data-status="queued"' in waiting
    assert 'hx-trigger="every 1s"' in waiting  # the job's progress polls…
    # The worker closes "old" connections between tasks; inside the test's transaction that
    # would be the test's own connection (PostgreSQL), so keep it open.
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        call_command("db_worker", "--batch", "--no-startup-delay")
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    html = client.get(response["Location"]).content.decode()
    assert 'data-status="done"' in html
    assert _testid(html, "created") == "2"
    assert _testid(html, "rejected") == "0"
    assert 'hx-trigger="every 1s"' not in html  # …and stops when the job is done
    assert Resident.objects.count() == 2
    partial = client.get(response["Location"], headers={"HX-Request": "true"}).content.decode()
    assert 'id="progress"' in partial
    assert "<html" not in partial


def test_a_refused_upload_shows_the_errors_and_offers_the_workbook(personas, city, login, tmp_path):
    rows = _import_rows()
    rows[2][4] = "123"
    client = login(personas.staff_a)
    path = write_csv(tmp_path / "r.csv", rows)
    with path.open("rb") as fh:
        response = client.post("/residents/import/", {"file": fh})
    job = ImportJob.objects.get()
    run_import(job.pk)
    html = client.get(response["Location"]).content.decode()
    assert 'data-status="refused"' in html
    assert 'data-testid="errors"' in html
    assert "手机号码" in html
    download = client.get(f"/residents/import/{job.pk}/errors.xlsx")
    assert download.status_code == 200
    sheet = load_workbook(io.BytesIO(download.content)).worksheets[0]
    assert sheet.max_row == 2
    assert not Resident.objects.exists()
    others = login(personas.staff_b)
    assert others.get(f"/residents/import/{job.pk}/").status_code == 404
    assert others.get(f"/residents/import/{job.pk}/errors.xlsx").status_code == 404


def test_the_import_page_refuses_a_wrong_file_type_next_to_the_field(personas, city, login):
    upload = io.BytesIO(b"name\n")
    upload.name = "residents.xls"
    response = login(personas.staff_a).post("/residents/import/", {"file": upload})
    assert response.status_code == 200
    assert "sq-field-error" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_roles_that_may_not_import_are_turned_away(personas, city, login):
    assert login(personas.cadre).get("/residents/import/").status_code == 403
    assert login(personas.district).get("/residents/import/").status_code == 403


def test_the_template_downloads_as_a_workbook_with_the_chinese_headers(personas, login):
    response = login(personas.staff_a).get("/residents/import/template.xlsx")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    header = [c.value for c in book.worksheets[0][1]]
    assert {"姓名", "证件号码", "户编码", "楼栋", "房号"} <= set(header)


# --- the API ----------------------------------------------------------------------------------


@pytest.fixture
def call(client):
    """`call(user).get/post/patch(...)` with a real bearer token."""

    class _Call:
        def __init__(self, secret: str):
            self.headers = {"Authorization": f"Bearer {secret}"}

        def get(self, path, **params):
            return client.get(path, params, headers=self.headers)

        def post(self, path, body=None, raw=None):
            data = raw if raw is not None else json.dumps(body or {})
            return client.post(path, data, content_type="application/json", headers=self.headers)

        def patch(self, path, body):
            return client.patch(
                path, json.dumps(body), content_type="application/json", headers=self.headers
            )

        def upload(self, path, data):
            return client.post(path, data, headers=self.headers)

    def _for(user):
        _token, secret = core_services.api_token_create(actor=None, user=user, name="test")
        return _Call(secret)

    return _for


def test_the_api_list_masks_numbers_for_a_street_officer(personas, zhang, wang, call):
    body = call(personas.street).get("/api/v1/residents").json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["name"] == "张三"
    assert item["document_number"] == mask(ZHANG)
    assert item["phone"] == mask(phone(1))
    full = call(personas.staff_a).get("/api/v1/residents").json()["items"][0]
    assert full["document_number"] == ZHANG
    assert full["phone"] == phone(1)


def test_the_api_list_filters_and_searches(personas, city, zhang, wang, call):
    hq = call(personas.hq)
    assert hq.get("/api/v1/residents").json()["count"] == 2
    assert [i["name"] for i in hq.get("/api/v1/residents", q=LI).json()["items"]] == ["王五"]
    assert [i["name"] for i in hq.get("/api/v1/residents", tag="immobile").json()["items"]] == [
        "张三"
    ]
    found = hq.get("/api/v1/residents", building=city.kb1.pk).json()
    assert [i["name"] for i in found["items"]] == ["王五"]
    assert hq.get("/api/v1/residents", tag="nonsense").status_code == 422
    staff = call(personas.staff_a)
    assert staff.get("/api/v1/residents", building=city.kb1.pk).status_code == 404


def test_the_api_detail_is_404_across_communities(personas, zhang, call):
    assert call(personas.staff_b).get(f"/api/v1/residents/{zhang.pk}").status_code == 404
    assert call(personas.cadre).get(f"/api/v1/residents/{zhang.pk}").status_code == 404
    response = call(personas.staff_a).get(f"/api/v1/residents/{zhang.pk}")
    assert response.status_code == 200
    assert response.json()["household"] == "KA-1-101"
    assert response.json()["tags"] == ["immobile"]


def _payload(city, **kw):
    return {
        "household_id": city.ha1.pk,
        "name": "李四",
        "document_number": LI,
        "birth_date": "1952-11-02",
        "gender": "female",
        "phone": phone(2),
        "tags": ["elderly_alone"],
        **kw,
    }


def test_the_api_creates_a_resident(personas, city, call):
    response = call(personas.staff_a).post("/api/v1/residents", _payload(city))
    assert response.status_code == 201
    body = response.json()
    assert body["document_number"] == LI
    assert body["tags"] == ["elderly_alone"]
    resident = Resident.objects.get(pk=body["id"])
    assert resident.household == city.ha1
    assert resident.phone == phone(2)


def test_the_api_refuses_a_duplicate_document_naming_the_field(personas, city, zhang, call):
    response = call(personas.staff_a).post(
        "/api/v1/residents", _payload(city, document_number=ZHANG, birth_date=None)
    )
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["document_number"]
    assert Resident.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"name": "李四"},
        {"household_id": "abc", "name": "李四", "document_number": LI},
        {"household_id": 1, "name": "李四", "document_number": LI, "gender": "x"},
        {"household_id": 1, "name": "李" * 51, "document_number": LI},
    ],
)
def test_the_api_answers_malformed_requests_with_422(personas, city, call, body):
    response = call(personas.staff_a).post("/api/v1/residents", body)
    assert response.status_code == 422
    assert response.json()["errors"]
    assert not Resident.objects.exists()


def test_the_api_refuses_malformed_json(personas, city, call):
    response = call(personas.staff_a).post("/api/v1/residents", raw="{not json")
    assert response.status_code in (400, 422)
    assert not Resident.objects.exists()


def test_the_api_cannot_register_in_another_communitys_household(personas, city, call):
    response = call(personas.staff_a).post(
        "/api/v1/residents", _payload(city, household_id=city.hb1.pk)
    )
    assert response.status_code == 404
    assert not Resident.objects.exists()


def test_the_api_updates_and_moves_a_resident(personas, city, zhang, call):
    response = call(personas.staff_a).patch(
        f"/api/v1/residents/{zhang.pk}",
        {"notes": "每周送药", "phone": phone(9), "household_id": city.ha2.pk},
    )
    assert response.status_code == 200, response.content
    assert response.json()["household"] == "KA-1-102"
    fresh = Resident.objects.get(pk=zhang.pk)
    assert (fresh.notes, fresh.phone, fresh.household) == ("每周送药", phone(9), city.ha2)


def test_the_api_update_is_404_for_other_communities_and_403_for_read_only_roles(
    personas, zhang, call
):
    url = f"/api/v1/residents/{zhang.pk}"
    assert call(personas.staff_b).patch(url, {"notes": "x"}).status_code == 404
    # The district officer sees 张三: the answer says why they may not change him.
    refused = call(personas.district).patch(url, {"notes": "x"})
    assert refused.status_code == 403
    assert refused.json()["detail"]
    assert Resident.objects.get(pk=zhang.pk).notes == ""


def test_the_api_update_names_a_bad_field(personas, zhang, call):
    response = call(personas.staff_a).patch(f"/api/v1/residents/{zhang.pk}", {"phone": "123"})
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["phone"]


def test_the_api_sets_a_status_and_lists_the_history(personas, zhang, call):
    client = call(personas.staff_a)
    response = client.post(
        f"/api/v1/residents/{zhang.pk}/status", {"status": "close_contact", "reason": "流调"}
    )
    assert response.status_code == 201
    assert response.json()["status"] == "close_contact"
    assert response.json()["ended_at"] is None
    client.post(f"/api/v1/residents/{zhang.pk}/status", {"status": "central_isolation"})
    history = client.get(f"/api/v1/residents/{zhang.pk}/status").json()
    assert [p["status"] for p in history] == ["central_isolation", "close_contact"]
    assert history[1]["ended_at"] is not None
    assert Resident.objects.get(pk=zhang.pk).health_status == "central_isolation"
    bad = client.post(f"/api/v1/residents/{zhang.pk}/status", {"status": "quarantine"})
    assert bad.status_code == 422
    other = call(personas.staff_b).post(
        f"/api/v1/residents/{zhang.pk}/status", {"status": "hospital"}
    )
    assert other.status_code == 404


def test_the_api_import_runs_a_job_and_reports_its_errors(personas, city, call):
    rows = _import_rows()
    rows[2][1] = "?"
    upload = io.BytesIO(csv_bytes(rows))
    upload.name = "residents.csv"
    client = call(personas.staff_a)
    response = client.upload("/api/v1/residents/import", {"file": upload})
    assert response.status_code == 202, response.content
    job_id = response.json()["id"]
    assert response.json()["status"] == "queued"
    run_import(job_id)
    status = client.get(f"/api/v1/residents/import/{job_id}").json()
    assert status["status"] == "refused"
    assert status["finished"] is True
    assert status["rejected"] == 1
    assert status["percent"] == 100
    errors = client.get(f"/api/v1/residents/import/{job_id}/errors").json()
    assert errors["count"] == 1
    assert (errors["items"][0]["row"], errors["items"][0]["column"]) == (3, "性别")
    assert not Resident.objects.exists()
    assert call(personas.staff_b).get(f"/api/v1/residents/import/{job_id}").status_code == 404
    assert call(personas.staff_a).get("/api/v1/residents/import/not-a-uuid").status_code == 404


def test_the_api_import_with_skip_invalid_lands_the_good_rows(personas, city, call):
    rows = _import_rows()
    rows[2][1] = "?"
    upload = io.BytesIO(csv_bytes(rows))
    upload.name = "residents.csv"
    response = call(personas.staff_a).upload(
        "/api/v1/residents/import", {"file": upload, "skip_invalid": "true"}
    )
    assert response.status_code == 202
    job = run_import(response.json()["id"])
    assert job.summary() == {"created": 1, "updated": 0, "unchanged": 0, "rejected": 1}
    assert list(Resident.objects.values_list("name", flat=True)) == ["张三"]


def test_the_api_import_refuses_a_wrong_type_and_a_foreign_community(personas, city, call):
    upload = io.BytesIO(b"name\n")
    upload.name = "residents.txt"
    client = call(personas.staff_a)
    response = client.upload("/api/v1/residents/import", {"file": upload})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "file"
    upload = io.BytesIO(csv_bytes(_import_rows()))
    upload.name = "residents.csv"
    response = client.upload("/api/v1/residents/import", {"file": upload, "community": "B"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "community"
    assert not ImportJob.objects.exists()


def test_roles_that_may_not_import_get_403_whatever_community_they_name(personas, city, call):
    # Before: 400 on `community`, with a message that differed for a code that exists.
    for user in (personas.cadre, personas.district):
        for body in ({}, {"community": "A"}, {"community": "NO-SUCH"}):
            upload = io.BytesIO(csv_bytes(_import_rows()))
            upload.name = "residents.csv"
            response = call(user).upload("/api/v1/residents/import", {"file": upload, **body})
            assert response.status_code == 403, (user, body, response.content)
            assert response.json()["detail"] == "您的角色无权导入居民。"  # the default language
    assert not ImportJob.objects.exists()


def test_the_api_reports_an_import_jobs_progress_and_errors(personas, city, call, tmp_path):
    from shequ.core.imports import import_job_create

    rows = _import_rows()
    rows[2][1] = "?"
    with write_csv(tmp_path / "r.csv", rows).open("rb") as fh:
        job = import_job_create(
            actor=personas.staff_a,
            kind="residents",
            upload=fh,
            filename="r.csv",
            place=city.a,
            enqueue=False,
        )
    client = call(personas.staff_a)
    queued = client.get(f"/api/v1/residents/import/{job.pk}").json()
    assert (queued["status"], queued["finished"], queued["percent"]) == ("queued", False, 0)
    run_import(job.pk)
    done = client.get(f"/api/v1/residents/import/{job.pk}").json()
    assert (done["status"], done["finished"], done["percent"]) == ("refused", True, 100)
    assert done["rejected"] == 1
    errors = client.get(f"/api/v1/residents/import/{job.pk}/errors").json()
    assert errors["count"] == 1
    assert (errors["items"][0]["row"], errors["items"][0]["column"]) == (3, "性别")
    assert call(personas.staff_b).get(f"/api/v1/residents/import/{job.pk}").status_code == 404
    assert (
        call(personas.staff_b).get(f"/api/v1/residents/import/{job.pk}/errors").status_code == 404
    )
    assert client.get("/api/v1/residents/import/not-a-uuid").status_code == 404
