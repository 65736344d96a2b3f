"""Rosters made in the background: a planner's request becomes a `RosterJob`, the task queue
(django-tasks' database worker, as the product's other long jobs) solves it, and the job page
shows its progress until the draft is there.

A street's roster (thousands of people, hundreds of shifts a day) takes longer than a request
may: `roster_job_start` only checks the request and queues it; `run_roster_job` (in the
worker) builds the problem, solves it with the same construct-then-improve approach as always
(`roster.street.street_roster`: greedy, then CP-SAT, community by community for a street),
writes the percentage done as it goes, and keeps the draft exactly as `roster_generate` does.
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
from shequ.duty.services import require_planner
from shequ.places.models import Place

if TYPE_CHECKING:
    from shequ.core.models import User

logger = logging.getLogger(__name__)


def roster_job_start(*, actor: User, place: Place, starts_on: dt.date, days: int = 7) -> RosterJob:
    """Queue a draft roster for `place`; the page follows the job (`duty:roster_job`)."""
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
            seconds=settings.ROSTER_JOB_SECONDS,
        )
        audit.record(
            actor=actor,
            action="duty.roster_job_start",
            obj=job,
            place=place,
            changes={"days": days, "starts_on": starts_on.isoformat()},
        )
        # The task row is written in this transaction: the worker sees both or neither.
        run_roster_job_task.enqueue(job.pk)
    return job


def _set(job: RosterJob, **fields: object) -> None:
    for name, value in fields.items():
        setattr(job, name, value)
    RosterJob.objects.filter(pk=job.pk).update(**fields)


def run_roster_job(job_id: int) -> RosterJob:
    """Solve a queued job to its end (in the worker); returns it done or failed."""
    job = RosterJob.objects.select_related("place", "created_by").get(pk=job_id)
    if job.status != RosterJobStatus.QUEUED:
        return job  # already taken (a task run twice)
    with translation.override(job.created_by.language or settings.LANGUAGE_CODE):
        _set(job, status=RosterJobStatus.SOLVING, started_at=timezone.now(), percent=1)
        started = time.monotonic()

        def progress(done: float, note: str) -> None:
            _set(job, percent=max(job.percent, min(95, 5 + round(90 * done))))

        try:
            ctx = build_context(job.place, job.starts_on, job.days)
            _set(job, percent=5)
            result, explanation = _solve(ctx, job.seconds or None, progress)
            with transaction.atomic():
                roster = keep_generated(ctx, result, explanation, by=job.created_by)
                _set(
                    job,
                    status=RosterJobStatus.DONE,
                    percent=100,
                    roster=roster,
                    finished_at=timezone.now(),
                    message=_("Made in %(s).0f s.") % {"s": time.monotonic() - started},
                )
        except ValidationError as exc:
            _set(
                job,
                status=RosterJobStatus.FAILED,
                percent=100,
                finished_at=timezone.now(),
                message=" ".join(exc.errors.values())[:300],
            )
        except Exception:
            logger.exception("roster job %s failed", job.pk)
            _set(
                job,
                status=RosterJobStatus.FAILED,
                percent=100,
                finished_at=timezone.now(),
                message=_("The solver stopped with an error; try again."),
            )
    return job
