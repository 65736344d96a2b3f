"""The /api/v1 ninja API: mounts each app's router, turns errors into JSON answers.

Every error is `{"detail": …, "errors": [{"field", "message"}]}` (docs/api.md). The handlers
here cover what happens inside an operation; shequ.web.middleware.ApiErrorsAsJson covers the
rest (unknown paths, wrong methods, errors raised before the API is reached).
"""

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import DEFAULT_DB_ALIAS, DatabaseError, IntegrityError, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError
from ninja.openapi.schema import OpenAPISchema

import shequ
from shequ.assistance.api import router as help_router
from shequ.checkpoints.api import router as checkpoints_router
from shequ.core.api import router as imports_router
from shequ.core.api_auth import SessionAuth, TokenAuth
from shequ.core.errors import ValidationError
from shequ.core.schemas import ErrorOut
from shequ.duty.api import router as duty_router
from shequ.inspections.api import router as inspections_router
from shequ.mobilization.api import router as mobilization_router
from shequ.notices.api import router as notices_router
from shequ.outreach.api import router as outreach_router
from shequ.patrols.api import router as patrols_router
from shequ.places.api import router as places_router
from shequ.reports.api import router as reports_router
from shequ.residents.api import router as residents_router
from shequ.supplies.api import router as supplies_router
from shequ.testing.api import router as testing_router
from shequ.web.middleware import RETRY_AFTER, is_database_locked, too_large

logger = logging.getLogger(__name__)


def docs_for_users(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The API's docs page and schema are for logged-in users (a session or a bearer token)
    unless SHEQU_API_DOCS_PUBLIC: they map every endpoint of a system holding personal data."""

    @wraps(view)
    def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.API_DOCS_PUBLIC and not request.user.is_authenticated:
            token_user = TokenAuth()(request)
            if not token_user:
                if request.path.endswith(".json"):
                    return _error(request, 401, _("Log in or send a valid API token."))
                return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return guarded


# Answers any operation may give, declared on each by the schema (docs/api.md, "Errors"); an
# operation declares its own 403, 404 and 409 (`response={200: X, **errors(404)}`).
ANY_OPERATION = {
    400: "A text holding a NUL character, a body that is not JSON, or a rule of the domain "
    "broken; `errors` names the field.",
    503: "The database was busy: nothing was written; send again after `Retry-After` seconds.",
}
WITH_AUTH = {401: "No or bad credentials."}
WITH_INPUT = {422: "The path, query or body does not match the schema; `errors` names each field."}


class ShequAPI(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict | None = None
    ) -> OpenAPISchema:
        """ninja's schema, with the error answers every operation shares (above)."""
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        ref = {"$ref": "#/components/schemas/ErrorOut"}
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault(
            "ErrorOut", ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        )
        for defs in components["ErrorOut"].pop("$defs", {}).items():
            components.setdefault(*defs)
        for methods in schema["paths"].values():
            for operation in methods.values():
                shared = dict(ANY_OPERATION)
                if operation.get("security"):
                    shared.update(WITH_AUTH)
                if operation.get("parameters") or operation.get("requestBody"):
                    shared.update(WITH_INPUT)
                responses = operation["responses"]
                for code, description in shared.items():
                    responses.setdefault(
                        code,
                        {
                            "description": description,
                            "content": {"application/json": {"schema": ref}},
                        },
                    )
                operation["responses"] = dict(sorted(responses.items(), key=lambda r: int(r[0])))
        return schema


api = ShequAPI(
    title="Shequ API",
    version="1",
    description="Community-level epidemic response. Authenticate with `Authorization: Bearer "
    "<token>` (`shequ token create USER`) or a logged-in session.",
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api",
    docs_decorator=docs_for_users,
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


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    # ninja's own refusals: a session without its CSRF token, a body that is not JSON.
    if exc.status_code == 403 and "CSRF" in exc.message:
        detail = _(
            "CSRF check failed: with a logged-in session, send the X-CSRFToken header with "
            "the csrftoken cookie's value; scripts should use a bearer token instead."
        )
    elif exc.status_code == 400 and "parse" in exc.message:
        detail = _("The body is not valid JSON.")
    else:
        detail = exc.message
    return _error(request, exc.status_code, detail)


@api.exception_handler(RequestDataTooBig)
def on_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return too_large(request)


@api.exception_handler(SuspiciousOperation)
def on_suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    logging.getLogger("django.security").warning("%s: %s", type(exc).__name__, exc)
    return _error(request, 400, _("The request is malformed."))


@api.exception_handler(Exception)
def on_server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    if is_database_locked(exc):
        # SQLite's write lock stayed busy past the busy timeout: nothing was written.
        logger.warning("database is locked: %s %s", request.method, request.path)
        response = _error(
            request, 503, _("The database is busy; send the same request again in a moment.")
        )
        response["Retry-After"] = RETRY_AFTER
        return response
    # Logged as Django logs an uncaught error, so the same alerts fire.
    logging.getLogger("django.request").error(
        "Internal Server Error: %s",
        request.path,
        exc_info=exc,
        extra={"status_code": 500, "request": request},
    )
    return _error(
        request, 500, _("Something went wrong; the error has been logged. Try again in a minute.")
    )


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
def health(request: HttpRequest, strict: bool = False) -> Status[dict]:
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
api.add_router("/reports", reports_router)
api.add_router("/help", help_router)
api.add_router("/inspections", inspections_router)
api.add_router("/outreach", outreach_router)

api.add_router("/supplies", supplies_router)
api.add_router("/patrols", patrols_router)
api.add_router("/notices", notices_router)
