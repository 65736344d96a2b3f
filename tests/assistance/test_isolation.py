"""Isolation at home: reports twice a day, late after the noon and 20:00 deadlines, fever
alerts to the community's staff, the board scoped to the community, release through the
registry's status service, the resident's own reports on the public page."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal

import pytest
from django.utils import timezone

from shequ.assistance import isolation
from shequ.assistance.models import IsolationReport
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.models import Notification
from shequ.residents import services as resident_services
from shequ.residents.models import HealthStatus, StatusPeriod
from tests.assistance.test_public import PHONE, en_client, verified
from tests.mobilization.conftest import id_number

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
DAY = dt.date(2026, 12, 7)


def at(hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(DAY.year, DAY.month, DAY.day, hour, minute, tzinfo=TZ)


def isolate(personas, household, name="赵隔离", phone="", start=None, planned_end=None):
    resident = resident_services.resident_create(
        actor=personas.hq,
        household=household,
        name=name,
        document_number=id_number(1970),
        phone=phone,
    )
    resident_services.resident_set_status(
        actor=personas.hq,
        resident=resident,
        status=HealthStatus.HOME_ISOLATION,
        starts_at=start or timezone.now() - dt.timedelta(days=3),
        planned_end=planned_end,
    )
    resident.refresh_from_db()
    return resident


def clock(monkeypatch, when: dt.datetime) -> None:
    monkeypatch.setattr(isolation.timezone, "now", lambda: when)


def test_reports_are_late_after_the_noon_and_evening_deadlines(personas, city, monkeypatch):
    resident = isolate(personas, city.ha1, start=at(8) - dt.timedelta(days=3))
    assert isolation.board_rows([resident], at(11, 59))[0].late == []
    assert isolation.board_rows([resident], at(12, 1))[0].late == ["am"]
    clock(monkeypatch, at(9))
    report = isolation.isolation_report(actor=personas.cadre, resident=resident, temperature="36.6")
    assert (report.day, report.slot) == (DAY, "am")
    assert isolation.board_rows([resident], at(12, 1))[0].late == []
    evening = isolation.board_rows([resident], at(20, 1))[0]
    assert evening.late == ["pm"]
    assert evening.day_count == 4
    assert evening.planned_release == DAY - dt.timedelta(days=3) + dt.timedelta(days=14)
    counts = isolation.board_counts(isolation.isolated_for(personas.staff_a), at(20, 1))
    assert (counts.total, counts.reported, counts.late, counts.fever) == (1, 1, 1, 0)


def test_one_report_a_day_makes_only_the_evening_deadline(personas, city, settings):
    settings.ISOLATION_REPORTS_PER_DAY = 1
    resident = isolate(personas, city.ha1)
    assert isolation.board_rows([resident], at(12, 1))[0].late == []
    assert isolation.board_rows([resident], at(20, 1))[0].late == ["pm"]


def test_a_fever_alerts_the_communitys_staff_at_once(personas, city):
    resident = isolate(personas, city.ha1)
    isolation.isolation_report(actor=personas.cadre, resident=resident, temperature="36.5")
    assert not Notification.objects.filter(kind="fever").exists()
    report = isolation.isolation_report(actor=personas.cadre, resident=resident, temperature="37.3")
    assert report.fever
    told = set(Notification.objects.filter(kind="fever").values_list("user__username", flat=True))
    assert told == {"staff_a"}


def test_a_symptom_without_fever_alerts_too(personas, city):
    resident = isolate(personas, city.ha1)
    isolation.isolation_report(
        actor=personas.cadre, resident=resident, temperature="36.8", symptoms="咳嗽"
    )
    assert Notification.objects.filter(kind="fever", user=personas.staff_a).count() == 1


def test_an_impossible_temperature_is_refused(personas, city):
    resident = isolate(personas, city.ha1)
    for bad in ("50", "abc", "", "NaN"):
        with pytest.raises(ValidationError) as exc:
            isolation.isolation_report(actor=personas.cadre, resident=resident, temperature=bad)
        assert "temperature" in exc.value.errors
    assert IsolationReport.objects.count() == 0


def test_a_cadre_of_another_community_cannot_report(personas, city, helpers):
    resident = isolate(personas, city.ha1)
    with pytest.raises(PermissionDenied):
        isolation.isolation_report(actor=helpers.cadre_b, resident=resident, temperature="36.5")


def test_the_board_shows_late_and_fever_and_only_the_users_community(personas, city, login):
    feverish = isolate(personas, city.ha1, name="发烧者")
    isolate(personas, city.ha2, name="未报者")
    isolate(personas, city.hb1, name="乙社区的人")
    isolation.isolation_report(actor=personas.cadre, resident=feverish, temperature="38.2")
    page = login(personas.staff_a).get("/help/isolation/")
    assert page.status_code == 200
    assert "发烧者" in page.text
    assert "未报者" in page.text
    assert "乙社区的人" not in page.text
    assert 'data-testid="fever"' in page.text
    fever_only = login(personas.staff_a).get("/help/isolation/?show=fever")
    assert "发烧者" in fever_only.text
    assert "未报者" not in fever_only.text
    assert "乙社区的人" in login(personas.staff_b).get("/help/isolation/").text


def test_a_cadre_records_at_the_door_from_the_board(personas, city, login):
    resident = isolate(personas, city.ha1)
    client = login(personas.cadre)
    response = client.post(
        "/help/isolation/", {"resident": resident.pk, "action": "report", "temperature": "36.4"}
    )
    assert response.status_code == 302
    report = IsolationReport.objects.get()
    assert (report.temperature, report.by, report.channel) == (
        Decimal("36.4"),
        personas.cadre,
        "door",
    )
    bad = client.post(
        "/help/isolation/", {"resident": resident.pk, "action": "report", "temperature": "99"}
    )
    assert bad.status_code == 400
    assert "Enter the temperature" in bad.text


def test_staff_release_closes_the_status_period(personas, city, login):
    resident = isolate(personas, city.ha1, name="解除者")
    response = login(personas.staff_a).post(
        "/help/isolation/", {"resident": resident.pk, "action": "release"}
    )
    assert response.status_code == 302
    resident.refresh_from_db()
    assert resident.health_status == HealthStatus.NORMAL
    periods = StatusPeriod.objects.filter(resident=resident).order_by("starts_at")
    assert [p.status for p in periods] == ["home_isolation", "normal"]
    assert periods[0].ended_at is not None
    board = login(personas.staff_a).get("/help/isolation/").text
    assert f'data-testid="isolated-{resident.pk}"' not in board


def test_the_resident_reports_on_the_public_page(personas, city, outbox):
    resident = isolate(personas, city.ha1, phone=PHONE)
    neighbour = isolate(personas, city.ha2, name="邻居")
    client = verified(outbox)
    page = client.get("/h/KA/")
    assert f'data-testid="temp-{resident.pk}"' in page.text
    assert f'data-testid="temp-{neighbour.pk}"' not in page.text
    sent = client.post("/h/KA/", {"action": "temp", "resident": resident.pk, "temperature": "37.8"})
    assert sent.status_code == 302
    report = IsolationReport.objects.get()
    assert (report.resident, report.channel, report.by, report.fever) == (
        resident,
        "resident",
        None,
        True,
    )
    assert Notification.objects.filter(kind="fever", user=personas.staff_a).exists()
    other = client.post(
        "/h/KA/", {"action": "temp", "resident": neighbour.pk, "temperature": "36.5"}
    )
    assert other.status_code == 400
    assert IsolationReport.objects.count() == 1


def test_nobody_reports_without_the_households_code(personas, city):
    resident = isolate(personas, city.ha1, phone=PHONE)
    response = en_client().post(
        "/h/KA/", {"action": "temp", "resident": resident.pk, "temperature": "36.5"}
    )
    assert response.status_code == 200  # the code form again
    assert IsolationReport.objects.count() == 0


def test_the_api_lists_records_and_releases(personas, city, api):
    resident = isolate(personas, city.ha1, name="接口者")
    isolate(personas, city.hb1, name="乙社区的人")
    staff = api(personas.staff_a)
    board = staff.get("/api/v1/help/isolation").json()
    assert [row["name"] for row in board] == ["接口者"]
    assert board[0]["day_count"] == 4
    sent = staff.post(f"/api/v1/help/isolation/{resident.pk}/readings", {"temperature": "38.1"})
    assert sent.status_code == 201
    assert sent.json()["fever"] is True
    assert staff.get("/api/v1/help/isolation", show="fever").json()[0]["fever"] is True
    bad = staff.post(f"/api/v1/help/isolation/{resident.pk}/readings", {"temperature": "48"})
    assert bad.status_code in (400, 422)
    other = api(personas.staff_b).post(f"/api/v1/help/isolation/{resident.pk}/release")
    assert other.status_code == 404
    done = staff.post(f"/api/v1/help/isolation/{resident.pk}/release")
    assert done.status_code == 200
    assert done.json()["health_status"] == "normal"
    assert staff.get("/api/v1/help/isolation").json() == []


def test_the_board_exports_to_excel_with_its_filter_and_scope(personas, city, login):
    import io

    from openpyxl import load_workbook

    feverish = isolate(personas, city.ha1, name="发烧者")
    isolate(personas, city.ha2, name="未报者")
    isolate(personas, city.hb1, name="乙社区的人")
    isolation.isolation_report(actor=personas.cadre, resident=feverish, temperature="38.2")
    client = login(personas.staff_a)
    assert "format=xlsx" in client.get("/help/isolation/").text
    response = client.get("/help/isolation/?format=xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="isolation-')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["Name", "Address", "Status"]
    names = {r[0] for r in rows[1:]}
    assert names == {"发烧者", "未报者"}
    fever_row = next(r for r in rows if r[0] == "发烧者")
    assert "38.2 °C" in fever_row
    assert fever_row[-1] == "yes"
    fever_only = load_workbook(
        io.BytesIO(client.get("/help/isolation/?show=fever&format=xlsx").content)
    ).active
    assert [r[0].value for r in fever_only.iter_rows(min_row=2)] == ["发烧者"]
