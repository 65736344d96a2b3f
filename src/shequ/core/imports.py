"""Spreadsheet imports, shared by every app that takes lists (residents, staff, …).

An importer says which columns it takes, how to check a chunk of rows and how to write them.
This module does the rest the same way for all: read (core.tabular), report every bad row,
refuse or land the file all-or-nothing, stay idempotent, show progress, run in the background.

Two passes over the file keep memory flat however long it is: the first checks every row
(progress visible to the page), the second re-reads and writes in one transaction.
"""

from __future__ import annotations

import itertools
import logging
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.errors import ValidationError
from shequ.core.exports import Sheet, xlsx_workbook
from shequ.core.models import ImportJob, ImportRowError, ImportStatus, User
from shequ.core.tabular import (
    Column,
    HeaderMap,
    TableRefused,
    count_rows,
    map_header,
    numbered_rows,
)

logger = logging.getLogger(__name__)

CHUNK_ROWS = 2000
ALLOWED_SUFFIXES = (".xlsx", ".csv")
CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    value: str
    reason: str


@dataclass
class Checked:
    """A row that passed the importer's checks: its number, its identity in the file, its data."""

    row: int
    key: str
    item: Any
    label: str = ""  # how to show the key in an error (masked when it is personal data)


class Importer(ABC):
    """What one kind of list needs: columns, row checks and the write."""

    kind: ClassVar[str]
    columns: ClassVar[Sequence[Column]]

    def __init__(self, job: ImportJob):
        self.job = job

    def prepare(self, header: HeaderMap) -> None:  # noqa: B027 - optional hook
        """Load what the row checks need (the actor's scope, lookup tables)."""

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


IMPORTERS: dict[str, type[Importer]] = {}


def register(importer: type[Importer]) -> type[Importer]:
    """Make an importer available to jobs of its kind (call from AppConfig.ready)."""
    IMPORTERS[importer.kind] = importer
    return importer


def _batched(rows: Iterator[tuple[int, list[str]]], size: int) -> Iterator[list]:
    while chunk := list(itertools.islice(rows, size)):
        yield chunk


def upload_dir() -> Path:
    path = Path(settings.VAR_DIR) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


@transaction.atomic
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
    """Keep the uploaded file and queue its import. Refuses a wrong type or an empty file now."""
    if kind not in IMPORTERS:
        raise ValidationError({"kind": _("Unknown import kind %s.") % kind})
    suffix = Path(filename or "").suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise ValidationError(
            {"file": _("Only .xlsx and .csv files can be imported (got %s).") % (suffix or "?")}
        )
    job_id = uuid.uuid4()
    stored = upload_dir() / f"{job_id}{suffix}"
    size = 0
    with stored.open("wb") as out:
        for block in iter(lambda: upload.read(1 << 20), b""):
            out.write(block)
            size += len(block)
    if size == 0:
        stored.unlink(missing_ok=True)
        raise ValidationError({"file": _("The file is empty.")})
    job = ImportJob.objects.create(
        id=job_id,
        kind=kind,
        actor=actor,
        place=place,
        filename=Path(filename).name[:255],
        stored_path=str(stored),
        options=options or {},
        language=translation.get_language() or settings.LANGUAGE_CODE,
        total_rows=max(count_rows(stored, filename=filename) - 1, 0),
    )
    audit.record(actor=actor, action=f"{kind}.import.queue", obj=job, place=place)
    if enqueue:
        from shequ.core.tasks import run_import_task

        transaction.on_commit(lambda: run_import_task.enqueue(str(job.pk)))
    return job


def get_import_job_for(user: User, pk: Any) -> ImportJob:
    """An import job the user started; 404 for anyone else's."""
    try:
        return ImportJob.objects.get(pk=pk, actor=user)
    except (ImportJob.DoesNotExist, DjangoValidationError, ValueError, TypeError):
        raise Http404("No such import") from None


def run_import(job_id: Any) -> ImportJob:
    """Run a queued job to its end: done, refused (bad rows or file) or failed."""
    job = ImportJob.objects.get(pk=job_id)
    if job.finished:
        return job
    importer = IMPORTERS[job.kind](job)
    with translation.override(job.language):
        try:
            _run(job, importer)
        except TableRefused as exc:
            _finish(job, ImportStatus.REFUSED, exc.message)
            ImportRowError.objects.create(
                job=job, row=0, column=exc.column[:100], reason=exc.message[:500]
            )
        except _DataChanged as exc:
            _finish(job, ImportStatus.FAILED, str(exc))
        except Exception:
            logger.exception("import %s failed", job.pk)
            _finish(job, ImportStatus.FAILED, _("Unexpected error; nothing was imported."))
    job.refresh_from_db()
    return job


class _DataChanged(Exception):
    pass


def _finish(job: ImportJob, status: str, message: str = "", **counts: int) -> None:
    job.status = status
    job.message = message
    job.finished_at = timezone.now()
    for name, value in counts.items():
        setattr(job, name, value)
    job.save()


def _save_errors(job: ImportJob, errors: list[RowError]) -> None:
    ImportRowError.objects.bulk_create(
        [
            ImportRowError(
                job=job,
                row=e.row,
                column=e.column[:100],
                value=e.value[:200],
                reason=e.reason[:500],
            )
            for e in errors
        ],
        batch_size=1000,
    )


def _run(job: ImportJob, importer: Importer) -> None:
    path = Path(job.stored_path)
    job.status = ImportStatus.CHECKING
    job.started_at = timezone.now()
    job.save(update_fields=["status", "started_at"])

    # Pass 1: check every row, report every problem, count what would change.
    header_row, rows = numbered_rows(path, filename=job.filename)
    header = map_header(header_row, importer.columns)
    importer.prepare(header)
    seen: dict[str, tuple[int, str | None]] = {}
    duplicate_keys: set[str] = set()
    bad_rows: set[int] = set()
    counts = {CREATED: 0, UPDATED: 0, UNCHANGED: 0}
    processed = 0
    for chunk in _batched(rows, CHUNK_ROWS):
        checked, errors = importer.check(chunk, header)
        for item, outcome in zip(checked, importer.classify(checked), strict=True):
            if item.key in seen:
                first_row, first_outcome = seen[item.key]
                first_error, again_error = importer.duplicate_errors(
                    first_row, item.row, item.label
                )
                if first_outcome is not None:  # the first row was counted good; take it back
                    counts[first_outcome] -= 1
                    seen[item.key] = (first_row, None)
                    errors.append(first_error)
                errors.append(again_error)
                duplicate_keys.add(item.key)
            else:
                seen[item.key] = (item.row, outcome)
                counts[outcome] += 1
        bad_rows.update(e.row for e in errors)
        _save_errors(job, errors)
        processed += len(chunk)
        ImportJob.objects.filter(pk=job.pk).update(
            processed_rows=processed, rejected=len(bad_rows), **counts
        )
    del seen
    job.refresh_from_db()
    if processed == 0:
        raise TableRefused(_("The file has a header row but no data rows."))
    if bad_rows and not job.options.get("skip_invalid"):
        _finish(
            job,
            ImportStatus.REFUSED,
            _(
                "%(n)d rows need fixing, so nothing was imported. Fix them (see the list) "
                "and upload again, or import with 'skip invalid rows'."
            )
            % {"n": len(bad_rows)},
            # Nothing landed: the summary must not suggest rows were created or updated.
            created=0,
            updated=0,
            unchanged=0,
        )
        return
    if job.options.get("dry_run"):
        _finish(job, ImportStatus.DONE, _("Dry run: checked only, nothing was saved."))
        return

    # Pass 2: the same rows again, written in one transaction: all land or none.
    job.status = ImportStatus.SAVING
    job.save(update_fields=["status"])
    final = {CREATED: 0, UPDATED: 0, UNCHANGED: 0}
    with transaction.atomic():
        header_row, rows = numbered_rows(path, filename=job.filename)
        for chunk in _batched(rows, CHUNK_ROWS):
            chunk = [(n, cells) for n, cells in chunk if n not in bad_rows]
            checked, errors = importer.check(chunk, header)
            checked = [c for c in checked if c.key not in duplicate_keys]
            if errors:
                raise _DataChanged(
                    _("The data changed while importing (row %d); nothing was imported. Try again.")
                    % errors[0].row
                )
            outcomes = importer.classify(checked)
            importer.write(checked, outcomes)
            for outcome in outcomes:
                final[outcome] += 1
        audit.record(
            actor=job.actor,
            action=f"{job.kind}.import",
            obj=job,
            place=job.place,
            changes={**final, "rejected": len(bad_rows), "file": job.filename},
        )
    _finish(job, ImportStatus.DONE, "", rejected=len(bad_rows), **final)


def errors_workbook(job: ImportJob) -> bytes:
    """Every problem of a job as an .xlsx the user can fix from."""
    rows = (
        [err.row, err.column, err.value, err.reason]
        for err in job.row_errors.order_by("row", "id").iterator(chunk_size=2000)
    )
    return xlsx_workbook(
        Sheet(
            _("Errors"),
            [_("Row"), _("Column"), _("Value"), _("Reason")],
            rows,
            widths=(8, 20, 20, 60),
        )
    )
