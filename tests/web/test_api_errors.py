"""Every error of the API is JSON in the documented format {"detail": …, "errors": […]}, also
the ones answered outside an operation; a busy SQLite database is a 503 to try again, never
a 500."""

from __future__ import annotations

import json

import pytest
from django.db import OperationalError
from django.test import Client

from shequ.places import selectors as place_selectors
from shequ.residents import selectors as resident_selectors


def assert_api_error(response, status: int) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = json.loads(response.content)
    assert set(body) == {"detail", "errors"}
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert isinstance(body["errors"], list)
    return body


def test_an_unknown_api_path_is_a_json_404(personas, api):
    assert_api_error(api(personas.hq).get("/api/v1/no/such/thing"), 404)
    assert_api_error(Client().get("/api/v1/nothing-here"), 404)


def test_a_wrong_method_is_a_json_405_that_says_what_is_allowed(personas, api):
    response = api(personas.hq).post("/api/v1/places", {})
    body = assert_api_error(response, 405)
    assert "GET" in response["Allow"]
    assert "GET" in body["detail"]


def test_a_server_error_inside_the_api_is_a_json_500(personas, api, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(place_selectors, "places_for", broken)
    body = assert_api_error(api(personas.hq).get("/api/v1/places"), 500)
    assert "a bug" not in body["detail"]  # nothing of the inside leaks out


def test_a_session_call_without_its_csrf_token_is_a_json_403(personas):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.street)
    response = client.post("/api/v1/places/1/zones/lift", "{}", content_type="application/json")
    body = assert_api_error(response, 403)
    assert "X-CSRFToken" in body["detail"]


def test_an_oversize_body_is_a_json_413(personas, api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api(personas.hq).post("/api/v1/residents", raw=json.dumps({"x": "a" * 2000}))
    assert_api_error(response, 413)


def test_an_oversize_form_upload_to_the_api_is_a_json_413(personas, api, settings, client):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    headers = api(personas.hq).headers
    response = client.post(
        "/api/v1/mobilization/needs",
        "x=" + "a" * 2000,
        content_type="application/x-www-form-urlencoded",
        headers=headers,
    )
    assert_api_error(response, 413)


def test_a_body_that_is_not_json_is_a_json_400(personas, api):
    body = assert_api_error(api(personas.hq).post("/api/v1/residents", raw="{not json"), 400)
    assert "JSON" in body["detail"]


def _locked(*args, **kwargs):
    raise OperationalError("database is locked")


def test_a_busy_database_is_a_json_503_with_retry_after(personas, api, monkeypatch):
    monkeypatch.setattr(place_selectors, "places_for", _locked)
    response = api(personas.hq).get("/api/v1/places")
    assert_api_error(response, 503)
    assert int(response["Retry-After"]) > 0


def test_a_busy_database_on_a_page_says_to_try_again(personas, monkeypatch):
    monkeypatch.setattr(resident_selectors, "residents_for", _locked)
    client = Client(raise_request_exception=False, headers={"Accept-Language": "en"})
    client.force_login(personas.staff_a)
    response = client.get("/residents/")
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert "Busy for a moment" in page
    assert "send it again" in page


def test_other_database_errors_stay_server_errors(personas, api, monkeypatch):
    def broken(*args, **kwargs):
        raise OperationalError("disk I/O error")

    monkeypatch.setattr(place_selectors, "places_for", broken)
    assert_api_error(api(personas.hq).get("/api/v1/places"), 500)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_json_errors_speak_the_request_language(personas, api, language, client):
    headers = {**api(personas.hq).headers, "Accept-Language": language}
    body = assert_api_error(client.get("/api/v1/no/such/thing", headers=headers), 404)
    assert body["detail"] == ("Not found." if language == "en" else "未找到。")
