"""The phone's side of Web Push: its service worker, and turning notifications on or off for
the logged-in user (JSON, session login and CSRF token as every page's form)."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from shequ.core.errors import ValidationError
from shequ.core.offline import worker_response
from shequ.notify import services


def _body(request: HttpRequest) -> dict[str, object]:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


@never_cache
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker that shows pushed messages (web/static/shequ/offline-sw.js, its
    push handlers), served under /notify/: no page lives there, so it caches none."""
    return worker_response(cache="shequ-notify", static_files=[])


@login_required
@require_POST
def push_subscribe(request: HttpRequest) -> JsonResponse:
    """This phone's browser shows the user's notifications from now on:
    {"endpoint": ..., "keys": {"p256dh": ..., "auth": ...}} as the browser gives it."""
    data = _body(request)
    keys = data.get("keys")
    keys = keys if isinstance(keys, dict) else {}
    endpoint = _text(data.get("endpoint"))
    try:
        services.push_subscribe(
            user=request.user,
            endpoint=endpoint,
            p256dh=_text(keys.get("p256dh")),
            auth=_text(keys.get("auth")),
            user_agent=request.headers.get("User-Agent", ""),
        )
    except ValidationError as exc:
        return JsonResponse({"errors": exc.errors}, status=400)
    request.session[services.SESSION_ENDPOINT] = endpoint
    return JsonResponse({"subscribed": True}, status=201)


@login_required
@require_POST
def push_unsubscribe(request: HttpRequest) -> JsonResponse:
    """This phone stops showing the user's notifications: {"endpoint": ...}."""
    removed = services.push_unsubscribe(
        user=request.user, endpoint=_text(_body(request).get("endpoint"))
    )
    request.session.pop(services.SESSION_ENDPOINT, None)
    return JsonResponse({"removed": removed})
