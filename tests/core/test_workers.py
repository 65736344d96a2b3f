"""Background work that dies is noticed: the worker beats, work whose runner is gone ends as
failed with nothing claimed, /api/v1/health says when no worker keeps up, `shequ serve`
starts a worker that exits again, and a locked SQLite file is waited out, not died of."""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import subprocess
import sys
import time
from unittest import mock

import pytest
from django.db import OperationalError
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from shequ.core import imports, workers
from shequ.core.imports import import_job_create, run_import
from shequ.core.models import ImportJob, ImportStatus, WorkerHeartbeat
from shequ.core.tasks import run_import_task
from shequ.residents.models import Resident
from tests.core.conftest import imports_folder
from tests.residents.factories import id_number

ROWS = f"姓名,证件号码,楼栋,房号\n张三,{id_number(dt.date(1980, 5, 17), seq=13)},1号楼,101\n"


def dead_pid() -> int:
    """The id of a process that has ended (and been waited for) on this host."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def queued_job(user, place) -> ImportJob:
    return import_job_create(
        actor=user,
        kind="residents",
        upload=io.BytesIO(ROWS.encode()),
        filename="r.csv",
        place=place,
        enqueue=False,
    )


def saving(job: ImportJob, runner: str) -> ImportJob:
    """The job as a worker left it when it was killed in its write pass."""
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.SAVING, worker_id=runner, processed_rows=8000, total_rows=8000,
        created=8000,
    )  # fmt: skip
    job.refresh_from_db()
    return job


def beat(worker_id: str, *, host: str = workers.HOST, pid: int | None = None, ago: int = 0):
    return WorkerHeartbeat.objects.create(
        worker_id=worker_id,
        hostname=host,
        pid=os.getpid() if pid is None else pid,
        beat_at=timezone.now() - dt.timedelta(seconds=ago),
    )


# --- orphaned work ----------------------------------------------------------------------------


def test_a_worker_starting_fails_the_import_of_a_killed_worker(personas, city, var_dir):
    job = saving(queued_job(personas.staff_a, city.a), "killed")
    beat("killed", pid=dead_pid())
    task = run_import_task.enqueue(str(job.pk))
    DBTaskResult.objects.filter(pk=task.id).update(status="RUNNING", worker_ids=["killed"])
    assert len(imports_folder(var_dir)) == 1

    workers.Heartbeat("next").start(thread=False)

    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert "Upload the file again" in job.message or "重新上传" in job.message
    assert (job.created, job.updated, job.unchanged) == (0, 0, 0)  # 8000 "created" was a lie
    assert job.finished
    assert job.percent == 100
    assert imports_folder(var_dir) == []
    assert DBTaskResult.objects.get(pk=task.id).status == "FAILED"
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["next"]
    assert not Resident.objects.exists()


@pytest.mark.parametrize(
    ("runner", "heartbeat", "gone"),
    [
        ("live", {"ago": 1}, False),
        ("silent", {"ago": 3600, "host": "elsewhere"}, True),  # stale: taken for dead
        ("far", {"ago": 1, "host": "elsewhere"}, False),
        ("left", None, True),  # stopped cleanly, heartbeat gone with it
        ("", None, True),  # queued by a version without runners
        ("proc:here", None, False),  # `shequ import` in this very process, running
        ("proc:elsewhere:1", None, False),  # another machine's process: cannot be seen
    ],
)
def test_work_is_failed_only_when_its_runner_is_gone(
    personas, city, var_dir, runner, heartbeat, gone
):
    job = saving(queued_job(personas.staff_a, city.a), runner)
    if heartbeat is not None:
        beat(runner, **heartbeat)
    workers.stop_orphaned_work()
    job.refresh_from_db()
    assert job.status == (ImportStatus.FAILED if gone else ImportStatus.SAVING)


def test_an_import_by_a_dead_command_is_failed(personas, city, var_dir):
    job = saving(queued_job(personas.staff_a, city.a), f"proc:{workers.HOST}:{dead_pid()}")
    assert workers.stop_orphaned_work().jobs == 1
    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED


def test_a_worker_taken_for_dead_cannot_land_its_rows_afterwards(
    personas, city, var_dir, monkeypatch
):
    write_pass = imports._write_pass

    def reaped_first(job, *args):
        # Another worker gives up on this one (its beats were late) as it starts writing.
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportStatus.FAILED, message="stopped", created=0
        )
        return write_pass(job, *args)

    monkeypatch.setattr(imports, "_write_pass", reaped_first)
    job = run_import(queued_job(personas.staff_a, city.a).pk)
    assert (job.status, job.message, job.created) == (ImportStatus.FAILED, "stopped", 0)
    assert not Resident.objects.exists()  # written, then rolled back with the job's "done"
    assert imports_folder(var_dir) == []


def test_old_uploads_no_job_needs_are_deleted_when_a_worker_starts(personas, city, var_dir):
    queued = queued_job(personas.staff_a, city.a)
    folder = imports.upload_dir()
    stray = folder / "3f1c2d4e-0000-4000-8000-000000000000.xlsx"  # kept by an old version
    stray.write_bytes(b"629999198005170133")
    fresh = folder / "3f1c2d4e-0000-4000-8000-000000000001.upload"  # an upload in progress
    fresh.write_bytes(b"x")
    hour_ago = time.time() - 3600
    os.utime(stray, (hour_ago, hour_ago))
    os.utime(queued.stored_path, (hour_ago, hour_ago))
    workers.Heartbeat("w").start(thread=False)
    assert set(imports_folder(var_dir)) == {fresh, folder / f"{queued.pk}.upload"}


# --- the heartbeat and the health endpoint ----------------------------------------------------


def test_the_heartbeat_is_recorded_and_removed_when_the_worker_stops(db):
    heartbeat = workers.Heartbeat("w1")
    heartbeat.start(thread=False)
    row = WorkerHeartbeat.objects.get()
    assert (row.worker_id, row.hostname, row.pid) == ("w1", workers.HOST, os.getpid())
    assert workers.runner_id() == "w1"
    WorkerHeartbeat.objects.update(beat_at=timezone.now() - dt.timedelta(minutes=5))
    heartbeat.beat()
    assert timezone.now() - WorkerHeartbeat.objects.get().beat_at < dt.timedelta(minutes=1)
    heartbeat.stop()
    assert not WorkerHeartbeat.objects.exists()
    assert workers.runner_id() == f"proc:{workers.HOST}:{os.getpid()}"


def health(client, **params):
    response = client.get("/api/v1/health", params)
    return response.status_code, response.json()


def test_health_is_ok_while_a_worker_beats(client, db):
    beat("w1", ago=2)
    code, body = health(client)
    assert (code, body["status"]) == (200, "ok")
    assert body["worker"]["alive"] == 1
    assert body["worker"]["last_beat_seconds"] >= 2


def test_health_is_degraded_without_a_worker_and_503_when_strict(client, db):
    code, body = health(client)
    assert (code, body["status"], body["worker"]["alive"]) == (200, "degraded", 0)
    assert health(client, strict="true")[0] == 503


@pytest.mark.parametrize(
    ("heartbeat", "field"),
    [({"ago": 3600}, "stalled"), ({"ago": 1, "pid": None}, "dead")],
)
def test_health_reports_a_stalled_or_dead_worker(client, db, heartbeat, field):
    if field == "dead":
        heartbeat["pid"] = dead_pid()
    beat("w1", **heartbeat)
    beat("w2", ago=1)
    code, body = health(client)
    assert (code, body["status"], body["worker"][field]) == (200, "degraded", 1)


def test_health_reports_the_age_of_the_oldest_queued_task(client, personas, city, settings):
    beat("w1", ago=1)
    job = queued_job(personas.staff_a, city.a)
    task = run_import_task.enqueue(str(job.pk))
    DBTaskResult.objects.filter(pk=task.id).update(
        enqueued_at=timezone.now() - dt.timedelta(seconds=settings.WORKER_QUEUE_ALERT_SECONDS + 60)
    )
    code, body = health(client)
    assert (code, body["status"]) == (200, "degraded")
    assert body["worker"]["queued"] == 1
    assert body["worker"]["oldest_queued_seconds"] > settings.WORKER_QUEUE_ALERT_SECONDS


# --- the supervisor ---------------------------------------------------------------------------


class _Quick:
    """A stop event whose waits return at once, recording how long they would have been."""

    def __init__(self, stop_after: int):
        self.waits: list[float] = []
        self.stop_after = stop_after
        self._set = False

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout or 0)
        if len(self.waits) >= self.stop_after:
            self._set = True
        return self._set

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        self._set = True


def test_serve_starts_a_worker_that_exits_again_waiting_longer_each_time(caplog):
    supervisor = workers.WorkerSupervisor(
        [sys.executable, "-c", "import sys; sys.exit(3)"], first_delay=1, max_delay=8
    )
    supervisor._stop = _Quick(stop_after=6)
    with caplog.at_level(logging.ERROR, logger="shequ.core.workers"):
        supervisor._run()
    assert supervisor.exits == [3, 3, 3, 3, 3, 3]
    assert supervisor._stop.waits == [1, 2, 4, 8, 8, 8]
    assert "exited with code 3" in caplog.text
    assert "starting it again in 8 s" in caplog.text


def test_a_killed_worker_is_started_again_and_stop_ends_the_running_one():
    supervisor = workers.WorkerSupervisor(
        [sys.executable, "-c", "import time; time.sleep(600)"], first_delay=0.01
    )
    supervisor.start()
    deadline = time.monotonic() + 60
    while supervisor._process is None and time.monotonic() < deadline:
        time.sleep(0.05)
    first = supervisor._process
    first.kill()  # kill -9
    while supervisor._process is first and time.monotonic() < deadline:
        time.sleep(0.05)
    second = supervisor._process
    assert second is not first
    assert second.poll() is None
    assert supervisor.exits == [-9]
    supervisor.stop()
    assert second.poll() is not None


# --- a locked SQLite file is waited out -------------------------------------------------------


def test_the_worker_goes_on_when_the_database_is_locked(db, monkeypatch):
    calls = []

    def locked_once(self):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("database is locked")

    monkeypatch.setattr(Worker, "run", locked_once)
    monkeypatch.setattr(workers.time, "sleep", lambda seconds: None)
    worker = workers.ShequWorker(
        queue_names=["default"], interval=0, batch=True, backend_name="default",
        startup_delay=False, max_tasks=None, worker_id="w", excluded_queue_names=[],
        heartbeat_thread=False,
    )  # fmt: skip
    with mock.patch("shequ.core.workers.close_old_connections"):
        worker.run()
    assert len(calls) == 2
    assert not WorkerHeartbeat.objects.exists()  # and it left cleanly


def test_an_import_waits_out_a_locked_database(personas, city, var_dir, monkeypatch):
    real = imports._save_errors
    locked = []

    def busy_twice(*args, **kwargs):
        if len(locked) < 2:
            locked.append(1)
            raise OperationalError("database is locked")
        return real(*args, **kwargs)

    monkeypatch.setattr(imports, "_save_errors", busy_twice)
    monkeypatch.setattr(imports.time, "sleep", lambda seconds: None)
    job = run_import(queued_job(personas.staff_a, city.a).pk)
    assert (job.status, job.created) == (ImportStatus.DONE, 1)
    assert len(locked) == 2
