"""PostgreSQL-only tests: `race`, which runs callables in truly concurrent transactions, and
the fixtures of the apps they race (the duty app's community A, the checkpoints' gates)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections

from tests.checkpoints.conftest import gates  # noqa: F401 - fixture, for the passage races
from tests.duty.conftest import duty  # noqa: F401 - fixture, for the duty races and `gates`


def race(calls: list[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    """Run each callable in its own thread and connection, released together; the results and
    the exceptions, each in the order they came."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(fn: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            out = fn()
            with lock:
                results.append(out)
        except Exception as exc:  # noqa: BLE001 - every failure is collected and asserted on
            with lock:
                errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(fn,)) for fn in calls]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors
