"""Pages: the day's reports in scope, one community's report (review, correct, submit),
roll-ups with the worst communities and the late list, an agency's own report."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.errors import ValidationError
from shequ.places.models import Place
from shequ.reports import exports, selectors, services
from shequ.reports import subscriptions as subs
from shequ.reports.forms import AgencyReportForm, CorrectionForm, SubscribeForm, TextForm
from shequ.reports.models import ReportStatus


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise Http404("No such day") from None


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The day's reports of every community in scope, the roll-ups to open."""
    if not selectors.may_see_reports(request.user):
        raise PermissionDenied(_("Your role may not see daily reports."))
    try:
        day = dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = timezone.localdate()
    page = Paginator(selectors.report_communities(request.user), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    page.object_list = selectors.with_reports(list(page.object_list), day)
    return render(
        request,
        "reports/home.html",
        {
            "day": day,
            "page": page,
            "roots": selectors.rollup_roots(request.user),
            "files_agency": selectors.files_agency_reports(request.user),
            "agency_reports": selectors.agency_reports_for(request.user, day),
        },
    )


@login_required
def community(request: HttpRequest, community_id: int, day: str) -> HttpResponse:
    """One community's report of a day: figures, corrections, text; compile, correct, submit."""
    place = selectors.get_report_community_for(request.user, community_id)
    the_day = _day(day)
    if request.method == "GET" and (
        download := exports.report_file(place, the_day, request.GET.get("format", ""))
    ):
        return download
    report = selectors.report_of(place, the_day)
    may_submit = selectors.may_submit(request.user, place)
    correction = CorrectionForm()
    text = TextForm(initial=selectors.text_of(report))
    if request.method == "POST":
        if not may_submit:
            raise PermissionDenied(_("Only the community's staff compile, correct and submit."))
        action = request.POST.get("action", "")
        try:
            if action == "compile":
                services.compile_report(actor=request.user, community=place, day=the_day)
                messages.success(request, _("The report is compiled from the records."))
                return redirect(request.path)
            if report is None:
                raise ValidationError({"action": _("Compile the report first.")})
            if action == "correct":
                correction = CorrectionForm(request.POST)
                if correction.is_valid():
                    services.correct_figure(
                        actor=request.user, report=report, **correction.cleaned_data
                    )
                    messages.success(request, _("The figure is corrected."))
                    return redirect(request.path)
            elif action in ("text", "submit"):
                text = TextForm(request.POST)
                if text.is_valid():
                    if action == "submit":
                        services.submit_report(
                            actor=request.user, report=report, **text.cleaned_data
                        )
                        messages.success(request, _("The report is submitted."))
                    else:
                        services.save_text(actor=request.user, report=report, **text.cleaned_data)
                        messages.success(request, _("Saved."))
                    return redirect(request.path)
            else:
                raise ValidationError({"action": _("Choose what to do.")})
        except ValidationError as exc:
            target = correction if action == "correct" else text
            if set(exc.errors) <= set(target.fields):
                exc.apply_to_form(target)
            else:
                for message in exc.errors.values():
                    messages.error(request, message)
    return render(
        request,
        "reports/community.html",
        {
            "community": place,
            "day": the_day,
            "report": report,
            "rows": selectors.figure_rows(report) if report else [],
            "breakdown": selectors.duty_breakdown(place, the_day),
            "editable": may_submit and (report is None or report.status == ReportStatus.DRAFT),
            "may_submit": may_submit,
            "correction": correction,
            "text": text,
            "deadline": selectors.deadline(the_day),
            **_subscribe_context(request, place),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def rollup(request: HttpRequest, place_id: int, day: str) -> HttpResponse:
    """A street's, district's or city's figures summed, the worst five per figure, and which
    communities' reports are late or missing."""
    place = selectors.get_rollup_place_for(request.user, place_id)
    if download := exports.rollup_file(place, _day(day), request.GET.get("format", "")):
        return download
    up = selectors.rollup(place, _day(day))
    return render(
        request,
        "reports/rollup.html",
        {"up": up, "place": place, "day": up.day, **_subscribe_context(request, place)},
    )


def _subscribe_context(request: HttpRequest, place: Place) -> dict[str, object]:
    current = selectors.subscription_to(request.user, place)
    initial = {"place": place.pk, "format": current.format if current else "pdf"}
    return {"subscription": current, "subscribe_form": SubscribeForm(initial=initial)}


@login_required
def subscriptions(request: HttpRequest) -> HttpResponse:
    """One's subscriptions (the day's file in the inbox); subscribe from a report's or a
    roll-up's page, unsubscribe here."""
    if not selectors.may_see_reports(request.user):
        raise PermissionDenied(_("Your role may not see daily reports."))
    if request.method == "POST":
        if request.POST.get("action") == "unsubscribe":
            sub = selectors.get_subscription_for(request.user, request.POST.get("subscription"))
            subs.unsubscribe(actor=request.user, subscription=sub)
            messages.success(request, _("Unsubscribed."))
            return redirect("reports:subscriptions")
        form = SubscribeForm(request.POST)
        if not form.is_valid():
            raise Http404("No such place")
        place = selectors.get_rollup_place_for(request.user, form.cleaned_data["place"])
        try:
            subs.subscribe(actor=request.user, place=place, format=form.cleaned_data["format"])
        except ValidationError as exc:
            for message in exc.errors.values():
                messages.error(request, message)
        else:
            messages.success(request, _("Each day's file will be in your inbox."))
        return redirect("reports:subscriptions")
    return render(
        request,
        "reports/subscriptions.html",
        {
            "page": Paginator(
                selectors.subscriptions_of(request.user), settings.PAGE_SIZE
            ).get_page(request.GET.get("page"))
        },
    )


@login_required
def agency(request: HttpRequest, day: str) -> HttpResponse:
    """An agency's own daily report, filed by its coordinator."""
    the_day = _day(day)
    agencies = list(selectors.agencies_filing(request.user))
    if not agencies:
        raise PermissionDenied(_("Only an agency's coordinator files its daily report."))
    choices = [(a.code, a.name) for a in agencies]
    filed = selectors.filed_by_agencies(agencies, the_day)
    form = AgencyReportForm(agencies=choices)
    if request.method == "POST":
        form = AgencyReportForm(request.POST, agencies=choices)
        if form.is_valid():
            data = dict(form.cleaned_data)
            chosen = selectors.get_filing_agency_for(request.user, data.pop("agency"))
            try:
                services.file_agency_report(actor=request.user, agency=chosen, day=the_day, **data)
            except ValidationError as exc:
                exc.apply_to_form(form)
            else:
                messages.success(request, _("The agency's report is filed."))
                return redirect(request.path)
    return render(
        request,
        "reports/agency.html",
        {"form": form, "day": the_day, "filed": filed},
        status=400 if request.method == "POST" else 200,
    )
