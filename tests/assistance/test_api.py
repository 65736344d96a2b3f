"""/api/v1/help as a phone app or a hotline system uses it."""

from __future__ import annotations

import pytest

from shequ.assistance.models import HelpStatus
from tests.assistance.conftest import open_request

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_open_claim_deliver_and_read_the_timeline(personas, city, api):
    staff = api(personas.staff_a)
    created = staff.post(
        "/api/v1/help/requests",
        {"household_code": "KA-1-102", "kind": "medicine", "details": "降压药"},
    )
    assert created.status_code == 201
    rid = created.json()["id"]
    cadre = api(personas.cadre)
    assert cadre.post(f"/api/v1/help/requests/{rid}/claim").json()["status"] == "claimed"
    mine = cadre.get("/api/v1/help/requests/mine").json()
    assert [r["id"] for g in mine for r in g["requests"]] == [rid]
    assert cadre.post(f"/api/v1/help/requests/{rid}/deliver", {"note": ""}).status_code == 200
    detail = staff.get(f"/api/v1/help/requests/{rid}").json()
    assert detail["status"] == HelpStatus.DELIVERED
    assert [e["to_status"] for e in detail["events"]] == ["new", "claimed", "delivered"]


def test_a_refused_step_is_400_naming_status_and_out_of_scope_is_404(personas, city, api, helpers):
    request = open_request(personas.staff_a, city.ha1)
    api(personas.cadre).post(f"/api/v1/help/requests/{request.pk}/claim")
    again = api(helpers.cadre2).post(f"/api/v1/help/requests/{request.pk}/claim")
    assert again.status_code == 400
    assert again.json()["errors"] == [{"field": "status", "message": "Already claimed by cadre."}]
    other = api(helpers.cadre_b).post(f"/api/v1/help/requests/{request.pk}/claim")
    assert other.status_code == 404
    assert api(helpers.cadre_b).get("/api/v1/help/requests").json()["items"] == []


def test_a_cadre_may_not_close_403(personas, city, api):
    request = open_request(personas.staff_a, city.ha1)
    closed = api(personas.cadre).post(f"/api/v1/help/requests/{request.pk}/close", {"reason": "x"})
    assert closed.status_code == 403


def test_bad_input_names_the_field(personas, city, api):
    staff = api(personas.staff_a)
    bad = staff.post(
        "/api/v1/help/requests", {"household_code": "NOPE", "kind": "water", "details": "x"}
    )
    assert bad.status_code == 404  # unknown, or not where the user may open requests
    other = staff.post(
        "/api/v1/help/requests", {"household_code": "KB-1-101", "kind": "water", "details": "x"}
    )
    assert other.status_code == 404
    kind = staff.post(
        "/api/v1/help/requests", {"household_code": "KA-1-101", "kind": "beer", "details": "x"}
    )
    assert kind.status_code == 422
    assert "kind" in str(kind.json()["errors"][0])


def test_figures_by_street(personas, city, api):
    open_request(personas.staff_a, city.ha1)
    rows = api(personas.hq).get("/api/v1/help/figures", level="street").json()
    assert [(r["place"], r["total"]["opened"]) for r in rows] == [("一街道", 1)]
    assert api(personas.hq).get("/api/v1/help/figures", days=0).status_code == 400


def test_a_request_names_its_resident_who_must_live_there(personas, city, api):
    from tests.residents.factories import ResidentFactory

    resident = ResidentFactory(name="王奶奶", household=city.ha1)
    staff = api(personas.staff_a)
    body = {"household_code": "KA-1-101", "kind": "meals", "details": "午餐"}
    made = staff.post("/api/v1/help/requests", {**body, "resident_id": resident.pk})
    assert made.status_code == 201
    assert made.json()["resident_id"] == resident.pk
    elsewhere = staff.post(
        "/api/v1/help/requests", {**body, "household_code": "KA-1-102", "resident_id": resident.pk}
    )
    assert elsewhere.status_code == 400
    assert elsewhere.json()["errors"][0]["field"] == "resident"
    other = ResidentFactory(name="乙居民", household=city.hb1)
    assert staff.post("/api/v1/help/requests", {**body, "resident_id": other.pk}).status_code == 404
