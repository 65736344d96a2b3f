"""Schemathesis over /api/v1, in process: every operation of the OpenAPI schema the API serves,
called through the real WSGI app with generated requests, each answer checked against the
schema (no 5xx, a declared status code, the declared content type and body).

Shared by tests/api/test_schema_fuzz.py (a few examples per operation, in `make test`) and
bench/api_fuzz.py (many more). Requests run in the caller's database transaction, so the
world they act on is rolled back with it.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import Failure, FailureGroup

from tests.web.access_world import World

SCHEMA_PATH = "/api/v1/openapi.json"
HEALTH = "GET /api/v1/health"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# The solvers' time limits are inputs; a generated 120-second team formation would spend the
# whole budget on one call without telling more about the answer's shape.
SOLVER_SECONDS = {"time_limit": 1, "time_limit_s": 1}


@contextmanager
def in_test_transaction() -> Iterator[None]:
    """Django closes the database connection at the start and end of each request; inside a
    test's transaction that would end it. The test client disconnects the same signals."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def load_schema(app: WSGIHandler, token: str) -> schemathesis.schemas.BaseSchema:
    """The schema as a client reads it: GET /api/v1/openapi.json with a token."""
    return schemathesis.openapi.from_wsgi(
        SCHEMA_PATH, app, headers={"Authorization": f"Bearer {token}"}
    )


def known_ids(world: World) -> dict[str, list[int | str]]:
    """Ids of real objects on both sides, by the name of the parameter or field naming them:
    a generated id alone almost never names anything, so half the time one of these is used."""
    ids: dict[str, list[int | str]] = {}

    def add(name: str, *values: Any) -> None:
        ids.setdefault(name, []).extend(v for v in values if v is not None)

    for side in (world.a, world.b):
        o = side.objects
        places = [side.community, side.compound, side.building, side.household, side.street]
        add("place_id", *(p.pk for p in places))
        add("parent", *(p.pk for p in places))
        add("community_id", side.community.pk)
        add("to_community_id", side.community.pk)
        add("scope_id", side.district.pk, side.street.pk)
        add("household_id", side.household.pk)
        add("household", side.household.pk)
        add("building", side.building.pk)
        add("resident_id", *(r.pk for r in o["residents"]))
        add("job_id", str(o["job"].pk), str(o["lab_job"].pk))
        add("order_id", o["order"].pk)
        add("enlistment_id", o["enlistment"].pk)
        add("enlistment_ids", o["enlistment"].pk)
        add("draft_id", o["draft"].pk)
        add("batch_id", o["batch"].pk)
        add("staff_id", *(s.pk for s in o["people"]), o["volunteer"].pk)
        add("staff_ids", *(s.pk for s in o["people"]))
        add("replacement_id", *(s.pk for s in o["people"]))
        add("roster_id", o["roster"].pk)
        add("call_id", o["call"].pk)
        add("change_id", o["change"].pk)
        add("assignment_id", o["assignment"].pk)
        add("post_id", o["post"].pk)
        add("gate_id", o["gate"].pk)
        add("pass_id", o["entry_pass"].pk)
        add("round_id", o["round"].pk)
        add("transfer_id", o["transfer"].pk)
        add("recall_id", o["recall"].pk)
        add("station_id", o["station"].pk)
    return ids


@dataclass
class Found:
    """One failed check: where, which check, what it said, and how to send the request again."""

    user: str
    operation: str
    check: str
    status: int
    message: str
    curl: str

    def __str__(self) -> str:
        where = f"{self.user} {self.operation} → {self.status} [{self.check}]"
        return f"{where} {self.message}\n{self.curl}"


@dataclass
class Report:
    operations: int = 0
    cases: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    found: list[Found] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def server_errors(self) -> list[Found]:
        return [f for f in self.found if f.status >= 500 or "ServerError" in f.check]

    @property
    def schema_violations(self) -> list[Found]:
        return [f for f in self.found if f not in self.server_errors]


def _use_known(data: st.DataObject, value: Any, ids: dict[str, list[int | str]]) -> Any:
    """Walk a generated body or query; replace ids by real ones about half the time."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in ids and data.draw(st.booleans()):
                if isinstance(item, list):
                    item = data.draw(st.lists(st.sampled_from(ids[key]), min_size=1, max_size=3))
                elif isinstance(item, int | str) and not isinstance(item, bool):
                    item = data.draw(st.sampled_from(ids[key]))
            if key in SOLVER_SECONDS and isinstance(item, int | float) and item > 0:
                item = min(item, SOLVER_SECONDS[key])
            out[key] = _use_known(data, item, ids)
        return out
    if isinstance(value, list):
        return [_use_known(data, v, ids) for v in value]
    return value


def fuzz_operation(
    operation: Any,
    *,
    app: WSGIHandler,
    user: str,
    token: str,
    ids: dict[str, list[int | str]],
    examples: int,
    seed: int,
    report: Report,
) -> None:
    """`examples` generated requests to one operation as one user: two thirds valid by the
    schema, one third not (which must be refused with a declared 4xx, never a 5xx)."""
    headers = {"Authorization": f"Bearer {token}"}
    positive = operation.as_strategy(GenerationMode.POSITIVE)
    negative = operation.as_strategy(GenerationMode.NEGATIVE)
    label = f"{operation.method.upper()} {operation.path}"
    checks = CHECKS
    if label == HEALTH:
        # Its 503 is an answer (no worker runs beside the tests; `?strict=true` says so), in
        # the declared HealthOut body, which the other checks still read.
        checks = [c for c in CHECKS if c is not not_a_server_error]

    @hypothesis.seed(seed)
    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @hypothesis.given(data=st.data())
    def run(data: st.DataObject) -> None:
        valid = data.draw(st.integers(0, 2)) > 0
        case = data.draw(positive if valid else negative)
        if valid:
            for name in list(case.path_parameters or {}):
                if name in ids and data.draw(st.booleans()):
                    case.path_parameters[name] = data.draw(st.sampled_from(ids[name]))
            if isinstance(case.body, dict):
                case.body = _use_known(data, case.body, ids)
            if case.query:
                case.query = _use_known(data, case.query, ids)
        response = case.call(app=app, headers=headers)
        report.cases += 1
        report.statuses[response.status_code] = report.statuses.get(response.status_code, 0) + 1
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except (FailureGroup, Failure) as exc:
            failures = exc.exceptions if isinstance(exc, FailureGroup) else [exc]
            for failure in failures:
                report.found.append(
                    Found(
                        user=user,
                        operation=label,
                        check=type(failure).__name__,
                        status=response.status_code,
                        message=f"{failure.title}: {failure.message}"[:600],
                        curl=case.as_curl_command(headers=headers)[:600],
                    )
                )

    run()


def fuzz(
    world: World,
    *,
    users: dict[str, str],
    examples: int,
    seed: int,
    only: str | None = None,
) -> Report:
    """Every operation (or those whose path contains `only`) as each user (name → token)."""
    app = WSGIHandler()
    report = Report()
    started = time.perf_counter()
    ids = known_ids(world)
    with in_test_transaction():
        schema = load_schema(app, next(iter(users.values())))
        operations = [r.ok() for r in schema.get_all_operations()]
        operations = [op for op in operations if only is None or only in op.path]
        report.operations = len(operations)
        for user, token in users.items():
            for number, operation in enumerate(operations):
                fuzz_operation(
                    operation,
                    app=app,
                    user=user,
                    token=token,
                    ids=ids,
                    examples=examples,
                    seed=random.Random(f"{seed}:{user}:{number}").randrange(2**32),
                    report=report,
                )
    report.seconds = time.perf_counter() - started
    return report


def summary(report: Report) -> str:
    return json.dumps(
        {
            "operations": report.operations,
            "cases": report.cases,
            "statuses": dict(sorted(report.statuses.items())),
            "server_errors": len(report.server_errors),
            "schema_violations": len(report.schema_violations),
            "seconds": round(report.seconds, 1),
        }
    )


def write_report(report: Report, path: str, user: str) -> None:
    """Append the run's figures and findings, one JSON line per user."""
    line = json.loads(summary(report))
    line["user"] = user
    line["found"] = [f.__dict__ for f in report.found]
    with open(path, "a", encoding="utf-8") as out:
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
