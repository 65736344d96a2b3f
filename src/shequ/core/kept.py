"""Aggregates kept for a while in the shared cache, so that a wide page (the city HQ's today,
the counts of a city's places) is computed once for everyone, not on each view.

The cache is the database's own table (settings.CACHES, created by core's migration 0010):
every app server and the worker see the same entries, on SQLite and PostgreSQL alike, with
nothing more to run. Only aggregates go in (counts per community or building, never a
person's data). `kept()` answers from the cache while the entry is younger than its
seconds and computes it otherwise; inside `refreshing()` (the worker's periodic warm-up,
reports/warm.py) it computes and stores whatever is there, so the views that follow find it
fresh and none of them pays for the whole city.
"""

from __future__ import annotations

import contextvars
import hashlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache

T = TypeVar("T")
_refreshing = contextvars.ContextVar("shequ_kept_refreshing", default=False)


def digest(parts: Iterable[object]) -> str:
    """A short key for a scope (its paths, its community ids): same parts, same key."""
    text = ",".join(map(str, parts))
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def kept(key: str, compute: Callable[[], T], seconds: int | None = None) -> T:
    """compute(), kept `seconds` (default SHEQU_TODAY_CACHE_SECONDS; 0: computed every
    time) under `key` in the shared cache."""
    seconds = settings.TODAY_CACHE_SECONDS if seconds is None else seconds
    if seconds <= 0:
        return compute()
    if not _refreshing.get():
        found = cache.get(key)
        if found is not None:
            return found
    value = compute()
    cache.set(key, value, seconds)
    return value


@contextmanager
def refreshing() -> Iterator[None]:
    """Inside, `kept()` computes and stores every entry it is asked for."""
    token = _refreshing.set(True)
    try:
        yield
    finally:
        _refreshing.reset(token)
