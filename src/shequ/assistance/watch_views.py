"""The watch list (/help/watch/): today's contact checks of the people at risk in lockdown and
control zones in the user's communities, filtered by outcome, compound or "mine"; one tap
records reached, not reached or needs help (which opens a help request); Excel of the list."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shequ.assistance import exports, selectors, watch
from shequ.assistance.models import HelpKind, WatchOutcome
from shequ.core.errors import ValidationError
from shequ.core.exports import xlsx_response


def _filters(request: HttpRequest) -> watch.WatchFilter:
    outcome = request.GET.get("outcome", "all")
    compound = request.GET.get("compound", "")
    return watch.WatchFilter(
        outcome=outcome if outcome in watch.OUTCOME_FILTERS else "all",
        compound=int(compound) if compound.isdigit() and len(compound) < 12 else None,
        mine=request.GET.get("mine") == "1",
    )


def _record(request: HttpRequest) -> dict[str, str]:
    """One tap: the outcome of one check; the errors, or {} when done."""
    if not watch.may_record(request.user):
        raise PermissionDenied(_("Your role may not record watch-list checks."))
    check = watch.get_check_for(request.user, request.POST.get("check"))
    try:
        done = watch.watch_record(
            actor=request.user,
            check=check,
            outcome=request.POST.get("outcome", ""),
            note=request.POST.get("note", ""),
            kind=request.POST.get("kind") or HelpKind.OTHER,
        )
    except ValidationError as exc:
        return exc.errors
    note = _("%(name)s: %(outcome)s.") % {
        "name": check.resident.name,
        "outcome": done.get_outcome_display(),
    }
    if done.help_request_id:
        note += " " + _("Help request #%d opened.") % done.help_request_id
    messages.success(request, note)
    return {}


@login_required
def watch_page(request: HttpRequest) -> HttpResponse:
    """Today's checks, open ones to find with ?outcome=open; Excel with ?format=xlsx."""
    if not selectors.may_see_help(request.user):
        raise PermissionDenied(_("Your role does not see the watch list."))
    errors: dict[str, str] = {}
    if request.method == "POST":
        errors = _record(request)
        if not errors:
            return redirect(request.get_full_path())
    filters = _filters(request)
    rows = watch.watch_list(request.user, filters)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(exports.watch_xlsx(rows[:20_000]), "watch-list.xlsx")
    page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "counts": watch.watch_counts(watch.watch_list(request.user)),
        "outcomes": [("all", _("All")), ("open", _("Still to reach")), *WatchOutcome.choices],
        "compounds": watch.compounds_for(request.user),
        "kinds": HelpKind.choices,
        "may_record": watch.may_record(request.user),
        "errors": errors,
        "query": request.GET.urlencode(),
    }
    return render(request, "assistance/watch.html", context, status=400 if errors else 200)
