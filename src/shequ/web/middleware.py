"""Middleware for every request: input no database may store, errors of the API in its own
JSON format, responses with personal data kept out of caches, and huge ids.

Order in settings.MIDDLEWARE: ApiErrorsAsJson then NoStoreForPersonalData sit right inside
LocaleMiddleware (so messages are in the request's language), outside everything that may
answer an error; RefuseNulCharacters comes after authentication and messages, so its page
renders as any other.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.db import OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

GetResponse = Callable[[HttpRequest], HttpResponse]
API_PREFIX = "/api/"
NUL = "\x00"
# Seconds a client should wait before trying again when SQLite's write lock was busy.
RETRY_AFTER = "2"


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def api_error(
    status: int, detail: str, errors: list[dict[str, str]] | None = None, **headers: str
) -> JsonResponse:
    """An error in the API's documented format: {"detail": …, "errors": [{field, message}]}."""
    response = JsonResponse({"detail": detail, "errors": errors or []}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def is_database_locked(exc: BaseException | None) -> bool:
    """SQLite's one write lock stayed busy past the busy timeout (a long write elsewhere)."""
    return isinstance(exc, OperationalError) and "database is locked" in str(exc)


def database_busy(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: JSON on the API, a page that says to try again otherwise."""
    if is_api(request):
        message = _("The database is busy; send the same request again in a moment.")
        return api_error(503, message, Retry_After=RETRY_AFTER)
    # No request context: its processors query the database, which is what is busy.
    response = HttpResponse(render_to_string("web/error.html", {"code": 503}), status=503)
    response["Retry-After"] = RETRY_AFTER
    return response


# --- NUL characters -------------------------------------------------------------------------


def _nul_message() -> str:
    return _("Remove the NUL character (\\0) from this text: it cannot be stored.")


def _nul_in_json(data: Any, path: str = "") -> str | None:
    """The dotted path (`items.3.name`) of the first string holding NUL, or None."""
    if isinstance(data, str):
        return path or "body" if NUL in data else None
    if isinstance(data, dict):
        items: Iterator[tuple[Any, Any]] = iter(data.items())
    elif isinstance(data, list):
        items = iter(enumerate(data))
    else:
        return None
    for key, value in items:
        here = f"{path}.{key}" if path else str(key)
        if NUL in str(key):
            return here.replace(NUL, "")
        found = _nul_in_json(value, here)
        if found is not None:
            return found
    return None


def _nul_field(request: HttpRequest) -> str | None:
    """The name of the first part of the request holding a NUL character, or None."""
    if NUL in request.path_info:
        return "path"
    for name, values in request.GET.lists():
        if NUL in name or any(NUL in v for v in values):
            return name.replace(NUL, "")
    content_type = request.content_type or ""
    if request.method == "POST" and content_type in {
        "application/x-www-form-urlencoded",
        "multipart/form-data",
    }:
        for name, values in request.POST.lists():
            if NUL in name or any(NUL in v for v in values):
                return name.replace(NUL, "")
        for name, upload in request.FILES.items():
            if NUL in name or NUL in (upload.name or ""):
                return name.replace(NUL, "")
    elif content_type == "application/json" or content_type.endswith("+json"):
        body = request.body
        # JSON spells NUL `\u0000`; parse only then, to say which field holds it.
        if b"\\u0000" in body:
            try:
                data = json.loads(body)
            except ValueError:
                return None  # not JSON at all: the API answers that itself
            if isinstance(data, dict) and isinstance(data.get("items"), list):
                # A device batch (`{"items": [...]}`, core/batches.py) answers each item on its
                # own: a NUL in one item is that item's refusal, never the whole batch's.
                data = {key: value for key, value in data.items() if key != "items"}
            return _nul_in_json(data)
    return None


class RefuseNulCharacters:
    """A NUL character anywhere in what a request carries — its path, a query parameter, a
    form field or file name, a string in a JSON body — is refused with a 400 naming the field.

    No person types one, and PostgreSQL cannot store or even compare one: a search for it was
    a 500. One rule here, before any view, for pages and API alike.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            field = _nul_field(request)
        except (RequestDataTooBig, TooManyFieldsSent):
            return too_large(request)
        if field is None:
            return self.get_response(request)
        message = _nul_message()
        if is_api(request):
            return api_error(
                400, _("Some fields need fixing."), [{"field": field, "message": message}]
            )
        return render(
            request,
            "web/error.html",
            {"code": 400, "field": field, "message": message},
            status=400,
        )


def too_large(request: HttpRequest) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE // (1024 * 1024)
    message = _("The request is too large: at most %(mb)s MB, or 1,000 fields.") % {"mb": limit}
    if is_api(request):
        return api_error(413, message)
    return render(request, "web/error.html", {"code": 413, "message": message}, status=413)


# --- API errors as JSON ---------------------------------------------------------------------


def _api_detail(response: HttpResponse, request: HttpRequest) -> str:
    status = response.status_code
    if status == 404:
        return _("Not found.")
    if status == 405:
        return _("%(method)s is not allowed here; allowed: %(allowed)s.") % {
            "method": request.method,
            "allowed": response.get("Allow", ""),
        }
    if status == 403:
        return _("You may not do this.")
    if status == 400:
        return _("The request is malformed.")
    if status == 413:
        return _("The request is too large.")
    if status == 503:
        return _("The database is busy; send the same request again in a moment.")
    if status >= 500:
        return _("Something went wrong; the error has been logged. Try again in a minute.")
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return str(status)


class ApiErrorsAsJson:
    """Every error under /api/ comes back in the API's JSON format, also those answered before
    or around the API's own handlers: an unknown path (404), a wrong method (405), a refused
    CSRF check (403), an oversize body (413), a server error (500) or a busy database (503)."""

    # Headers of the answer replaced that still hold (caching, what else to try).
    KEEP = ("Allow", "Retry-After", "WWW-Authenticate", "Cache-Control", "Expires", "Vary")

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not is_api(request) or response.status_code < 400:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        answer = api_error(response.status_code, _api_detail(response, request))
        for header in self.KEEP:
            if header in response:
                answer[header] = response[header]
        return answer


# --- caches ---------------------------------------------------------------------------------


class NoStoreForPersonalData:
    """`Cache-Control: no-store` on every answer that may carry personal data: everything a
    logged-in user (or an API token) gets, and every download. A shared phone's browser, a
    proxy or a back button must not keep a resident's ID number or a missed list.

    Left cacheable: static files (served before this by WhiteNoise), the login page and the
    other pages of someone not logged in, which hold no one's data.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        personal = (
            (user is not None and user.is_authenticated)
            or "Authorization" in request.headers
            or response.has_header("Content-Disposition")
        )
        if personal:
            add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private
        return response


# --- ids ------------------------------------------------------------------------------------


class HugeIdsAreNotFound:
    """An id in a URL too large for the database (SQLite raises OverflowError) is a 404."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, OverflowError):
            raise Http404("no such object")
