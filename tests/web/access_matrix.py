"""Machinery of the access matrix (tests/web/test_access_matrix.py): enumerate every page and
API operation, fill their path parameters with side A's or side B's objects, make minimal
request bodies from the OpenAPI schema, and read what an answer shows."""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import re
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from shequ.api import api as ninja_api
from tests.web.access_world import Side

PARAM = re.compile(r"<(?:(\w+):)?(\w+)>|\{(\w+)\}")
API_PREFIX = "/api/v1"


# --- what there is ------------------------------------------------------------------------


def page_routes() -> dict[str, str]:
    """Every page: "namespace:name" → its URL pattern. API operations are enumerated from the
    OpenAPI schema instead (api_operations); the admin has a row of its own."""
    found: dict[str, str] = {}

    def walk(patterns: list[Any], prefix: str, namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or namespace
                if ns == "admin":
                    continue
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                if getattr(p.callback, "__module__", "") == "ninja.operation":
                    continue  # an API operation: one row per method from the schema
                found[f"{namespace}:{p.name}"] = prefix + str(p.pattern)

    walk(get_resolver().url_patterns, "", "")
    return found


@functools.cache
def openapi() -> dict[str, Any]:
    """The API's OpenAPI schema (made once: making it takes a second)."""
    return ninja_api.get_openapi_schema()


def api_operations() -> dict[str, dict[str, Any]]:
    """Every API operation: "METHOD /api/v1/path/{param}" → its OpenAPI operation."""
    schema = openapi()
    return {
        f"{method.upper()} {path}": {**op, "method": method.upper(), "path": path}
        for path, methods in schema["paths"].items()
        for method, op in methods.items()
    }


def has_params(route: str, pattern: str) -> bool:
    return bool(PARAM.search(pattern))


# --- filling in objects -------------------------------------------------------------------


def _ical(side: Side) -> str:
    from shequ.duty.views.me import ical_token

    return ical_token(side.objects["staff"])


# Path parameters by name; some routes give a name another meaning (first match wins).
SPECIAL_PARAMS: dict[tuple[str, str], Callable[[Side], Any]] = {
    ("duty:ical", "token"): _ical,
    ("duty:scan", "token"): lambda s: s.objects["post_token"],
    ("volunteer:signup", "code"): lambda s: s.community.code,
    ("help:page", "code"): lambda s: s.compound.code,
    ("notice:answers", "code"): lambda s: "C",  # the city's code: one city for both sides
    ("notice:page", "token"): lambda s: s.objects["notice"].token,
    ("notice:file", "token"): lambda s: s.objects["notice"].token,
    ("notices:call", "call_id"): lambda s: s.objects["hotline_call"].pk,
    ("POST /api/v1/notices/hotline/calls/{call_id}/propose", "call_id"): (
        lambda s: s.objects["hotline_call"].pk
    ),
    ("assistance:poster", "place_id"): lambda s: s.compound.pk,
    ("testing:lab_import_job", "job_id"): lambda s: s.objects["lab_job"].pk,
    ("testing:lab_import_errors", "job_id"): lambda s: s.objects["lab_job"].pk,
    ("duty:roster_action", "action"): lambda s: "publish",
    ("duty:roster_job", "job_id"): lambda s: s.objects["roster_job"].pk,
    # Zones are set on compounds and buildings.
    ("places:set_zone", "place_id"): lambda s: s.compound.pk,
    # A link from a sign-in reset that is no link (the page says so, to anyone).
    ("core_users:set_password", "uidb64"): lambda s: "MQ",
    ("core_users:set_password", "token"): lambda s: "no-such-token",
    ("places:lift_zone", "place_id"): lambda s: s.compound.pk,
    ("POST /api/v1/places/{place_id}/zones", "place_id"): lambda s: s.compound.pk,
    ("POST /api/v1/places/{place_id}/zones/lift", "place_id"): lambda s: s.compound.pk,
    # A door of a door-to-door campaign (testing's task_id is a home-sampling task).
    ("outreach:task", "task_id"): lambda s: s.objects["door"].pk,
    ("POST /api/v1/outreach/tasks/{task_id}/outcome", "task_id"): lambda s: s.objects["door"].pk,
    ("POST /api/v1/mobilization/volunteers/{staff_id}/vet", "staff_id"): (
        lambda s: s.objects["volunteer"].pk
    ),
    ("GET /api/v1/duty/roster-jobs/{job_id}", "job_id"): lambda s: s.objects["roster_job"].pk,
}
PARAMS: dict[str, Callable[[Side], Any]] = {
    "note_id": lambda s: s.objects["note"].pk,
    "place_id": lambda s: s.community.pk,
    "resident_id": lambda s: s.objects["resident"].pk,
    "job_id": lambda s: s.objects["job"].pk,
    "token": lambda s: s.objects["token"],
    "order_id": lambda s: s.objects["order"].pk,
    "draft_id": lambda s: s.objects["draft"].pk,
    "post_id": lambda s: s.objects["post"].pk,
    "call_id": lambda s: s.objects["call"].pk,
    "roster_id": lambda s: s.objects["roster"].pk,
    "shift_id": lambda s: s.objects["shift"].pk,
    "day": lambda s: s.objects["day"],
    "community_id": lambda s: s.community.pk,
    "passage_id": lambda s: s.objects["passage"].pk,
    "gate_id": lambda s: s.objects["gate"].pk,
    "household_id": lambda s: s.household.pk,
    "pass_id": lambda s: s.objects["entry_pass"].pk,
    "building_id": lambda s: s.building.pk,
    "round_id": lambda s: s.objects["round"].pk,
    "task_id": lambda s: s.objects["task"].pk,
    "recall_id": lambda s: s.objects["recall"].pk,
    "station_id": lambda s: s.objects["station"].pk,
    "enlistment_id": lambda s: s.objects["enlistment"].pk,
    "batch_id": lambda s: s.objects["batch"].pk,
    "staff_id": lambda s: s.objects["staff"].pk,
    "change_id": lambda s: s.objects["change"].pk,
    "transfer_id": lambda s: s.objects["transfer"].pk,
    "user_id": lambda s: s.staff_user.pk,
    "role_id": lambda s: s.staff_user.role_assignments.get().pk,
    "pairing_id": lambda s: s.objects["pairing"].pk,
    "request_id": lambda s: s.objects["help_request"].pk,
    "check_id": lambda s: s.objects["watch_check"].pk,
    "visit_id": lambda s: s.objects["visit"].pk,
    "photo_id": lambda s: s.objects["photo"].pk,
    "rectification_id": lambda s: s.objects["rectification"].pk,
    "area_id": lambda s: s.objects["area"].pk,
    "patrol_round_id": lambda s: s.objects["patrol_round"].pk,
    "finding_id": lambda s: s.objects["finding"].pk,
    "warehouse_id": lambda s: s.objects["warehouse"].pk,
    "point_id": lambda s: s.objects["point"].pk,
    "shipment_id": lambda s: s.objects["shipment"].pk,
    "donation_id": lambda s: s.objects["donation"].pk,
    "requisition_id": lambda s: s.objects["requisition"].pk,
    "notice_id": lambda s: s.objects["notice"].pk,
    "file_id": lambda s: s.objects["notice_file"].pk,
    "answer_id": lambda s: s.objects["answer"].pk,
    "campaign_id": lambda s: s.objects["campaign"].pk,
    "proposal_id": lambda s: s.objects["proposal"].pk,
}


def param(key: str, name: str, side: Side) -> Any:
    maker = SPECIAL_PARAMS.get((key, name)) or PARAMS.get(name)
    if maker is None:
        raise LookupError(
            f"{key}: no object for the path parameter {name!r}; add it to PARAMS in "
            f"tests/web/access_matrix.py (and the object to tests/web/access_world.py)"
        )
    return maker(side)


def url_for(key: str, pattern: str, side: Side) -> str:
    path = PARAM.sub(lambda m: str(param(key, m.group(2) or m.group(3), side)), pattern)
    return "/" + path.lstrip("/")


# --- minimal bodies from the schema -------------------------------------------------------


def _field_value(name: str, side: Side) -> Any:
    """A value for a required field, chosen by its name, naming the side's objects."""
    o = side.objects
    now = timezone.now()
    today = timezone.localdate()
    by_name: dict[str, Callable[[], Any]] = {
        "agency_code": lambda: side.agency.code,
        "approve": lambda: True,
        "assignment_id": lambda: o["assignment"].pk,
        "at": lambda: now.isoformat(),
        "check_in_at": lambda: (now - dt.timedelta(hours=1)).isoformat(),
        "starts_at": lambda: (now + dt.timedelta(hours=1)).isoformat(),
        "ends_at": lambda: (now + dt.timedelta(hours=5)).isoformat(),
        "deadline": lambda: (now + dt.timedelta(days=1)).isoformat(),
        "barcodes": lambda: [o["barcode"]],
        "birth_year": lambda: 1985,
        "client_uuid": lambda: str(uuid.uuid4()),
        "opens": lambda: "07:00",
        "closes": lambda: "19:00",
        "code": lambda: "M-1",
        "community_id": lambda: side.community.pk,
        "document_number": lambda: "62999919850101001X",
        "id_number": lambda: "62999919850101001X",
        "starts_on": lambda: today.isoformat(),
        "ends_on": lambda: (today + dt.timedelta(days=1)).isoformat(),
        "valid_from": lambda: today.isoformat(),
        "valid_until": lambda: (today + dt.timedelta(days=7)).isoformat(),
        "enlistment_ids": lambda: [o["enlistment"].pk],
        "gender": lambda: "male",
        "handover_note": lambda: "交接",
        "household_id": lambda: side.household.pk,
        "household_code": lambda: side.household.code,
        "details": lambda: "矩阵",
        "name": lambda: "矩阵",
        "needed": lambda: 1,
        "people_per_day": lambda: 1,
        "received_count": lambda: 1,
        "place_id": lambda: side.compound.pk,
        "place_ids": lambda: [side.community.pk],
        "post_id": lambda: o["gate"].pk,
        "reason": lambda: "矩阵测试",
        "replacement_id": lambda: o["people"][1].pk,
        "resident_id": lambda: o["resident"].pk,
        "result": lambda: "negative",
        "rules": lambda: {},
        "scope_id": lambda: side.district.pk,
        "staff_id": lambda: o["staff"].pk,
        "staff_ids": lambda: [o["people"][2].pk],
        "title": lambda: "矩阵",
        "to_community_id": lambda: side.community.pk,
        "token": lambda: o["token"],
        "tube": lambda: o["barcode"],
        "warehouse_id": lambda: o["warehouse"].pk,
        "stock_id": lambda: o["stock"].pk,
        "donor_id": lambda: o["donor"].pk,
        "received_on": lambda: today.isoformat(),
        "bought_on": lambda: today.isoformat(),
        "destination_id": lambda: o["store"].pk,
        "item_id": lambda: o["item"].pk,
        "quantity": lambda: 1,
        "quantity_received": lambda: 1,
        "delta": lambda: -1,
        "kind": lambda: None,  # from the schema's enum
        "outcome": lambda: "refused",
        "building_ids": lambda: [side.building.pk],
    }
    maker = by_name.get(name)
    return maker() if maker else None


def minimal_body(schema: dict[str, Any], components: dict[str, Any], side: Side) -> Any:
    """The required fields of `schema`, filled with the side's objects."""
    if "$ref" in schema:
        return minimal_body(components[schema["$ref"].rsplit("/", 1)[-1]], components, side)
    for combo in ("anyOf", "oneOf", "allOf"):
        if combo in schema:
            options = [s for s in schema[combo] if s.get("type") != "null"]
            return minimal_body(options[0], components, side)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        body = {}
        for name in schema.get("required", []):
            value = _field_value(name, side)
            prop = schema["properties"][name]
            if value is None:
                value = minimal_body(prop, components, side)
            body[name] = value
        return body
    if kind == "array":
        return [minimal_body(schema.get("items", {}), components, side)]
    return {"integer": 1, "number": 1, "boolean": False, "string": "x"}.get(kind or "")


# Bodies the schema cannot tell: a choice between fields, or two people who must differ.
BODIES: dict[str, Callable[[Side], Any]] = {
    "POST /api/v1/duty/attendance/check-in": lambda s: {"post_id": s.objects["gate"].pk},
    "POST /api/v1/mobilization/team-drafts/{draft_id}/swap": lambda s: {"first": 1, "second": 2},
}


def api_request(
    client: Client, op: dict[str, Any], url: str, side: Side, headers: dict[str, str]
) -> HttpResponse:
    """Call an operation with its required query parameters and a minimal body."""
    components = openapi()["components"]["schemas"]
    query = {
        p["name"]: _field_value(p["name"], side) or 1
        for p in op.get("parameters", [])
        if p["in"] == "query" and p.get("required")
    }
    if op["method"] == "GET":
        return client.get(url, query, headers=headers)
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    content = (op.get("requestBody") or {}).get("content", {})
    if "multipart/form-data" in content:
        upload = io.BytesIO("姓名,身份证号\n".encode())
        upload.name = "matrix.csv"
        return client.post(url, {"file": upload}, headers=headers)
    body = {}
    if "application/json" in content:
        body = minimal_body(content["application/json"]["schema"], components, side)
    body = BODIES.get(f"{op['method']} {op['path']}", lambda s: body)(side)
    return client.generic(
        op["method"], url, json.dumps(body), content_type="application/json", headers=headers
    )


# --- what an answer shows ----------------------------------------------------------------


def shown_text(response: HttpResponse) -> str:
    """The text a person would read in the answer: HTML, JSON (unescaped), a sheet's cells."""
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind:
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row
        )
    if "json" in kind:
        try:
            return json.dumps(json.loads(content), ensure_ascii=False)
        except ValueError:
            return content.decode(errors="replace")
    if kind.startswith(("text/", "image/svg")):
        return content.decode(errors="replace")
    return ""  # PDF and other binaries: not read


def side_markers(side: Side) -> list[str]:
    """Names only side B's objects carry: any of them in an answer shows side B. (Not the
    order's title: orders reach every agency and community by design.)"""
    o = side.objects
    return [
        side.community.name,
        side.compound.name,
        *(r.name for r in o["residents"]),
        *(p.name for p in o["people"]),
        o["volunteer"].name,
        o["round"].name,
        o["site"].name,
        o["barcode"],
        o["transfer"].code,
    ]
