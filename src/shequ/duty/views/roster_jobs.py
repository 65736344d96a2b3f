"""The page of a roster being made in the background: its progress (htmx polls the card
every second), then the way to the draft (planning/jobs.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from shequ.duty import planning, selectors
from shequ.duty.models import RosterJobStatus


@login_required
@require_GET
def roster_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = planning.roster_job_now(selectors.get_roster_job_for(request.user, job_id))
    done = job.status == RosterJobStatus.DONE and job.roster_id is not None
    elapsed = 0
    if job.started_at is not None:
        elapsed = round(((job.finished_at or timezone.now()) - job.started_at).total_seconds())
    context = {"job": job, "done": done, "elapsed": elapsed}
    if request.headers.get("HX-Request"):
        response = render(request, "duty/roster_job.html#progress", context)
        if done:
            # The draft is there: the page goes to it (the card also links to it).
            messages.success(request, _("Draft roster made; check it and publish."))
            response["HX-Redirect"] = reverse("duty:roster", args=[job.roster_id])
        return response
    return render(request, "duty/roster_job.html", context)
