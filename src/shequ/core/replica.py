"""Reading dashboards, exports and reports from a read replica (`DATABASE_REPLICA_URL`).

Only code that asks for it reads from the replica: a selector decorated with (or a block
inside) `replica_reads()`: the HQ's "today", report roll-ups and trends, a round's coverage,
report files. Everything else — every write, and every read of a page or API call that
writes — stays on the primary (`default`). Reads stay on the primary too:

* inside a transaction on the primary (a service reading what it has just written);
* for `PIN_SECONDS` after the same browser or client sent a write (POST, PUT, PATCH,
  DELETE): `PinToPrimaryMiddleware` leaves a short-lived cookie, so someone who submits a
  report and opens the dashboard sees their own figure even while the replica lags behind.

Without `DATABASE_REPLICA_URL` (no "replica" database) the router answers nothing and all
reads go to `default`, as before. Migrations run on `default` only.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
PIN_COOKIE = "shequ_primary"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

_reading = contextvars.ContextVar("shequ_replica_reads", default=False)
_pinned = contextvars.ContextVar("shequ_pinned_to_primary", default=False)


def pin_seconds() -> int:
    return int(getattr(settings, "REPLICA_PIN_SECONDS", 10))


def configured() -> bool:
    return REPLICA in connections.settings


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads inside may go to the replica (also usable as a decorator)."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


@contextmanager
def primary_only() -> Iterator[None]:
    """Reads inside stay on the primary, even inside `replica_reads()`."""
    token = _pinned.set(True)
    try:
        yield
    finally:
        _pinned.reset(token)


def read_alias() -> str:
    """Where a read asked for now goes: the replica only when configured, asked for, not
    pinned, and not inside a transaction on the primary."""
    if not _reading.get() or _pinned.get() or not configured():
        return DEFAULT_DB_ALIAS
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS  # read-your-writes inside a service's transaction
    return REPLICA


class ReplicaRouter:
    """settings.DATABASE_ROUTERS: reads per `read_alias()`, writes and migrations on
    default."""

    def db_for_read(self, model: type, **hints: Any) -> str:
        return read_alias()

    def db_for_write(self, model: type, **hints: Any) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # the same data on both

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db != REPLICA


class PinToPrimaryMiddleware:
    """A client that has just written reads from the primary for `REPLICA_PIN_SECONDS`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not configured():
            return self.get_response(request)
        wrote = request.method not in SAFE_METHODS
        try:
            until = float(request.COOKIES.get(PIN_COOKIE, "0"))
        except ValueError:
            until = 0.0
        token = _pinned.set(wrote or until > time.time())
        try:
            response = self.get_response(request)
        finally:
            _pinned.reset(token)
        if wrote:
            seconds = pin_seconds()
            response.set_cookie(
                PIN_COOKIE, f"{time.time() + seconds:.0f}", max_age=seconds, samesite="Lax",
                httponly=True, secure=request.is_secure(),
            )  # fmt: skip
        return response
