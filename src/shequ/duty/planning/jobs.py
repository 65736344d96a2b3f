"""Rosters made in the background: a planner's request becomes a `RosterJob`, the task queue
(django-tasks' database worker, as the product's other long jobs) solves it, and the job page
shows its progress until the draft is there.

A street's roster (thousands of people, hundreds of shifts a day) takes longer than a request
may: `roster_job_start` only checks the request and queues it; `run_roster_job` (in the
worker) builds the problem, solves it with the same construct-then-improve approach as always
(`roster.street.street_roster`: greedy, then CP-SAT, community by community for a street),
writes the percentage done as it goes (and the first complete roster's figures, while it is
improved), and keeps the draft exactly as `roster_generate` does.

Every step of the solve also writes the job's heartbeat. A job whose worker died (killed,
the machine restarted) would say "solving" for ever: `fail_dead_roster_jobs` (a periodic job
of the worker, and every look at the job by its page or the API) fails a job whose heartbeat
is older than `dead_after` — twice its time limit, and at least the worker's stale time —
saying so, and the planner starts it again. A worker that comes back after that keeps nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.errors import ValidationError
from shequ.duty.models import RosterJob, RosterJobStatus
from shequ.duty.planning.context import build_context
from shequ.duty.planning.services import (
    _solve,
    _validate_horizon,
    keep_generated,
    published_overlap,
)
from shequ.duty.roster.check import Penalty
from shequ.duty.services import require_planner
from shequ.places.models import Place

if TYPE_CHECKING:
    from shequ.core.models import User

logger = logging.getLogger(__name__)


def roster_job_start(
    *,
    actor: User,
    place: Place,
    starts_on: dt.date,
    days: int = 7,
    time_limit: float | None = None,
) -> RosterJob:
    """Queue a draft roster for `place`; the page follows the job (`duty:roster_job`).
    `time_limit`: the solver's seconds (default `SHEQU_ROSTER_JOB_SECONDS`)."""
    require_planner(actor, place)
    _validate_horizon(place, starts_on, days)
    refusal, _replaced = published_overlap(
        place, starts_on, starts_on + dt.timedelta(days=days - 1)
    )
    if refusal:
        raise ValidationError({"starts_on": refusal})
    from shequ.duty.tasks import run_roster_job_task

    with transaction.atomic():
        job = RosterJob.objects.create(
            place=place,
            starts_on=starts_on,
            days=days,
            created_by=actor,
            seconds=time_limit or settings.ROSTER_JOB_SECONDS,
        )
        audit.record(
            actor=actor,
            action="duty.roster_job_start",
            obj=job,
            place=place,
            changes={"days": days, "starts_on": starts_on.isoformat(), "seconds": job.seconds},
        )
        # The task row is written in this transaction: the worker sees both or neither.
        run_roster_job_task.enqueue(job.pk)
    return job


def _set(job: RosterJob, **fields: object) -> None:
    """Write a solving job's progress (nothing once it was failed as dead)."""
    for name, value in fields.items():
        setattr(job, name, value)
    RosterJob.objects.filter(pk=job.pk, status=RosterJobStatus.SOLVING).update(**fields)


def run_roster_job(job_id: int) -> RosterJob:
    """Solve a queued job to its end (in the worker); returns it done or failed."""
    job = RosterJob.objects.select_related("place", "created_by").get(pk=job_id)
    now = timezone.now()
    taken = RosterJob.objects.filter(pk=job.pk, status=RosterJobStatus.QUEUED).update(
        status=RosterJobStatus.SOLVING, started_at=now, heartbeat_at=now, percent=1
    )
    if not taken:
        return job  # already taken (a task run twice)
    job.status, job.started_at, job.heartbeat_at, job.percent = RosterJobStatus.SOLVING, now, now, 1
    with translation.override(job.created_by.language or settings.LANGUAGE_CODE):
        started = time.monotonic()

        def progress(done: float, note: str) -> None:
            percent = max(job.percent, min(95, 5 + round(90 * done)))
            _set(job, percent=percent, heartbeat_at=timezone.now())

        def on_draft(penalty: Penalty) -> None:
            _set(
                job,
                draft_objective=penalty.total,
                draft_short=sum(penalty.short.values()),
                draft_seconds=round(time.monotonic() - started, 1),
                heartbeat_at=timezone.now(),
            )

        try:
            ctx = build_context(job.place, job.starts_on, job.days)
            _set(job, percent=5, heartbeat_at=timezone.now())
            result, explanation = _solve(ctx, job.seconds or None, progress, on_draft)
            with transaction.atomic():
                roster = keep_generated(ctx, result, explanation, by=job.created_by)
                fields = {
                    "status": RosterJobStatus.DONE,
                    "percent": 100,
                    "roster": roster,
                    "finished_at": timezone.now(),
                    "message": _("Made in %(s).0f s.") % {"s": time.monotonic() - started},
                }
                kept = _end(job, **fields)
                if not kept:
                    # Taken for dead meanwhile (its heartbeat was silent too long): the
                    # planner was told so and may have started again; keep nothing.
                    transaction.set_rollback(True)
            if not kept:
                job.refresh_from_db()
                return job
        except ValidationError as exc:
            _end(
                job,
                status=RosterJobStatus.FAILED,
                percent=100,
                finished_at=timezone.now(),
                message=" ".join(exc.errors.values())[:300],
            )
        except Exception:
            logger.exception("roster job %s failed", job.pk)
            _end(
                job,
                status=RosterJobStatus.FAILED,
                percent=100,
                finished_at=timezone.now(),
                message=_("The solver stopped with an error; try again."),
            )
    if job.status == RosterJobStatus.SOLVING:
        job.refresh_from_db()  # failed as dead meanwhile: as it is stored
    return job


def _end(job: RosterJob, **fields: object) -> bool:
    """End a solving job (a conditional update: not one failed as dead meanwhile)."""
    ended = RosterJob.objects.filter(pk=job.pk, status=RosterJobStatus.SOLVING).update(**fields)
    if ended:
        for name, value in fields.items():
            setattr(job, name, value)
    return bool(ended)


def dead_after(job: RosterJob) -> dt.timedelta:
    """How long a solving job's heartbeat may be silent before the job is taken for dead:
    `ROSTER_JOB_DEAD_FACTOR` times its time limit (a step of the solve may take all of it),
    and at least the worker's own stale time."""
    seconds = max(settings.ROSTER_JOB_DEAD_FACTOR * (job.seconds or 0), 0)
    return dt.timedelta(seconds=max(seconds, settings.WORKER_STALE_SECONDS))


def fail_dead_roster_jobs(*, now: dt.datetime | None = None, job_id: int | None = None) -> int:
    """Fail the solving jobs whose worker stopped (heartbeat silent past `dead_after`), with
    the reason in the planner's language; returns how many. A periodic job of the worker; the
    job page and the API call it for the job they show (`job_id`)."""
    now = now or timezone.now()
    jobs = RosterJob.objects.filter(status=RosterJobStatus.SOLVING).select_related("created_by")
    if job_id is not None:
        jobs = jobs.filter(pk=job_id)
    failed = 0
    for job in jobs:
        beat = job.heartbeat_at or job.started_at or job.created_at
        if now - beat <= dead_after(job):
            continue
        with translation.override(job.created_by.language or settings.LANGUAGE_CODE):
            message = _(
                "The worker solving this roster stopped (no sign of it since %(at)s); "
                "nothing was kept. Start the roster again."
            ) % {"at": f"{timezone.localtime(beat):%H:%M}"}
        failed += RosterJob.objects.filter(
            pk=job.pk, status=RosterJobStatus.SOLVING, heartbeat_at=job.heartbeat_at
        ).update(status=RosterJobStatus.FAILED, percent=100, finished_at=now, message=message)
        logger.warning("roster job %s: no heartbeat since %s; marked failed", job.pk, beat)
    return failed


def roster_job_now(job: RosterJob) -> RosterJob:
    """The job as its page and the API show it: failed if its worker is found dead."""
    if job.status == RosterJobStatus.SOLVING and fail_dead_roster_jobs(job_id=job.pk):
        job.refresh_from_db()
    return job
