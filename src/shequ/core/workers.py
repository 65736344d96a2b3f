"""The background worker and what keeps it honest.

django-tasks-db's `db_worker` takes tasks from the database queue; it records which worker
claimed a task but has no heartbeat, and a worker killed mid-task leaves its task "running"
and its import "saving" forever. So `shequ worker` runs that worker with:

- a heartbeat: a WorkerHeartbeat row the worker's thread updates every few seconds;
- an end for orphaned work: at start and every REAP_EVERY beats, imports and tasks whose
  runner is gone (its process no longer exists on this host, or its heartbeat is stale, or
  it left) are failed, nothing of them having been written (an import's write pass is one
  transaction, rolled back with the dead connection), and their files deleted;
- patience with SQLite's "database is locked" instead of dying of it;
and `shequ serve` keeps it running with `WorkerSupervisor`.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import OperationalError, close_old_connections, connections
from django.utils import timezone, translation
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.utils import is_locked_database_exception

from shequ.core.models import ImportJob, ImportStatus, WorkerHeartbeat

logger = logging.getLogger(__name__)

REAP_EVERY = 6  # beats between two looks for orphaned work
HOST = socket.gethostname()[:80]
_current: dict[str, str] = {}  # this process's worker id, while its heartbeat runs


def runner_id() -> str:
    """Who runs work in this process: the worker's id, or "proc:<host>:<pid>" (the CLI)."""
    return _current.get("worker") or f"proc:{HOST}:{os.getpid()}"


def process_exists(pid: int) -> bool:
    """Whether a process with this id runs on this host (a zombie does not count)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rpartition(")")[2].split()[:1] != ["Z"]


def _stale_after() -> timedelta:
    return timedelta(seconds=settings.WORKER_STALE_SECONDS)


def heartbeat_state(beat: WorkerHeartbeat, now: datetime) -> str:
    """ "alive", "dead" (its process is gone: we are on its host) or "stalled" (silent)."""
    if beat.hostname == HOST and not process_exists(beat.pid):
        return "dead"
    if now - beat.beat_at > _stale_after():
        return "stalled"
    return "alive"


def _runner_gone(runner: str, beats: dict[str, WorkerHeartbeat], now: datetime) -> bool:
    if runner in beats:
        return heartbeat_state(beats[runner], now) != "alive"
    if runner.startswith("proc:"):
        host, _sep, pid = runner[5:].rpartition(":")
        # A process elsewhere cannot be looked at; it is not taken for dead.
        return host == HOST and pid.isdigit() and not process_exists(int(pid))
    return True  # a worker that stopped (its heartbeat went with it), or none recorded


@dataclass
class Reaped:
    jobs: int = 0
    tasks: int = 0
    workers: int = 0


def stop_orphaned_work(*, now: datetime | None = None) -> Reaped:
    """Fail the imports and tasks whose runner is gone, delete their files, forget dead
    workers. Each job is ended by a conditional update: one that finished meanwhile, or
    whose write pass still holds its transaction, is left as it ends."""
    from django_tasks_db.models import DBTaskResult

    from shequ.core.imports import discard_files

    now = now or timezone.now()
    beats = {b.worker_id: b for b in WorkerHeartbeat.objects.all()}
    reaped = Reaped()
    for job in ImportJob.objects.filter(status__in=(ImportStatus.CHECKING, ImportStatus.SAVING)):
        if not _runner_gone(job.worker_id, beats, now):
            continue
        with translation.override(job.language):
            message = _(
                "The import stopped because the process running it stopped; nothing was "
                "imported. Upload the file again."
            )
        ended = ImportJob.objects.filter(
            pk=job.pk, status=job.status, worker_id=job.worker_id
        ).update(
            status=ImportStatus.FAILED,
            message=message,
            finished_at=now,
            created=0,
            updated=0,
            unchanged=0,
        )
        if ended:
            logger.warning("import %s: its runner %s is gone; marked failed", job.pk, job.worker_id)
            discard_files(job)
            reaped.jobs += 1
    for task in DBTaskResult.objects.running().only("pk", "worker_ids"):
        runner = task.worker_ids[-1] if task.worker_ids else ""
        if not _runner_gone(runner, beats, now):
            continue
        reaped.tasks += DBTaskResult.objects.filter(
            pk=task.pk, status=TaskResultStatus.RUNNING
        ).update(
            status=TaskResultStatus.FAILED,
            finished_at=now,
            exception_class_path="shequ.core.workers.WorkerLost",
            traceback=f"The worker {runner} stopped while running this task.",
        )
    gone = [w for w, beat in beats.items() if heartbeat_state(beat, now) != "alive"]
    if gone:
        reaped.workers = WorkerHeartbeat.objects.filter(worker_id__in=gone).delete()[0]
    return reaped


def purge_stale_uploads() -> int:
    """Delete files in var/imports that no running or queued job needs (left by a crash, or
    by versions that kept uploads after the import). Returns how many."""
    from shequ.core.imports import upload_dir

    folder = upload_dir()
    needed = {
        str(pk)
        for pk in ImportJob.objects.filter(
            status__in=(ImportStatus.QUEUED, ImportStatus.CHECKING, ImportStatus.SAVING)
        ).values_list("pk", flat=True)
    }
    removed = 0
    # A file younger than a minute may be an upload whose job is being created.
    old = time.time() - 60
    for path in folder.iterdir():
        if path.is_file() and path.name.split(".")[0] not in needed and path.stat().st_mtime < old:
            path.unlink(missing_ok=True)
            removed += 1
    ImportJob.objects.exclude(stored_path="").exclude(
        status__in=(ImportStatus.QUEUED, ImportStatus.CHECKING, ImportStatus.SAVING)
    ).update(stored_path="")
    return removed


class Heartbeat:
    """This worker's row in WorkerHeartbeat, kept fresh by a thread, which also looks for
    orphaned work every REAP_EVERY beats. `beat()` and `reap()` can be called directly."""

    def __init__(self, worker_id: str, *, interval: float | None = None):
        self.worker_id = worker_id
        self.interval = interval if interval is not None else settings.WORKER_HEARTBEAT_SECONDS
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def beat(self) -> None:
        now = timezone.now()
        if not WorkerHeartbeat.objects.filter(worker_id=self.worker_id).update(beat_at=now):
            # First beat, or our row was taken for dead while SQLite's lock kept us silent.
            WorkerHeartbeat.objects.update_or_create(
                worker_id=self.worker_id,
                defaults={"hostname": HOST, "pid": os.getpid(), "beat_at": now},
            )

    def reap(self) -> None:
        self.periodic()
        reaped = stop_orphaned_work()
        if reaped.jobs or reaped.tasks or reaped.workers:
            logger.warning(
                "worker %s: ended %d imports and %d tasks of %d stopped workers",
                self.worker_id,
                reaped.jobs,
                reaped.tasks,
                reaped.workers,
            )

    def periodic(self) -> None:
        """The jobs run every REAP_EVERY beats: overdue help requests climb (assistance)."""
        from shequ.assistance.escalation import escalate_overdue

        try:
            done = escalate_overdue()
        except OperationalError:
            raise
        except Exception:
            logger.exception("worker %s: help escalation failed", self.worker_id)
            return
        if done.community or done.street:
            logger.info(
                "worker %s: %d help requests escalated to communities, %d to streets",
                self.worker_id,
                done.community,
                done.street,
            )

    def start(self, *, thread: bool = True) -> None:
        _current["worker"] = self.worker_id
        self.beat()
        self.reap()
        purged = purge_stale_uploads()
        if purged:
            logger.warning("worker %s: deleted %d stale uploaded files", self.worker_id, purged)
        if thread:
            self._thread = threading.Thread(target=self._run, name="heartbeat", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        beats = 0
        try:
            while not self._stop.wait(self.interval):
                beats += 1
                try:
                    self.beat()
                    if beats % REAP_EVERY == 0:
                        self.reap()
                except OperationalError as exc:  # a locked or unreachable database: next beat
                    # On SQLite an import's write pass holds the one write lock for a while.
                    level = logging.INFO if is_locked_database_exception(exc) else logging.WARNING
                    logger.log(level, "worker %s: heartbeat not recorded (%s)", self.worker_id, exc)
                except Exception:
                    logger.exception("worker %s: heartbeat failed", self.worker_id)
        finally:
            connections.close_all()  # this thread's own connections

    def stop(self) -> None:
        """End the beats and remove the row, so no one takes this worker for dead."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            # A stopping signal may have cut a transaction short in this thread (SQLite's
            # lock then stays with it): start from a fresh connection.
            connections.close_all()
        _current.pop("worker", None)
        for attempt in range(5):
            try:
                WorkerHeartbeat.objects.filter(worker_id=self.worker_id).delete()
                return
            except OperationalError as exc:
                logger.warning("worker %s: heartbeat not removed (%s)", self.worker_id, exc)
                time.sleep(2**attempt)


class ShequWorker(Worker):
    """db_worker's worker with a heartbeat, that waits out a locked SQLite file.
    `heartbeat_thread=False` beats once at start only (tests, where threads would open
    connections outside the test's transaction)."""

    def __init__(self, *, heartbeat_thread: bool = True, **options: Any):
        super().__init__(**options)
        self.heartbeat_thread = heartbeat_thread

    def run(self) -> None:
        heartbeat = Heartbeat(self.worker_id)
        try:
            heartbeat.start(thread=self.heartbeat_thread)  # a SIGTERM may come during it
            delay = 0.5
            while True:
                try:
                    super().run()
                    return
                except OperationalError as exc:
                    if not is_locked_database_exception(exc):
                        raise
                    logger.warning("worker: database is locked; going on in %.1f s", delay)
                    time.sleep(delay)
                    delay = min(delay * 2, 30)
                    close_old_connections()
        finally:
            heartbeat.stop()

    def run_task(self, db_task_result: Any) -> None:
        try:
            super().run_task(db_task_result)
        except OperationalError as exc:
            # The task ran, but recording its end met a locked database (db_worker retries
            # only briefly): keep trying, or the task would look "running" for good.
            if not is_locked_database_exception(exc):
                raise
            for attempt in range(10):
                time.sleep(min(2**attempt, 60))
                try:
                    db_task_result.set_failed(exc)
                    return
                except OperationalError as again:
                    if not is_locked_database_exception(again):
                        raise


def run_worker(*, batch: bool = False, interval: float = 0.5) -> None:
    """`shequ worker`: run tasks from the default queue until stopped (or, with `batch`,
    until none is left)."""
    from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME

    worker = ShequWorker(
        queue_names=[DEFAULT_TASK_QUEUE_NAME],
        interval=interval,
        batch=batch,
        backend_name=DEFAULT_TASK_BACKEND_ALIAS,
        startup_delay=False,
        max_tasks=None,
        worker_id=get_random_string(32),
        excluded_queue_names=[],
    )
    logging.getLogger("django_tasks_db").setLevel(logging.INFO)
    worker.configure_signals()
    worker.run()


class WorkerSupervisor:
    """Keeps a worker process running beside the web server (`shequ serve`): when it exits
    it is started again after 1, 2, 4 … `max_delay` seconds (back to 1 once it has run for
    `healthy_after` seconds), and each exit is logged with its code."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        first_delay: float = 1.0,
        max_delay: float = 60.0,
        healthy_after: float = 60.0,
        popen: Callable[..., subprocess.Popen[bytes]] = subprocess.Popen,
    ):
        self.command = list(command)
        self.first_delay, self.max_delay, self.healthy_after = first_delay, max_delay, healthy_after
        self._popen = popen
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None
        self.exits: list[int] = []  # exit codes seen, oldest first

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="worker-supervisor", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        delay = self.first_delay
        while not self._stop.is_set():
            started = time.monotonic()
            with self._lock:
                if self._stop.is_set():
                    return
                self._process = self._popen(self.command)
            code = self._process.wait()
            if self._stop.is_set():
                return
            ran = time.monotonic() - started
            if ran >= self.healthy_after:
                delay = self.first_delay
            self.exits.append(code)
            logger.error(
                "background worker (pid %s) exited with code %s after %.0f s; "
                "starting it again in %.0f s",
                self._process.pid,
                code,
                ran,
                delay,
            )
            self._stop.wait(delay)
            delay = min(delay * 2, self.max_delay)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        with self._lock:
            process = self._process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._thread is not None:
            self._thread.join(timeout=timeout)


def worker_health(*, now: datetime | None = None) -> dict[str, Any]:
    """What /api/v1/health says of background work: workers alive, stalled (silent for more
    than SHEQU_WORKER_STALE_SECONDS) or dead, and how long the oldest queued task has waited.
    `ok` is false when tasks go to the database queue and no worker would take them soon."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    now = now or timezone.now()
    backend = settings.TASKS["default"]["BACKEND"]
    required = backend.rsplit(".", 1)[-1] == DatabaseBackend.__name__
    states = [heartbeat_state(b, now) for b in WorkerHeartbeat.objects.all()]
    beats = WorkerHeartbeat.objects.order_by("-beat_at").values_list("beat_at", flat=True)
    last = beats.first()
    ready = DBTaskResult.objects.ready()
    oldest = ready.order_by("enqueued_at").values_list("enqueued_at", flat=True).first()
    waited = int((now - oldest).total_seconds()) if oldest else 0
    alive, stalled, dead = (states.count(s) for s in ("alive", "stalled", "dead"))
    ok = not required or (
        alive > 0 and not stalled and not dead and waited <= settings.WORKER_QUEUE_ALERT_SECONDS
    )
    return {
        "ok": ok,
        "required": required,
        "alive": alive,
        "stalled": stalled,
        "dead": dead,
        "last_beat_seconds": int((now - last).total_seconds()) if last else None,
        "queued": ready.count(),
        "oldest_queued_seconds": waited,
    }
