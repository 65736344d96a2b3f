"""Spreadsheet imports, shared by every app that takes lists (residents, staff, …).

An importer says which columns it takes, how to check a chunk of rows and how to write them.
This module does the rest the same way for all: keep the upload (encrypted, core.sealed),
read it (core.tabular, within its limits), screen every cell the importer reads, report every
bad row, refuse or land the file all-or-nothing, stay idempotent, show progress, run in the
background, and delete the files when the job ends, however it ends.

The web request only stores the file; everything that reads it runs in the worker. Two passes
keep memory flat however long the file is: the first reads and checks every row (progress
visible to the page) and sets the good rows aside (encrypted), the second checks them again
and writes them in one transaction. Counts from the first pass say what *would* change; they
become rows created only when that transaction commits, together with the job's "done".
"""

from __future__ import annotations

import itertools
import logging
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, ClassVar, TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import OperationalError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shequ.core import audit, workers
from shequ.core.errors import ValidationError
from shequ.core.exports import Sheet, xlsx_workbook
from shequ.core.import_files import (
    MB,
    discard_files,
    job_file,
    megabytes,
    open_upload,
    sealed_context,
    spool,
    spooled,
    upload_dir,
    upload_size,
)
from shequ.core.import_rows import (
    CONTROL,
    Checked,
    RowError,
    RowNotSaved,
    check_rows,
    screen,
    shown,
    write_rows,
)
from shequ.core.models import ImportJob, ImportRowError, ImportStatus, User
from shequ.core.sealed import SealedFileDamaged, TooLarge, seal
from shequ.core.seen_keys import SeenKeys
from shequ.core.tabular import (
    Column,
    HeaderMap,
    Limits,
    TableRefused,
    estimate_rows,
    map_header,
    numbered_rows,
)

logger = logging.getLogger(__name__)

CHUNK_ROWS = 2000
ALLOWED_SUFFIXES = (".xlsx", ".csv")
CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"
RUNNING = (ImportStatus.CHECKING, ImportStatus.SAVING)
OUTCOMES, TAKEN_BACK = (CREATED, UPDATED, UNCHANGED), 3


class Importer(ABC):
    """What one kind of list needs: columns, row checks and the write."""

    kind: ClassVar[str]
    columns: ClassVar[Sequence[Column]]

    def __init__(self, job: ImportJob):
        self.job = job

    def prepare(self, header: HeaderMap) -> None:  # noqa: B027 - optional hook
        """Load what the row checks need (the actor's scope, lookup tables)."""

    def checked_all(self) -> None:  # noqa: B027 - optional hook
        """Pass 1 is over (also when it failed): let go of what only it needed."""

    @abstractmethod
    def check(
        self, rows: Sequence[tuple[int, list[str]]], header: HeaderMap
    ) -> tuple[list[Checked], list[RowError]]:
        """Validate rows; return the good ones and one error per problem found."""

    @abstractmethod
    def classify(self, items: Sequence[Checked]) -> list[str]:
        """For each good row: created, updated or unchanged, against the database."""

    @abstractmethod
    def write(self, items: Sequence[Checked], outcomes: Sequence[str]) -> None:
        """Create and update rows (called inside the import's transaction)."""

    @abstractmethod
    def duplicate_errors(self, first: int, again: int, label: str) -> tuple[RowError, RowError]:
        """The two errors for a key (shown as `label`) found in rows `first` and `again`."""

    # Pass 2 reads the rows pass 1 set aside. By default those are the row's cells, checked
    # again from scratch. An importer whose checks are costly (residents: a hundred thousand
    # rows and more) sets aside what its checks found instead (`set_aside`), and in pass 2
    # only looks again at what the database may have changed meanwhile (`take_back`).
    sets_aside_checked: ClassVar[bool] = False

    def set_aside(self, item: Checked) -> list[Any]:
        """A good row's checked values, as JSON, for `take_back` (if `sets_aside_checked`)."""
        raise NotImplementedError

    def take_back(
        self, rows: Sequence[tuple[int, list[Any]]], header: HeaderMap
    ) -> tuple[list[Checked], list[RowError]]:
        """Pass 2: the rows `set_aside`, as good rows again, looked up anew in the database; an
        error for a row the database no longer allows (the import then ends, nothing written)."""
        raise NotImplementedError


IMPORTERS: dict[str, type[Importer]] = {}


def register(importer: type[Importer]) -> type[Importer]:
    """Make an importer available to jobs of its kind (call from AppConfig.ready)."""
    IMPORTERS[importer.kind] = importer
    return importer


def _batched(rows: Iterator[tuple[int, list[str]]], size: int) -> Iterator[list]:
    while chunk := list(itertools.islice(rows, size)):
        yield chunk


# --- queueing ---------------------------------------------------------------------------------


def import_job_create(
    *,
    actor: User,
    kind: str,
    upload: IO[bytes],
    filename: str,
    place: Any = None,
    options: dict[str, Any] | None = None,
    enqueue: bool = True,
) -> ImportJob:
    """Keep the uploaded file (encrypted) and queue its import. Refuses now a wrong type, an
    empty file or one over SHEQU_IMPORT_MAX_MB; the worker reads it, never the request."""
    if kind not in IMPORTERS:
        raise ValidationError({"kind": _("Unknown import kind %s.") % kind})
    suffix = Path(filename or "").suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise ValidationError(
            {"file": _("Only .xlsx and .csv files can be imported (got %s).") % (suffix or "?")}
        )
    limit = settings.IMPORT_MAX_MB * MB
    size = upload_size(upload)
    if size is not None and size > limit:
        raise _too_large(size, limit)
    if size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    job_id = uuid.uuid4()
    stored = upload_dir() / f"{job_id}.upload"
    try:
        size = seal(stored, upload, context=sealed_context(job_id, "upload"), limit=limit)
    except TooLarge as exc:
        raise _too_large(exc.size, limit) from None
    if size == 0:
        stored.unlink(missing_ok=True)
        raise ValidationError({"file": _("The file is empty.")})
    try:
        # Short: on SQLite the write lock is held only for these two rows, not while the file
        # is copied (a long lock made the worker die of "database is locked").
        with transaction.atomic():
            job = ImportJob.objects.create(
                id=job_id,
                kind=kind,
                actor=actor,
                place=place,
                filename=Path(filename).name[:255],
                stored_path=str(stored),
                options=options or {},
                language=translation.get_language() or settings.LANGUAGE_CODE,
            )
            audit.record(actor=actor, action=f"{kind}.import.queue", obj=job, place=place)
            if enqueue:
                from shequ.core.tasks import run_import_task

                transaction.on_commit(lambda: run_import_task.enqueue(str(job.pk)))
    except BaseException:
        stored.unlink(missing_ok=True)
        raise
    return job


def _too_large(size: int, limit: int) -> ValidationError:
    return ValidationError(
        {
            "file": _(
                "The file is %(size)s MB; Shequ imports files of at most %(limit)s MB. "
                "Split it and upload the parts."
            )
            % {"size": megabytes(size), "limit": f"{limit // MB:,}"}
        }
    )


def recent_jobs(user: User, kind: str, limit: int) -> list[ImportJob]:
    """The user's latest imports of one kind, newest first (the upload page lists them)."""
    return list(ImportJob.objects.filter(actor=user, kind=kind)[:limit])


def job_problems(job: ImportJob) -> QuerySet[ImportRowError]:
    """Every problem of a job, by row (what the job page lists and the API pages)."""
    return job.row_errors.order_by("row", "id")


def has_problems(job: ImportJob) -> bool:
    return job.row_errors.exists()


def get_import_job_for(user: User, pk: Any) -> ImportJob:
    """An import job the user started; 404 for anyone else's."""
    try:
        return ImportJob.objects.get(pk=pk, actor=user)
    except (ImportJob.DoesNotExist, DjangoValidationError, ValueError, TypeError):
        raise Http404("No such import") from None


# --- running ----------------------------------------------------------------------------------


class _DataChanged(Exception):
    pass


class _Abandoned(Exception):
    """The job was ended by someone else (its worker was taken for dead): stop, write nothing."""


T = TypeVar("T")


def _patiently(write: Callable[[], T]) -> T:
    """Run a short write, waiting out SQLite's "database is locked" (another process holds
    the write lock, e.g. an import's write pass): the worker must not die of it."""
    delay = 0.2
    for _attempt in range(12):  # about 8 minutes in all, SQLite's own 5 s waits included
        try:
            return write()
        except OperationalError as exc:
            if "locked" not in str(exc).lower():
                raise
            logger.warning("database is locked; trying again in %.1f s", delay)
            time.sleep(delay)
            delay = min(delay * 2, 120)
    return write()


def run_import(job_id: Any) -> ImportJob:
    """Run a queued job to its end: done, refused (bad rows or file) or failed. A job that is
    not queued (finished, or running elsewhere) is left alone."""
    job = ImportJob.objects.get(pk=job_id)
    runner = workers.runner_id()
    claimed = _patiently(
        lambda: ImportJob.objects.filter(pk=job.pk, status=ImportStatus.QUEUED).update(
            status=ImportStatus.CHECKING, started_at=timezone.now(), worker_id=runner
        )
    )
    if not claimed:
        job.refresh_from_db()
        return job
    job.refresh_from_db()
    importer = IMPORTERS[job.kind](job)
    with translation.override(job.language):
        try:
            _run(job, importer)
        except _Abandoned:
            pass
        except TableRefused as exc:
            _end(job, ImportStatus.REFUSED, exc.message, [RowError(0, exc.column, "", exc.message)])
        except RowNotSaved as exc:
            message = _(
                "Row %(row)s could not be saved (%(error)s); nothing was imported. Fix that "
                "row and upload the file again."
            ) % {"row": exc.row, "error": exc.error}
            _end(job, ImportStatus.REFUSED, message, [RowError(exc.row, "", "", message)])
        except _DataChanged as exc:
            _end(job, ImportStatus.FAILED, str(exc))
        except SealedFileDamaged:
            logger.exception("import %s: the stored file is damaged", job.pk)
            _end(job, ImportStatus.FAILED, _("The stored file is damaged; upload it again."))
        except Exception:
            logger.exception("import %s failed", job.pk)
            _end(job, ImportStatus.FAILED, _("Unexpected error; nothing was imported."))
        except BaseException:  # the worker is being stopped: say so, then let it stop
            _end(
                job,
                ImportStatus.FAILED,
                _("The import was stopped before it ended; nothing was imported. Upload again."),
            )
            raise
        finally:
            discard_files(job)
    job.refresh_from_db()
    return job


def _end(job: ImportJob, status: str, message: str, errors: Sequence[RowError] = ()) -> None:
    """Finish a job that wrote nothing: its counts go to 0 (rejected stays: rows to fix)."""

    def write() -> int:
        with transaction.atomic():
            ended = ImportJob.objects.filter(
                pk=job.pk, status__in=RUNNING, worker_id=job.worker_id
            ).update(
                status=status,
                message=message,
                finished_at=timezone.now(),
                created=0,
                updated=0,
                unchanged=0,
            )
            if ended and errors:
                _save_errors(job, errors, None)
            return ended

    _patiently(write)


def _progress(job: ImportJob, **values: Any) -> None:
    """Record progress (or a status) of a running job, unless it was ended meanwhile."""
    moved = _patiently(
        lambda: ImportJob.objects.filter(
            pk=job.pk, status__in=RUNNING, worker_id=job.worker_id
        ).update(**values)
    )
    if not moved:
        raise _Abandoned()


def _save_errors(job: ImportJob, errors: Iterable[RowError], header: HeaderMap | None) -> None:
    """Keep the problems: values of personal columns masked (once more: masking is idempotent,
    and an importer may forget), characters the database cannot store replaced."""
    by_label = {c.label: c for c in header.columns.values()} if header else {}
    ImportRowError.objects.bulk_create(
        [
            ImportRowError(
                job=job,
                row=e.row,
                column=CONTROL.sub("\ufffd", e.column)[:100],
                value=shown(e.value, by_label.get(e.column)),
                reason=CONTROL.sub("\ufffd", e.reason)[:500],
            )
            for e in errors
        ],
        batch_size=1000,
    )


@contextmanager
def _closing(seen: SeenKeys, importer: Importer) -> Iterator[None]:
    """Pass 1's memory of keys (and the importer's) let go of when it ends, however."""
    try:
        yield
    finally:
        seen.close()
        importer.checked_all()


def _run(job: ImportJob, importer: Importer) -> None:
    limits = Limits.from_settings()
    rows_path = job_file(job, "rows")
    rows_path.unlink(missing_ok=True)

    # Pass 1: read and check every row, report every problem, count what would change, and
    # set the rows that may land aside (encrypted), so the write pass reads no spreadsheet.
    # Key → its first row * 4 + its outcome's index (TAKEN_BACK once a copy was found); in
    # memory while few, in a scratch file past seen_keys.SPILL_AT (flat for a million rows).
    seen = SeenKeys()
    duplicate_keys: set[str] = set()
    bad_rows: set[int] = set()
    counts = {CREATED: 0, UPDATED: 0, UNCHANGED: 0}
    processed = 0
    with open_upload(job) as source:
        total = max(estimate_rows(source, filename=job.filename, limits=limits) - 1, 0)
        _progress(job, total_rows=total)
        header_row, rows = numbered_rows(source, filename=job.filename, limits=limits)
        header = map_header(header_row, importer.columns)
        importer.prepare(header)
        with spool(rows_path, job) as spooler, _closing(seen, importer):
            for chunk in _batched(rows, CHUNK_ROWS):
                good, errors = screen(chunk, header, limits)
                checked, more = check_rows(importer, good, header)
                errors.extend(more)
                known = seen.get_many(item.key for item in checked)
                changed: set[str] = set()
                for item, outcome in zip(checked, importer.classify(checked), strict=True):
                    changed.add(item.key)
                    if item.key in known:
                        first_row, first_outcome = divmod(known[item.key][0], 4)
                        first_error, again_error = importer.duplicate_errors(
                            first_row, item.row, item.label
                        )
                        # The first row was counted good: take it back.
                        if first_outcome < TAKEN_BACK:
                            counts[OUTCOMES[first_outcome]] -= 1
                            known[item.key] = (first_row * 4 + TAKEN_BACK, False)
                            errors.append(first_error)
                        errors.append(again_error)
                        duplicate_keys.add(item.key)
                    else:
                        known[item.key] = (item.row * 4 + OUTCOMES.index(outcome), False)
                        counts[outcome] += 1
                seen.put_many({k: known[k] for k in changed})
                bad_rows.update(e.row for e in errors)
                if importer.sets_aside_checked:
                    spooler.writerows(
                        [c.row, *importer.set_aside(c)] for c in checked if c.row not in bad_rows
                    )
                else:
                    spooler.writerows([n, *cells] for n, cells in good if n not in bad_rows)
                _patiently(lambda errors=errors: _save_errors(job, errors, header))
                processed += len(chunk)
                _progress(
                    job,
                    processed_rows=processed,
                    total_rows=max(total, processed),
                    rejected=len(bad_rows),
                    **counts,
                )
    if processed == 0:
        raise TableRefused(_("The file has a header row but no data rows."))
    if bad_rows and not job.options.get("skip_invalid"):
        message = _(
            "%(n)d rows need fixing, so nothing was imported. Fix them (see the list) "
            "and upload again, or import with 'skip invalid rows'."
        ) % {"n": len(bad_rows)}
        _end(job, ImportStatus.REFUSED, message)
        return
    if job.options.get("dry_run"):
        _progress(
            job,
            status=ImportStatus.DONE,
            message=_("Dry run: checked only, nothing was saved."),
            finished_at=timezone.now(),
        )
        return

    # Pass 2: the rows set aside, checked again and written in one transaction: all land or
    # none, and the job says "done" in that same transaction.
    _progress(job, status=ImportStatus.SAVING)
    _write_pass(job, importer, header, rows_path, duplicate_keys, len(bad_rows))


def _write_pass(
    job: ImportJob,
    importer: Importer,
    header: HeaderMap,
    rows_path: Path,
    duplicate_keys: set[str],
    rejected: int,
) -> None:
    """Pass 2. Only waiting for SQLite's write lock is retried: once the transaction has
    begun, a failure rolls everything back and ends the job."""
    final = {CREATED: 0, UPDATED: 0, UNCHANGED: 0}
    began = False

    def write() -> None:
        nonlocal began
        with transaction.atomic():
            began = True
            with spooled(rows_path, job) as rows:
                for chunk in _batched(rows, CHUNK_ROWS):
                    again = importer.take_back if importer.sets_aside_checked else importer.check
                    checked, errors = again(chunk, header)
                    checked = [c for c in checked if c.key not in duplicate_keys]
                    if errors:
                        raise _DataChanged(
                            _(
                                "The data changed while importing (row %d); nothing was "
                                "imported. Try again."
                            )
                            % errors[0].row
                        )
                    outcomes = importer.classify(checked)
                    write_rows(importer, checked, outcomes)
                    for outcome in outcomes:
                        final[outcome] += 1
            audit.record(
                actor=job.actor,
                action=f"{job.kind}.import",
                obj=job,
                place=job.place,
                changes={**final, "rejected": rejected, "file": job.filename},
            )
            done = ImportJob.objects.filter(
                pk=job.pk, status=ImportStatus.SAVING, worker_id=job.worker_id
            ).update(
                status=ImportStatus.DONE,
                message="",
                finished_at=timezone.now(),
                rejected=rejected,
                **final,
            )
            if not done:  # taken for dead and ended meanwhile: its rows must not land
                raise _Abandoned()

    delay = 0.5
    while True:
        try:
            write()
            return
        except OperationalError as exc:
            if began or "locked" not in str(exc).lower() or delay > 120:
                raise
            logger.warning("import %s: database is locked; trying again in %.1f s", job.pk, delay)
            time.sleep(delay)
            delay *= 2


def errors_workbook(job: ImportJob) -> bytes:
    """Every problem of a job as an .xlsx the user can fix from."""
    rows = (
        [err.row, err.column, err.value, err.reason]
        for err in job_problems(job).iterator(chunk_size=2000)
    )
    return xlsx_workbook(
        Sheet(
            _("Errors"),
            [_("Row"), _("Column"), _("Value"), _("Reason")],
            rows,
            widths=(8, 20, 20, 60),
        )
    )
