"""A real `shequ worker` killed with SIGKILL in the middle of an import's write pass: no row
is written, and the next worker ends the job as failed with nothing claimed, deletes its
upload, and leaves nothing queued, checking or saving. Runs on SQLite, and on PostgreSQL
when SHEQU_TEST_PG=1 (the database under test is then PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django_tasks_db.models import DBTaskResult

from shequ.core.imports import import_job_create
from tests.core.conftest import imports_folder
from tests.residents.factories import id_number

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = 12_000  # enough that the write pass lasts long enough to be caught in it
ROOT = Path(__file__).resolve().parents[2]


def resident_list(rows: int) -> bytes:
    lines = ["姓名,证件号码,户编码"]
    for i in range(rows):
        born = dt.date(1960, 1, 1) + dt.timedelta(days=i // 900)
        lines.append(f"居民{i},{id_number(born, seq=i % 900)},KA-1-101")
    return "\n".join(lines).encode()


class SharedDatabase:
    """The database under test, for a second process: its environment, and queries of what
    that process wrote. SQLite's test database lives in memory, so it is copied to a file
    (schema and rows) once the test's rows are in; PostgreSQL's is shared as it is."""

    def __init__(self, var_dir: Path, folder: Path):
        self.env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
            "DJANGO_SETTINGS_MODULE": "shequ.settings",
            "SHEQU_VAR_DIR": str(var_dir),
            "SHEQU_PII_KEY": settings.PII_KEY,
            "SHEQU_SECRET_KEY": settings.SECRET_KEY,
            "SHEQU_WORKER_HEARTBEAT_SECONDS": "1",
        }
        self.file = folder / "shared.sqlite3"

    def share(self) -> None:
        if connection.vendor == "sqlite":
            target = sqlite3.connect(self.file)
            connection.ensure_connection()
            connection.connection.backup(target)
            target.close()
            self.env["DATABASE_URL"] = f"sqlite:///{self.file}"
        else:
            db = connection.settings_dict
            self.env["DATABASE_URL"] = (
                f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
                f"/{db['NAME']}"
            )

    def query(self, sql: str, *params: object) -> list[tuple]:
        if connection.vendor == "sqlite":
            with sqlite3.connect(self.file, timeout=30) as c:
                return c.execute(sql.replace("%s", "?"), params).fetchall()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def job_id(self, pk: object) -> str:
        return pk.hex if connection.vendor == "sqlite" else str(pk)

    def worker(self) -> subprocess.Popen:
        command = [sys.executable, "-m", "shequ", "worker"]
        return subprocess.Popen(command, env=self.env, cwd=ROOT)  # noqa: S603 - our interpreter


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.02)


def test_a_worker_killed_while_saving_leaves_no_rows_and_its_job_ends_failed(
    personas, city, var_dir, tmp_path
):
    shared = SharedDatabase(var_dir, tmp_path)
    job = import_job_create(
        actor=personas.staff_a,
        kind="residents",
        upload=io.BytesIO(resident_list(ROWS)),
        filename="居民.csv",
        place=city.a,
    )  # queued, as the page queues it
    shared.share()
    job_id = shared.job_id(job.pk)

    def job_row() -> tuple:
        sql = "SELECT status, created, message FROM core_importjob WHERE id = %s"
        return shared.query(sql, job_id)[0]

    def residents() -> int:
        return shared.query("SELECT COUNT(*) FROM residents_resident")[0][0]

    worker = shared.worker()
    try:
        wait_for(lambda: job_row()[0] == "saving", "the write pass")
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert job_row()[0] == "saving"  # as the killed worker left it…
    assert residents() == 0  # …with its transaction rolled back

    again = shared.worker()
    try:
        tasks = f"SELECT status FROM {DBTaskResult._meta.db_table}"  # noqa: S608 - a model's table
        wait_for(
            lambda: job_row()[0] == "failed" and shared.query(tasks) == [("FAILED",)],
            "the next worker to end the job and its task",
        )
        _status, created, message = job_row()
        assert created == 0
        assert "重新上传" in message or "Upload the file again" in message
        assert residents() == 0
        assert imports_folder(var_dir) == []
        running = (
            "SELECT COUNT(*) FROM core_importjob WHERE status IN ('queued', 'checking', 'saving')"
        )
        assert shared.query(running) == [(0,)]
        beats = "SELECT COUNT(*) FROM core_workerheartbeat"
        wait_for(lambda: shared.query(beats) == [(1,)], "only the living worker to beat")
    finally:
        again.send_signal(signal.SIGTERM)
        again.wait(timeout=60)
    assert shared.query(beats) == [(0,)]  # it left cleanly
