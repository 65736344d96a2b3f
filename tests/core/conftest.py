"""What the upload and worker tests share: their own var/ folder, and the real worker run
once over the queue."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from unittest import mock

import pytest

from shequ.core.workers import ShequWorker
from tests.testing.conftest import (  # noqa: F401 - fixtures for the lab uploads
    rnd,  # a round and a lab
    sent,  # tubes sent to the lab
)


@pytest.fixture
def var_dir(settings, tmp_path) -> Path:
    """A var/ of the test's own, so the files an import keeps can be looked at (and the
    worker's clean-up of stale files touches nothing else)."""
    settings.VAR_DIR = tmp_path / "var"
    return settings.VAR_DIR


def imports_folder(var: Path) -> list[Path]:
    folder = var / "imports"
    return sorted(folder.iterdir()) if folder.exists() else []


@pytest.fixture
def drain_queue(var_dir) -> Callable[[], None]:
    """Run `shequ worker --batch`: the worker (with its start-up beat and clean-up) takes
    every queued task, then stops. No heartbeat thread: it would open connections outside
    the test's transaction."""

    def _drain() -> None:
        # The worker closes "old" connections between tasks; inside the test's transaction
        # that would be the test's own connection (PostgreSQL), so keep it open.
        with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
            ShequWorker(
                queue_names=["default"],
                interval=0,
                batch=True,
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id="test-worker",
                excluded_queue_names=[],
                heartbeat_thread=False,
            ).run()

    return _drain
