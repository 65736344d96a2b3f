from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shequ.core.roles import Role
from shequ.places.models import PlaceKind, ZoneDesignation, ZoneLevel
from shequ.places.services import zone_set
from tests.conftest import make_place, make_user


def test_places_list_is_paginated_and_limited_to_the_street(personas, city, api):
    body = api(personas.street).get("/api/v1/places", kind="compound").json()
    assert [item["code"] for item in body["items"]] == ["KA"]
    assert body["count"] == 1
    everything = api(personas.street).get("/api/v1/places").json()
    codes = {item["code"] for item in everything["items"]}
    assert "KB" not in codes
    assert "D1" not in codes
    assert {"S1", "A", "GA", "KA", "KA-1", "KA-1-101"} <= codes


def test_places_list_filters_by_parent_and_text(personas, city, api):
    client = api(personas.hq)
    children = client.get("/api/v1/places", parent=city.ka.pk).json()
    assert [i["code"] for i in children["items"]] == ["KA-1", "KA-2"]
    found = client.get("/api/v1/places", q="乙").json()
    assert {i["code"] for i in found["items"]} == {"B", "GB", "KB"}


def test_pages_of_the_places_list(personas, city, api):
    for n in range(60):
        make_place(PlaceKind.HOUSEHOLD, f"KA-2-{n:03d}", f"{n}室", city.ka2)
    first = api(personas.hq).get("/api/v1/places", kind="household").json()
    second = api(personas.hq).get("/api/v1/places", kind="household", page=2).json()
    assert first["count"] == second["count"] == 63
    assert len(first["items"]) == 50
    assert len(second["items"]) == 13
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}


def test_a_street_officer_opening_another_streets_compound_gets_404(personas, city, api):
    client = api(personas.street)
    assert client.get(f"/api/v1/places/{city.kb.pk}").status_code == 404
    assert client.get(f"/api/v1/places/{city.kb.pk}/zones").status_code == 404
    assert client.get("/api/v1/places", parent=city.kb.pk).status_code == 404
    response = client.post(f"/api/v1/places/{city.kb.pk}/zones", {"level": "lockdown"})
    assert response.status_code == 404
    assert not ZoneDesignation.objects.exists()


def test_a_user_with_no_role_sees_no_place(personas, city, api):
    body = api(personas.outsider).get("/api/v1/places").json()
    assert body == {"items": [], "count": 0}
    assert api(personas.outsider).get(f"/api/v1/places/{city.c.pk}").status_code == 404


def test_unknown_ids_are_404_with_a_json_body(personas, api):
    response = api(personas.hq).get("/api/v1/places/999999")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_the_api_needs_a_token_or_session(client, city):
    response = client.get("/api/v1/places")
    assert response.status_code == 401
    assert response.json()["detail"]


def test_the_page_session_also_works_for_the_api(personas, city, login):
    response = login(personas.staff_a).get("/api/v1/places", {"kind": "compound"})
    assert response.status_code == 200
    assert [i["code"] for i in response.json()["items"]] == ["KA"]


def test_setting_a_zone_through_the_api(personas, city, api):
    response = api(personas.street).post(
        f"/api/v1/places/{city.ka.pk}/zones", {"level": "lockdown", "reason": "阳性"}
    )
    assert response.status_code == 201
    assert response.json()["level"] == "lockdown"
    assert response.json()["set_by"] == "street"
    current = api(personas.street).get(f"/api/v1/places/{city.ha1.pk}/current-zone").json()
    assert current["zone"]["level"] == "lockdown"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"level": "quarantine"}', "level"),
        ("{}", "level"),
        ('{"level": "control", "starts_at": "yesterday"}', "starts_at"),
        ('{"level": "control", "reason": ' + '"' + "x" * 201 + '"}', "reason"),
    ],
)
def test_malformed_zone_bodies_get_422_with_field_errors(personas, city, api, raw, field):
    response = api(personas.street).post(f"/api/v1/places/{city.ka.pk}/zones", raw=raw)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"]
    assert field in [e["field"] for e in body["errors"]], body
    assert not ZoneDesignation.objects.exists()


def test_unparseable_json_gets_a_clear_4xx(personas, city, api):
    response = api(personas.street).post(f"/api/v1/places/{city.ka.pk}/zones", raw="{level:")
    assert response.status_code in (400, 422)
    assert response.json()["detail"]


def test_a_zone_rule_broken_gets_400_naming_the_field(personas, city, api):
    response = api(personas.street).post(
        f"/api/v1/places/{city.ka.pk}/zones",
        {
            "level": "control",
            "starts_at": "2026-11-02T10:00:00+08:00",
            "ends_at": "2026-11-01T10:00:00+08:00",
        },
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "ends_at"


def test_community_staff_may_read_but_not_set_zones(personas, city, api):
    response = api(personas.staff_a).post(
        f"/api/v1/places/{city.ka.pk}/zones", {"level": "control"}
    )
    assert response.status_code == 403
    assert api(personas.staff_a).get(f"/api/v1/places/{city.ka.pk}/zones").status_code == 200


def test_zone_history_lists_newest_first(personas, city, api):
    zone_set(actor=personas.street, place=city.ka, level=ZoneLevel.PRECAUTION)
    zone_set(actor=personas.street, place=city.ka, level=ZoneLevel.LOCKDOWN)
    body = api(personas.street).get(f"/api/v1/places/{city.ka.pk}/zones").json()
    assert [z["level"] for z in body["items"]] == ["lockdown", "precaution"]
    assert body["items"][1]["ends_at"] is not None


def test_lifting_through_the_api(personas, city, api):
    zone_set(actor=personas.street, place=city.ka, level=ZoneLevel.LOCKDOWN)
    response = api(personas.street).post(f"/api/v1/places/{city.ka.pk}/zones/lift")
    assert response.status_code == 200
    assert response.json()["ends_at"] is not None
    again = api(personas.street).post(f"/api/v1/places/{city.ka.pk}/zones/lift")
    assert again.status_code == 400
    assert again.json()["errors"][0]["field"] == "place"


def test_health_reports_database_and_migrations(client, db):
    response = client.get("/api/v1/health")
    body = response.json()
    assert response.status_code == 200
    # No background worker runs here: pages serve, imports wait (tests/core/test_workers.py).
    assert body["status"] == "degraded"
    assert body["database"] is True
    assert body["migrations_applied"] is True
    assert body["version"]


def test_openapi_schema_and_docs_are_served_without_a_cdn(client, personas):
    client.force_login(personas.outsider)  # the docs need a login (tests/web/test_security)
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/places" in schema["paths"]
    assert "/api/v1/places/{place_id}/zones" in schema["paths"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert "cdn." not in docs.content.decode()
    assert "/static/" in docs.content.decode()


def test_a_time_without_a_zone_is_city_time_not_a_500(personas, city, api):
    response = api(personas.street).post(
        f"/api/v1/places/{city.ka.pk}/zones",
        {"level": "control", "starts_at": "2030-01-01T08:00:00", "ends_at": "2030-01-02T08:00:00"},
    )
    assert response.status_code == 201
    starts = datetime.fromisoformat(response.json()["starts_at"])
    assert starts == datetime(2030, 1, 1, 0, 0, tzinfo=UTC)  # 08:00 in Asia/Shanghai


def test_the_zone_of_a_compound_out_of_scope_is_told_without_details(personas, city, api):
    zone_set(actor=personas.hq, place=city.ka, level=ZoneLevel.LOCKDOWN, reason="阳性")
    user = make_user("bldg", Role.COMMUNITY_STAFF, city.ka1)
    body = api(user).get(f"/api/v1/places/{city.ha1.pk}/current-zone").json()
    assert body["zone"]["level"] == "lockdown"
    assert body["zone"]["place_id"] is None
    assert body["zone"]["reason"] == ""
    assert body["zone"]["set_by"] == ""
