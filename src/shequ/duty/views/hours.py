"""Page: person-times and hours per person, team, agency or community."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from shequ.core.errors import ValidationError
from shequ.duty import reports


@login_required
def hours_page(request: HttpRequest) -> HttpResponse:
    """Person-times and hours per person, team, agency or community, per day."""
    today = timezone.localdate()
    by = request.GET.get("by", "person")
    try:
        day_from = dt.date.fromisoformat(request.GET.get("from", ""))
    except ValueError:
        day_from = today - dt.timedelta(days=6)
    try:
        day_to = dt.date.fromisoformat(request.GET.get("to", ""))
    except ValueError:
        day_to = today
    error = ""
    report = None
    try:
        report = reports.hours_report(
            request.user, by=by, day_from=day_from, day_to=day_to, per_day=False
        )
    except ValidationError as exc:
        error = " ".join(exc.errors.values())
    rows = report.rows if report else []
    page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "duty/hours.html",
        {
            "report": report,
            "page": page,
            "by": by,
            "levels": reports.LEVELS,
            "day_from": day_from,
            "day_to": day_to,
            "error": error,
        },
    )
