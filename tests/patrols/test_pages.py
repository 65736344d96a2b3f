"""The pages and the API: the checklist (tap done; missed in red), area set-up (one area, one
per building), the history with its chart and Excel, findings with their follow-up, and the
daily report's figures."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shequ.patrols import reports, services
from shequ.patrols.models import Area, Finding, Round
from tests.patrols.conftest import local, png

pytestmark = pytest.mark.usefixtures("english")


def _sheet(resp) -> list[list]:
    book = openpyxl.load_workbook(io.BytesIO(resp.content))
    return [list(r) for r in book.active.iter_rows(values_only=True)]


def test_the_checklist_shows_the_missed_slot_in_red_and_records_a_tap(pt, frozen, login):
    frozen(local(2026, 3, 2, 15, 40))  # 08:00 missed, 16:00 due
    client = login(pt.cadre)
    page = client.get("/patrols/").content.decode()
    assert "1号楼楼道" in page
    assert 'data-status="missed"' in page
    assert "sq-pt-has-missed" in page
    assert 'data-status="due"' in page
    resp = client.post("/patrols/", {"area": pt.area.pk, "quantity": "3", "note": "楼道消杀"})
    assert resp.status_code == 302
    the_round = Round.objects.get()
    assert (the_round.quantity, the_round.note, the_round.by) == (3, "楼道消杀", pt.cadre)
    page = client.get(resp.url).content.decode()
    assert 'data-status="done"' in page
    assert "Round recorded" in page


def test_a_cadre_sees_only_their_community_and_not_anothers(pt, login):
    client = login(pt.cadre_b)
    page = client.get("/patrols/").content.decode()
    assert "乙小区大门" in page
    assert "1号楼楼道" not in page
    assert client.get(f"/patrols/?community={pt.area.community_id}").status_code == 404
    resp = client.post("/patrols/", {"area": pt.area.pk})
    assert resp.status_code == 404
    assert not Round.objects.exists()


def test_staff_add_one_area_per_building_and_skip_the_ones_there(pt, login, city):
    client = login(pt.staff)
    resp = client.post(
        "/patrols/setup/",
        {"place": city.ka.pk, "bulk": "on", "kind": "stairwell", "times": "07:30, 19:30",
         "tolerance": "60", "dose": "1"},
    )  # fmt: skip
    assert resp.status_code == 302
    names = set(Area.objects.filter(place__parent=city.ka).values_list("name", flat=True))
    assert names == {"1号楼楼道", "2号楼楼道"}  # 1号楼's was there already
    made = Area.objects.get(place=city.ka2)
    assert made.times == [450, 1170]


def test_a_bad_schedule_keeps_the_input_and_names_the_field(pt, login, city):
    client = login(pt.staff)
    resp = client.post(
        "/patrols/setup/",
        {"place": city.ka2.pk, "kind": "lift", "name": "2号楼电梯", "times": "8点",
         "tolerance": "60", "dose": "0"},
    )  # fmt: skip
    assert resp.status_code == 400
    page = resp.content.decode()
    assert "HH:MM" in page
    assert 'value="2号楼电梯"' in page
    assert not Area.objects.filter(name="2号楼电梯").exists()


def test_cadres_may_not_set_up_areas(pt, login):
    assert login(pt.cadre).get("/patrols/setup/").status_code == 403


def test_the_history_has_the_weeks_chart_and_excel(pt, frozen, login):
    frozen(local(2026, 3, 2, 8, 10))
    services.round_record(actor=pt.cadre, area=pt.area, note="=cmd|' /C calc'!A0")
    frozen(local(2026, 3, 3, 12))
    client = login(pt.staff)
    page = client.get("/patrols/rounds/").content.decode()
    assert 'id="patrols-week"' in page
    assert "03-02" in page
    rows = _sheet(client.get("/patrols/rounds/?format=xlsx"))
    assert rows[1][2] == "1号楼楼道"
    assert rows[1][7] == "=cmd|' /C calc'!A0"


def test_a_finding_with_a_photo_is_followed_up_and_resolved(pt, login, city, frozen):
    frozen(local(2026, 3, 2, 10))
    client = login(pt.cadre)
    resp = client.post(
        "/patrols/findings/new/",
        {"place": city.ka.pk, "spot": "兴旺超市", "kind": "shop_open", "note": "店内堂食",
         "assignee": pt.staff.pk, "due_on": "2026-03-03",
         "photo": SimpleUploadedFile("a.png", png(), content_type="image/png")},
    )  # fmt: skip
    assert resp.status_code == 302, resp.content.decode()[:2000]
    finding = Finding.objects.get()
    assert (finding.assignee, finding.due_on, finding.photo_type) == (
        pt.staff,
        dt.date(2026, 3, 3),
        "image/png",
    )
    assert client.get(f"/patrols/findings/{finding.pk}/photo/").content == png()
    assert login(pt.cadre_b).get(f"/patrols/findings/{finding.pk}/").status_code == 404
    staff = login(pt.staff)
    assert "兴旺超市" in staff.get("/patrols/findings/").content.decode()
    resp = staff.post(f"/patrols/findings/{finding.pk}/", {"action": "resolve", "resolution": ""})
    assert resp.status_code == 400
    assert "This field is required" in resp.content.decode()
    staff.post(f"/patrols/findings/{finding.pk}/", {"action": "resolve", "resolution": "已关门"})
    finding.refresh_from_db()
    assert finding.resolution == "已关门"
    assert finding.resolved_by == pt.staff
    assert "兴旺超市" not in staff.get("/patrols/findings/").content.decode()
    rows = _sheet(staff.get("/patrols/findings/?all=1&format=xlsx"))
    assert rows[1][3] == "兴旺超市"
    assert rows[1][10] == "已关门"


def test_a_finding_names_the_field_it_lacks(pt, login, city):
    resp = login(pt.cadre).post(
        "/patrols/findings/new/", {"place": city.ka.pk, "kind": "crowd", "note": ""}
    )
    assert resp.status_code == 400
    assert "This field is required" in resp.content.decode()
    assert not Finding.objects.exists()


def test_the_api_gives_the_checklist_and_takes_areas_and_findings(pt, api, city, frozen):
    frozen(local(2026, 3, 2, 15, 40))
    body = api(pt.cadre).get("/api/v1/patrols/checklist").json()
    assert body["community_id"] == city.a.pk
    [area] = body["areas"]
    assert [s["status"] for s in area["slots"]] == ["missed", "due"]
    resp = api(pt.staff).post(
        "/api/v1/patrols/areas",
        {"place_id": city.ka2.pk, "kind": "lift", "name": "2号楼电梯", "every_hours": 4,
         "start": "06:00", "tolerance": 30},
    )  # fmt: skip
    assert resp.status_code == 200, resp.json()
    assert resp.json()["times"] == ["06:00", "10:00", "14:00", "18:00", "22:00"]
    resp = api(pt.cadre).post(
        "/api/v1/patrols/areas",
        {"place_id": city.ka2.pk, "kind": "lift", "name": "x", "times": ["08:00"]},
    )
    assert resp.status_code == 403
    resp = api(pt.cadre_b).post(
        "/api/v1/patrols/findings", {"place_id": city.ka.pk, "kind": "crowd", "note": "聚集"}
    )
    assert resp.status_code == 404
    resp = api(pt.cadre).post(
        "/api/v1/patrols/findings", {"place_id": city.ka.pk, "kind": "crowd", "note": "聚集"}
    )
    assert resp.status_code == 200
    assert resp.json()["resolved_at"] is None
    assert [f["note"] for f in api(pt.staff).get("/api/v1/patrols/findings?open=true").json()] == [
        "聚集"
    ]
    week = api(pt.staff).get(f"/api/v1/patrols/week?community_id={city.a.pk}").json()
    assert week[-1] == {"day": "2026-03-02", "done": 0, "missed": 1}


def test_the_daily_figures_count_rounds_done_missed_and_findings_open(pt, frozen, city):
    frozen(local(2026, 3, 2, 8, 10))
    services.round_record(actor=pt.cadre, area=pt.area)
    services.finding_record(actor=pt.cadre, place=city.ka, kind="no_mask", note="未戴口罩")
    frozen(local(2026, 3, 3, 9))
    figures = reports.daily_figures([city.a.pk, city.b.pk], dt.date(2026, 3, 2))
    assert figures[city.a.pk] == {"rounds_done": 1, "rounds_missed": 1, "findings_open": 1}
    assert figures[city.b.pk]["rounds_missed"] == 1


def test_the_daily_report_lists_the_patrol_figures():
    from shequ.reports.figures import figure_by_key

    figures = figure_by_key()
    assert {"rounds_done", "rounds_missed", "findings_open"} <= set(figures)
    assert figures["rounds_missed"].gap({"rounds_missed": 2}) == 2  # in the worst-five list


def test_the_assignee_is_told_of_a_finding_once_and_again_when_reassigned(pt, city, personas):
    from shequ.core.models import Notification

    finding = services.finding_record(
        actor=pt.cadre, place=city.ka, kind="shop_open", spot="兴旺超市", note="店内堂食",
        assignee=pt.staff,
    )  # fmt: skip
    [note] = Notification.objects.filter(kind="patrols_finding")
    assert (note.user, note.url) == (pt.staff, f"/patrols/findings/{finding.pk}/")
    assert "兴旺超市" in note.title
    services.finding_assign(actor=pt.staff, finding=finding, assignee=pt.staff, due_on=None)
    assert Notification.objects.filter(kind="patrols_finding").count() == 1  # same person
    services.finding_assign(actor=pt.staff, finding=finding, assignee=pt.cadre, due_on=None)
    assert Notification.objects.filter(kind="patrols_finding", user=pt.cadre).count() == 1
