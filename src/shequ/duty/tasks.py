"""Background tasks of duty (run by `shequ worker` / the db_worker)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_roster_job_task(job_id: int) -> str:
    """Make one queued roster to its end; returns the job's final status."""
    from shequ.duty.planning.jobs import run_roster_job

    return run_roster_job(job_id).status
