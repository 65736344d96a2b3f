"""Input that no database can store is refused with a 4xx naming the field, never a 500:
a NUL character in any text (PostgreSQL cannot hold one), a time of day with a zone (SQLite
cannot hold one)."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import json
import pkgutil
import types
import typing
import uuid
from typing import Annotated

import pytest
from django.test import Client
from pydantic import BaseModel, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

import shequ
from shequ.duty.models import Post
from shequ.residents.models import Resident
from shequ.testing.models import Site

NUL_HINT = "NUL"


def _api_fields(response) -> dict[str, str]:
    body = json.loads(response.content)
    assert set(body) == {"detail", "errors"}
    return {e["field"]: e["message"] for e in body["errors"]}


# --- NUL -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/residents/?q=a%00b", "q"),
        ("/places/?q=%00", "q"),
        ("/residents/?building=1&tag=%00x", "tag"),
        ("/duty/ical/ab%00cd.ics", "path"),
    ],
)
def test_a_nul_in_a_page_request_is_a_400_naming_the_field(personas, login, url, field):
    client = login(personas.staff_a)
    response = client.get(url, headers={"Accept-Language": "en"})
    assert response.status_code == 400
    page = response.content.decode()
    assert f"In “{field}”" in page
    assert NUL_HINT in page


def test_a_nul_in_a_form_field_is_refused_and_nothing_is_saved(personas, city, login):
    client = login(personas.staff_a)
    response = client.post(
        "/residents/new/",
        {"name": "张\x00三", "document_type": "id_card", "household": city.ha1.code},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert "In “name”" in response.content.decode()
    assert not Resident.objects.exists()


def test_a_nul_in_an_api_query_is_a_400_naming_the_parameter(personas, api):
    response = api(personas.hq).get("/api/v1/places", q="a\x00b")
    assert response.status_code == 400
    assert NUL_HINT in _api_fields(response)["q"]


def test_a_nul_in_a_json_body_is_a_400_naming_the_field(personas, city, api):
    response = api(personas.staff_a).post(
        "/api/v1/residents",
        {"household_id": city.ha1.pk, "name": "张\x00三", "document_number": "x"},
    )
    assert response.status_code == 400
    assert NUL_HINT in _api_fields(response)["name"]
    assert not Resident.objects.exists()


def test_a_nul_deep_in_a_batch_is_that_items_refusal_alone(personas, api):
    # A device batch answers per item (docs/api.md, "Batches from devices"): the NUL refuses
    # the item holding it, named by its field; the batch itself is answered.
    items = [
        {"client_uuid": str(uuid.uuid4()), "kind": "in"},
        {"client_uuid": str(uuid.uuid4()), "kind": "o\x00ut"},
    ]
    response = api(personas.staff_a).post("/api/v1/duty/attendance/batch", {"items": items})
    assert response.status_code == 200
    answers = response.json()
    assert [a["status"] for a in answers] == ["rejected", "rejected"]
    assert answers[1]["field"] == "kind"


def test_a_nul_beside_a_batchs_items_is_refused_whole(personas, api):
    body = {"items": [], "note\x00": "x"}
    response = api(personas.staff_a).post("/api/v1/duty/attendance/batch", body)
    assert response.status_code == 400


def test_a_session_cookie_holding_a_nul_is_no_session(db):
    # A quoted cookie may spell NUL as \000; looking it up was a 500 on PostgreSQL.
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "abcdefgh\x00ijklmnop"
    assert "\\000" in client.cookies.output()
    page = client.get("/residents/")
    assert page.status_code == 302
    assert page["Location"].startswith("/login/")
    response = client.get("/api/v1/places")
    assert response.status_code == 401
    assert set(json.loads(response.content)) == {"detail", "errors"}


def test_a_typed_backslash_u0000_is_text_not_a_nul(personas, api):
    response = api(personas.hq).get("/api/v1/places", q="\\u0000")
    assert response.status_code == 200
    response = api(personas.staff_a).post("/api/v1/residents", {"name": "\\u0000"})
    assert response.status_code == 422  # the schema's own answer: fields are missing
    assert "name" not in _api_fields(response)


# --- times of day with a zone -----------------------------------------------------------------


def test_a_post_whose_hours_carry_a_zone_is_a_422_naming_the_field(personas, city, api):
    response = api(personas.staff_a).post(
        "/api/v1/duty/posts",
        {
            "community_id": city.a.pk,
            "name": "北门",
            "kind": "checkpoint",
            "opens": "08:00:00+08:00",
        },
    )
    assert response.status_code == 422
    assert "08:00" in _api_fields(response)["opens"]
    assert not Post.objects.exists()


def test_a_site_whose_hours_carry_a_zone_is_a_422_naming_the_field(personas, city, api):
    body = {"community_id": city.a.pk, "name": "广场", "opens": "07:00", "closes": "19:00Z"}
    response = api(personas.staff_a).post("/api/v1/testing/sites", body)
    assert response.status_code == 422
    assert list(_api_fields(response)) == ["closes"]
    assert not Site.objects.exists()


def test_hours_without_a_zone_are_city_time(personas, city, api):
    response = api(personas.staff_a).post(
        "/api/v1/duty/posts",
        {
            "community_id": city.a.pk,
            "name": "北门",
            "kind": "checkpoint",
            "opens": "08:00",
            "closes": "20:00",
            "pattern": "day",
        },
    )
    assert response.status_code == 201, response.content
    assert (Post.objects.get().opens, Post.objects.get().closes) == (dt.time(8), dt.time(20))


def _time_fields() -> list[tuple[str, str, typing.Any]]:
    found = []
    for info in pkgutil.walk_packages(shequ.__path__, "shequ."):
        if info.name.rsplit(".", 1)[-1] not in {"schemas", "api"}:
            continue
        module = importlib.import_module(info.name)
        for cls in vars(module).values():
            if not (inspect.isclass(cls) and issubclass(cls, BaseModel)):
                continue
            if cls.__module__ != info.name:
                continue
            for name, field in cls.model_fields.items():
                annotation = field.annotation
                args = typing.get_args(annotation)
                if annotation is dt.time or (
                    typing.get_origin(annotation) in {typing.Union, types.UnionType}
                    and dt.time in args
                ):
                    kind = Annotated[annotation, *field.metadata] if field.metadata else annotation
                    found.append((cls.__name__, name, kind))
    return found


TIME_FIELDS = _time_fields()


def test_every_time_of_day_field_of_the_api_is_found():
    assert {("PostIn", "opens"), ("SiteIn", "closes")} <= {(c, f) for c, f, _t in TIME_FIELDS}


@pytest.mark.parametrize(
    ("schema", "field", "kind"), TIME_FIELDS, ids=[f"{c}.{f}" for c, f, _t in TIME_FIELDS]
)
def test_every_time_of_day_field_refuses_a_zone(schema, field, kind):
    adapter = TypeAdapter(kind)
    assert adapter.validate_python("08:00") == dt.time(8, 0)
    with pytest.raises(PydanticValidationError):
        adapter.validate_python("08:00:00+08:00")
