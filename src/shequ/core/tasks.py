"""Background tasks of core (run by `shequ worker` / the db_worker)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_import_task(job_id: str) -> str:
    """Run one spreadsheet import to its end; returns the final status."""
    from shequ.core.imports import run_import

    return run_import(job_id).status
