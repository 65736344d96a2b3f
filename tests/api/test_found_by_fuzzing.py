"""What schemathesis found in /api/v1 (tests/api/test_schema_fuzz.py), each pinned down."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from ninja.openapi.schema import OpenAPISchema

from shequ.api import api as ninja_api
from shequ.core.times import TIME_OF_DAY
from tests.residents.factories import ResidentFactory

pytestmark = pytest.mark.usefixtures("english")


def _openapi() -> dict:
    return json.loads(json.dumps(ninja_api.get_openapi_schema()))


@pytest.mark.parametrize(
    "path", ["/api/v1/places", "/api/v1/testing/rounds", "/api/v1/checkpoints/passages"]
)
def test_a_page_number_past_any_list_is_refused_naming_the_page(personas, api, path) -> None:
    # It reached the database as an OFFSET past 64 bits: SQLite's "datatype mismatch" came
    # back as 409 "someone else changed this", PostgreSQL's "bigint out of range" as a 500.
    client = api(personas.hq)
    response = client.get(path, page=str(10**25))
    assert response.status_code == 422, response.content
    assert [e["field"] for e in response.json()["errors"]] == ["page"]
    # A page past the end of the list, within the bound, is an empty page.
    response = client.get(path, page="1000000")
    assert response.status_code == 200
    assert response.json()["items"] == []


@pytest.mark.parametrize("field", ["name", "phone", "notes"])
def test_null_text_in_a_resident_change_is_refused_not_a_server_error(
    personas, api, city, client, field
) -> None:
    # null reached the database as NULL: a 500 for name and notes, a 409 for phone.
    resident = ResidentFactory(household=city.ha1)
    headers = api(personas.hq).headers
    url = f"/api/v1/residents/{resident.pk}"
    response = client.patch(
        url, json.dumps({field: None}), content_type="application/json", headers=headers
    )
    assert response.status_code == 422, response.content
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_an_empty_phone_or_note_still_clears_it(personas, api, city, client) -> None:
    resident = ResidentFactory(household=city.ha1, phone="13912345678", notes="轮椅")
    headers = api(personas.hq).headers
    response = client.patch(
        f"/api/v1/residents/{resident.pk}",
        json.dumps({"phone": "", "notes": ""}),
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 200, response.content
    assert (response.json()["phone"], response.json()["notes"]) == ("", "")


def test_times_of_day_are_declared_as_the_api_reads_and_writes_them() -> None:
    # They were `format: time`, RFC 3339's, which needs a zone: every `opens` the API wrote
    # ("08:00:00") broke its own schema, and every zoned time the schema invited was a 422.
    components = _openapi()["components"]["schemas"]
    for name, field in [("PostIn", "opens"), ("PostOut", "closes"), ("ShiftOut", "starts"),
                        ("SiteIn", "opens"), ("SiteOut", "closes")]:  # fmt: skip
        declared = components[name]["properties"][field]
        assert "format" not in declared, name
        assert declared["pattern"] == TIME_OF_DAY, name
    for good in ("08:00", "08:00:00", "23:59:59.5"):
        assert re.match(TIME_OF_DAY, good), good
    for bad in ("08:00:00+08:00", "8:00", "24:00", "08:00Z"):
        assert not re.match(TIME_OF_DAY, bad), bad


def test_no_two_schemas_share_a_name(monkeypatch) -> None:
    # ninja keeps the last definition of a name: the team-draft swap's body {first, second}
    # was documented as the shift swap's {assignment_id, replacement_id, reason}.
    seen: dict[str, dict] = {}
    clashes: list[str] = []
    original = OpenAPISchema.add_schema_definitions

    def record(self, definitions: dict) -> None:
        for name, definition in definitions.items():
            if name in seen and seen[name] != definition:
                clashes.append(name)
            seen[name] = definition
        original(self, definitions)

    monkeypatch.setattr(OpenAPISchema, "add_schema_definitions", record)
    ninja_api.get_openapi_schema()
    assert seen
    assert clashes == []


def test_every_error_answer_is_declared_in_the_one_error_format() -> None:
    schema = _openapi()
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            where = f"{method.upper()} {path}"
            responses = operation["responses"]
            assert {"400", "503"} <= set(responses), where
            if operation.get("parameters") or operation.get("requestBody"):
                assert "422" in responses, where
            if operation.get("security"):
                assert "401" in responses, where
            if "{" in path:
                assert "404" in responses, where
            for code, answer in responses.items():
                if int(code) >= 400 and path != "/api/v1/health":
                    ref = answer["content"]["application/json"]["schema"]["$ref"]
                    assert ref == "#/components/schemas/ErrorOut", (where, code)


def test_a_time_with_a_far_utc_offset_is_kept_as_the_same_instant(personas, api, city) -> None:
    # ISO 8601 allows offsets to ±23:59, PostgreSQL only to ±15:59: this was a 500 there.
    sent = "2026-12-07T08:00:00-17:57"
    response = api(personas.hq).post(
        f"/api/v1/places/{city.ka.pk}/zones", {"level": "control", "starts_at": sent}
    )
    assert response.status_code == 201, response.content
    kept = dt.datetime.fromisoformat(response.json()["starts_at"])
    assert kept == dt.datetime.fromisoformat(sent)


@pytest.mark.parametrize(
    "starts_at", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59", "9999-12-31T20:00-05:00"]
)
def test_a_time_past_the_years_1_to_9999_is_refused_naming_it(
    personas, api, city, starts_at
) -> None:
    # Moving it to UTC (to store it) or to city time (to show it) overflowed: "Not found".
    response = api(personas.hq).post(
        f"/api/v1/places/{city.ka.pk}/zones", {"level": "control", "starts_at": starts_at}
    )
    assert response.status_code == 422, response.content
    assert [e["field"] for e in response.json()["errors"]] == ["starts_at"]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_day_outside_the_era_is_refused_naming_it(personas, api, day) -> None:
    # The passage log of 0001-01-01 answered 404 "Not found": its city-time midnight is
    # before the year 1 in UTC.
    response = api(personas.hq).get("/api/v1/checkpoints/passages", day=day)
    assert response.status_code == 422, response.content
    assert [e["field"] for e in response.json()["errors"]] == ["day"]


def test_a_roster_starting_past_2199_is_refused_naming_its_first_day(personas, api, city) -> None:
    # Its days ran past the year 9999: "Not found".
    response = api(personas.hq).post(
        "/api/v1/duty/rosters",
        {"place_id": city.a.pk, "starts_on": "9999-12-31", "days": 1, "time_limit": 1},
    )
    assert response.status_code == 422, response.content
    assert [e["field"] for e in response.json()["errors"]] == ["starts_on"]
