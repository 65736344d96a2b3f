"""Where an import keeps its files while it runs: the upload and the rows set aside.

Both are sealed (core.sealed) to their job and role, in var/imports (readable by Shequ only),
and deleted when the job ends, however it ends (`discard_files`). core.imports uses these.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from django.conf import settings

from shequ.core.models import ImportJob
from shequ.core.sealed import open_sealed, write_sealed

MB = 1024 * 1024


# --- the files --------------------------------------------------------------------------------


def upload_dir() -> Path:
    """var/imports: the uploads and set-aside rows of running jobs, readable by Shequ only."""
    path = Path(settings.VAR_DIR) / "imports"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)  # made 0755 by older versions
    return path


def job_file(job: ImportJob, role: str) -> Path:
    return upload_dir() / f"{job.pk}.{role}"


def sealed_context(job_id: Any, role: str) -> str:
    """What a job's file is sealed to: its own job, and its role (upload, rows)."""
    return f"import {job_id} {role}"


def open_upload(job: ImportJob) -> IO[bytes]:
    path = Path(job.stored_path)
    if path.suffix == ".upload":
        return open_sealed(path, context=sealed_context(job.pk, "upload"))
    return path.open("rb")  # queued by a version that kept uploads as they came


def discard_files(job: ImportJob) -> None:
    """Delete a job's upload and set-aside rows (its errors stay, with personal data masked)."""
    for path in (Path(job.stored_path) if job.stored_path else None, job_file(job, "rows")):
        if path is not None:
            path.unlink(missing_ok=True)
    if job.stored_path:
        ImportJob.objects.filter(pk=job.pk).update(stored_path="")
        job.stored_path = ""


def megabytes(size: int) -> str:
    return f"{size / MB:,.1f}"


def upload_size(upload: IO[bytes]) -> int | None:
    size = getattr(upload, "size", None)  # Django's and django-ninja's uploaded files
    if isinstance(size, int):
        return size
    try:
        here = upload.tell()
        end = upload.seek(0, io.SEEK_END)
        upload.seek(here)
    except (AttributeError, OSError, ValueError):
        return None
    return end - here


@contextmanager
def spool(path: Path, job: ImportJob) -> Iterator[RowSpool]:
    """A writer into the job's set-aside rows (encrypted): one JSON list a line, the row
    number first, then the cells (never a spreadsheet: nobody opens it but pass 2)."""
    with (
        write_sealed(path, context=sealed_context(job.pk, "rows")) as raw,
        io.TextIOWrapper(raw, encoding="utf-8", errors="surrogatepass", newline="\n") as text,
    ):
        yield RowSpool(text)


class RowSpool:
    def __init__(self, text: IO[str]) -> None:
        self.text = text

    def writerows(self, rows: Iterable[list[Any]]) -> None:
        self.text.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)


@contextmanager
def spooled(path: Path, job: ImportJob) -> Iterator[Iterator[tuple[int, list[str]]]]:
    """The rows set aside by pass 1, as (row number, cells)."""
    with (
        open_sealed(path, context=sealed_context(job.pk, "rows")) as raw,
        io.TextIOWrapper(raw, encoding="utf-8", errors="surrogatepass", newline="\n") as text,
    ):
        yield ((row[0], row[1:]) for row in map(json.loads, text))
