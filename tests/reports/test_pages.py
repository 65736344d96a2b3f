"""The report pages and API as a community worker and a street officer use them."""

from __future__ import annotations

import pytest

from shequ.reports import selectors, services
from shequ.reports.models import FigureCorrection, ReportStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _url(community, day, name="community") -> str:
    return f"/reports/{'c' if name == 'community' else 'p'}/{community.pk}/{day.isoformat()}/"


def test_staff_compile_correct_and_submit_on_the_page(login, personas, city, seeded):
    client = login(personas.staff_a)
    url = _url(city.a, seeded.day)
    assert "not compiled yet" in client.get(url).content.decode()
    assert client.post(url, {"action": "compile"}).status_code == 302
    page = client.get(url).content.decode()
    assert 'data-key="on_duty"' in page
    assert "19.9" in page  # 1195 minutes, shown in hours
    response = client.post(
        url, {"action": "correct", "key": "on_duty", "value": "5", "reason": "两人未扫码"}
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "3 → 5 · 两人未扫码" in page
    response = client.post(url, {"action": "submit", "difficulties": "缺防护服"})
    assert response.status_code == 302
    report = selectors.report_of(city.a, seeded.day)
    assert report.status == ReportStatus.SUBMITTED
    assert report.difficulties == "缺防护服"
    page = client.get(url).content.decode()
    assert 'data-testid="correct"' not in page
    assert "缺防护服" in page


def test_a_correction_without_reason_keeps_the_input_and_names_the_field(
    login, personas, city, seeded
):
    services.compile_report(actor=personas.staff_a, community=city.a, day=seeded.day)
    client = login(personas.staff_a)
    response = client.post(
        _url(city.a, seeded.day), {"action": "correct", "key": "no_shows", "value": "7"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="7"' in page
    assert 'name="reason"' in page
    assert "sq-field-error" in page
    assert not FigureCorrection.objects.exists()


def test_a_street_officer_reads_but_may_not_correct(login, personas, city, seeded):
    services.compile_report(actor=personas.staff_a, community=city.a, day=seeded.day)
    client = login(personas.street)
    url = _url(city.a, seeded.day)
    page = client.get(url).content.decode()
    assert 'data-key="on_duty"' in page
    assert 'data-testid="correct"' not in page
    response = client.post(
        url, {"action": "correct", "key": "on_duty", "value": "1", "reason": "x"}
    )
    assert response.status_code == 403
    assert client.get(_url(city.b, seeded.day)).status_code == 404


def test_the_street_page_lists_late_and_missing_communities(login, personas, city, seeded):
    services.compile_reports(community_ids=[city.a.pk], day=seeded.day)
    page = login(personas.street).get(_url(city.s1, seeded.day, "rollup")).content.decode()
    assert 'data-testid="late"' in page
    assert "甲社区" in page
    assert "Missing" in page
    assert "乙社区" not in page  # another street's community


def test_the_city_rollup_shows_totals_and_worst(login, personas, city, seeded):
    services.compile_reports(community_ids=[city.a.pk, city.b.pk], day=seeded.day)
    page = login(personas.hq).get(_url(city.c, seeded.day, "rollup")).content.decode()
    assert 'data-testid="worst"' in page
    assert "东区" in page
    assert "西区" in page


def test_the_api_reads_corrects_and_submits(api, personas, city, seeded):
    staff = api(personas.staff_a)
    base = f"/api/v1/reports/communities/{city.a.pk}/{seeded.day.isoformat()}"
    assert staff.get(base).json()["compiled"] is False
    body = staff.post(f"{base}/compile").json()
    figures = {f["key"]: f["value"] for f in body["figures"]}
    assert figures["person_times"] == 4
    by_agency = [b for b in body["on_duty_by"] if b["by"] == "agency"]
    assert sum(b["person_times"] for b in by_agency) == 4
    assert sum(b["minutes"] for b in by_agency) == 1195
    by_team = [b for b in body["on_duty_by"] if b["by"] == "team"]
    assert sum(b["person_times"] for b in by_team) == 4
    answer = staff.post(f"{base}/corrections", {"key": "person_times", "value": 6, "reason": ""})
    assert answer.status_code == 400
    assert [e["field"] for e in answer.json()["errors"]] == ["reason"]
    answer = staff.post(
        f"{base}/corrections", {"key": "person_times", "value": 6, "reason": "补录"}
    )
    figure = next(f for f in answer.json()["figures"] if f["key"] == "person_times")
    assert (figure["value"], figure["compiled_value"], figure["corrections"][0]["reason"]) == (
        6,
        4,
        "补录",
    )
    assert staff.post(f"{base}/submit", {"needs": "蔬菜"}).json()["status"] == "submitted"
    street = api(personas.street)
    up = street.get(f"/api/v1/reports/places/{city.s1.pk}/{seeded.day.isoformat()}").json()
    assert up["totals"]["person_times"] == 6
    assert up["standings"][0]["state"] == "late"
    assert street.post(f"{base}/compile").status_code == 403


def test_an_agency_coordinator_files_on_the_page(login, personas, seeded):
    client = login(personas.coordinator)
    url = f"/reports/agency/{seeded.day.isoformat()}/"
    response = client.post(url, {"agency": "AG1", "deployed": "3", "hours": "", "unwell": "5"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="5"' in page
    assert "sq-field-error" in page
    response = client.post(url, {"agency": "AG1", "deployed": "9", "hours": "70", "unwell": "1"})
    assert response.status_code == 302
    assert "9 deployed, 70 hours, 1 unwell" in client.get(url).content.decode()
    assert login(personas.street).get(url).status_code == 403


def test_the_reports_home_lists_only_the_communities_in_scope(login, personas, city, seeded):
    services.compile_reports(community_ids=[city.a.pk, city.b.pk], day=seeded.day)
    page = login(personas.street).get(f"/reports/?day={seeded.day.isoformat()}").content.decode()
    assert "甲社区" in page
    assert "乙社区" not in page
    assert "Draft" in page
    assert login(personas.cadre).get("/reports/").status_code == 403
    page = login(personas.coordinator).get("/reports/").content.decode()
    assert "File the agency&#x27;s report" in page or "File the agency's report" in page
