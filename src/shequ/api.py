"""The /api/v1 ninja API: mounts each app's router, turns errors into JSON 4xx answers."""

import logging

from django.core.exceptions import PermissionDenied
from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as SchemaValidationError

import shequ
from shequ.checkpoints.api import router as checkpoints_router
from shequ.core.api import router as imports_router
from shequ.core.api_auth import SessionAuth, TokenAuth
from shequ.core.errors import ValidationError
from shequ.duty.api import router as duty_router
from shequ.mobilization.api import router as mobilization_router
from shequ.places.api import router as places_router
from shequ.residents.api import router as residents_router
from shequ.testing.api import router as testing_router

logger = logging.getLogger(__name__)

api = NinjaAPI(
    title="Shequ API",
    version="1",
    description="Community-level epidemic response. Authenticate with `Authorization: Bearer "
    "<token>` (`shequ token create USER`) or a logged-in session.",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
)


def _error(
    request: HttpRequest, status: int, detail: str, errors: list | None = None
) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": errors or []}, status=status)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _error(request, 400, _("Some fields need fixing."), exc.as_list())


@api.exception_handler(SchemaValidationError)
def on_schema_error(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
    errors = []
    for err in exc.errors:
        loc = [str(part) for part in err.get("loc", ()) if part not in ("body", "payload", "query")]
        errors.append({"field": ".".join(loc) or "body", "message": err.get("msg", "")})
    return _error(request, 422, _("The request is malformed; see errors."), errors)


@api.exception_handler(IntegrityError)
def on_conflict(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    # Two devices sending the same thing at the same moment: the database kept one; the
    # other may simply send again and get the first answer.
    return _error(request, 409, _("Someone else changed this at the same moment; send again."))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, _("Not found."))


@api.exception_handler(OverflowError)
def on_huge_number(request: HttpRequest, exc: OverflowError) -> HttpResponse:
    # An id too large for the database (SQLite refuses it outright) names nothing.
    return _error(request, 404, _("Not found."))


@api.exception_handler(PermissionDenied)
def on_forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, str(exc) or _("You may not do this."))


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, _("Log in or send a valid API token."))


class WorkerHealthOut(Schema):
    ok: bool
    required: bool
    alive: int
    stalled: int
    dead: int
    last_beat_seconds: int | None
    queued: int
    oldest_queued_seconds: int


class HealthOut(Schema):
    status: str
    database: bool
    migrations_applied: bool
    version: str
    worker: WorkerHealthOut | None = None


@api.get("/health", auth=None, response={200: HealthOut, 503: HealthOut}, tags=["health"])
def health(request: HttpRequest, strict: bool = False):  # type: ignore[no-untyped-def]
    """Database reachable, migrations applied, the background worker alive and keeping up.

    "ok"; "degraded" (200) when no worker is alive, one stalled or died, or the oldest
    queued task waited longer than SHEQU_WORKER_QUEUE_ALERT_SECONDS: pages still serve, so
    a load balancer keeps this server, but imports wait; "unavailable" (503) without the
    database. `?strict=true` answers 503 for "degraded" too, for monitors that read codes.
    """
    from shequ.core.workers import worker_health

    database = migrated = False
    worker = None
    try:
        connection = connections[DEFAULT_DB_ALIAS]
        connection.ensure_connection()
        database = True
        executor = MigrationExecutor(connection)
        migrated = not executor.migration_plan(executor.loader.graph.leaf_nodes())
        if migrated:
            worker = worker_health()
    except DatabaseError:
        logger.exception("health check: database unavailable")
    if not (database and migrated):
        status = "unavailable"
    elif worker is not None and not worker["ok"]:
        status = "degraded"
    else:
        status = "ok"
    body = {
        "status": status,
        "database": database,
        "migrations_applied": migrated,
        "version": shequ.__version__,
        "worker": worker,
    }
    failing = status == "unavailable" or (strict and status != "ok")
    return Status(503 if failing else 200, body)


api.add_router("/places", places_router)
api.add_router("/residents", residents_router)
api.add_router("/mobilization", mobilization_router)
api.add_router("/imports", imports_router)
api.add_router("/duty", duty_router)
api.add_router("/checkpoints", checkpoints_router)
api.add_router("/testing", testing_router)
