"""Pages: make a roster, the roster grid a week at a time, its cells edited by hand with a
live rule check, publish / re-plan / discard, and the roster as an Excel sheet and (once
published) as an A4 print."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.access import get_for
from shequ.core.errors import ValidationError
from shequ.core.exports import xlsx_response, xlsx_table
from shequ.duty import pdf, planning, selectors, services
from shequ.duty.forms import (
    CellAddForm,
    CellRemoveForm,
    GenerateForm,
    ReplanForm,
    whole_number,
)
from shequ.duty.models import Roster, RosterStatus, Shift


@login_required
@require_POST
def roster_new(request: HttpRequest) -> HttpResponse:
    """Queue a draft roster from the home page's form (planners only); see roster_jobs.py."""
    services.require_plans_somewhere(request.user)
    places = selectors.planning_places(request.user)
    form = GenerateForm(request.POST, places=places[:500])
    if form.is_valid():
        place = get_for(places, form.cleaned_data["place"], what="place")
        try:
            # Solved by the worker, not in this request: the job page shows the progress.
            job = planning.roster_job_start(
                actor=request.user,
                place=place,
                starts_on=form.cleaned_data["starts_on"],
                days=form.cleaned_data["days"],
            )
        except ValidationError as exc:
            exc.apply_to_form(form)
        else:
            return redirect("duty:roster_job", job.pk)
    page = Paginator(selectors.live_rosters_for(request.user), settings.PAGE_SIZE).get_page(1)
    return render(
        request,
        "duty/home.html",
        {
            "form": form,
            "page": page,
            "communities": selectors.planning_communities(request.user)[:50],
            "may_plan": True,
        },
        status=400,
    )


@login_required
def roster_page(request: HttpRequest, roster_id: int) -> HttpResponse:
    """The roster as a grid, a week at a time, with what it misses in words."""
    return _roster_page(request, selectors.get_roster_for(request.user, roster_id))


def _roster_page(
    request: HttpRequest, roster: Roster, replan_form: ReplanForm | None = None, status: int = 200
) -> HttpResponse:
    grid = selectors.roster_grid(roster, whole_number(request.GET.get("week")))
    may_plan = selectors.may_plan(request.user, roster.place)
    explanation = [planning.explanation_text(item) for item in roster.explanation]
    return render(
        request,
        "duty/roster.html",
        {
            "roster": roster,
            "grid": grid,
            "may_plan": may_plan,
            "editable": may_plan and roster.status in (RosterStatus.DRAFT, RosterStatus.PUBLISHED),
            "explanation": explanation,
            "replan_form": replan_form,
        },
        status=status,
    )


@login_required
@require_POST
def roster_action(request: HttpRequest, roster_id: int, action: str) -> HttpResponse:
    """Publish, re-plan or discard a roster."""
    roster = selectors.get_roster_for(request.user, roster_id)
    try:
        if action == "publish":
            planning.roster_publish(actor=request.user, roster=roster)
            messages.success(request, _("Published; everyone on it sees their shifts."))
        elif action == "replan":
            form = ReplanForm(request.POST)
            if not form.is_valid():
                return _roster_page(request, roster, replan_form=form, status=400)
            draft = planning.roster_replan(
                actor=request.user, roster=roster, reason=form.cleaned_data["reason"]
            )
            messages.success(
                request, _("Re-plan ready: %d changes. Check and publish.") % (draft.changes)
            )
            return redirect("duty:roster", draft.pk)
        elif action == "discard":
            planning.roster_discard(actor=request.user, roster=roster)
            messages.success(request, _("Draft discarded."))
            return redirect("duty:home")
        else:
            raise Http404("action")
    except ValidationError as exc:
        for message in exc.errors.values():
            messages.error(request, message)
    return redirect("duty:roster", roster.pk)


def _cell_context(
    request: HttpRequest, roster: Roster, shift: Shift, day: dt.date
) -> dict[str, Any]:
    crew = selectors.cell_crew(roster, shift, day)
    on = {a.staff_id for a in crew}
    pool = planning.pool(roster.place)
    candidates = sorted((s for s in pool if s.pk not in on), key=lambda s: (s.name, s.pk))
    return {
        "roster": roster,
        "shift": shift,
        "day": day,
        "crew": crew,
        "candidates": candidates,
        "editable": selectors.may_plan(request.user, roster.place)
        and roster.status in (RosterStatus.DRAFT, RosterStatus.PUBLISHED),
    }


def _cell_args(
    request: HttpRequest, roster_id: int, shift_id: int, day: str
) -> tuple[Roster, Shift, dt.date]:
    roster = selectors.get_roster_for(request.user, roster_id)
    shift = selectors.get_roster_shift(roster, shift_id)
    try:
        when = dt.date.fromisoformat(day)
    except ValueError as exc:
        raise Http404("day") from exc
    if not roster.starts_on <= when <= roster.ends_on:
        raise Http404("cell")
    return roster, shift, when


@login_required
def roster_cell(request: HttpRequest, roster_id: int, shift_id: int, day: str) -> HttpResponse:
    """One cell of the grid: its crew, add a person (checked live) or take one off."""
    roster, shift, when = _cell_args(request, roster_id, shift_id, day)
    problems: list[str] = []
    add_form = CellAddForm()
    if request.method == "POST":
        services.require_planner(request.user, roster.place)
        if "remove" in request.POST:
            remove = CellRemoveForm(request.POST)
            if not remove.is_valid():
                raise Http404("No such assignment")  # a malformed id answers as an unknown one
            assignment = selectors.get_assignment_in(roster, remove.cleaned_data["remove"])
            try:
                planning.assignment_remove(actor=request.user, assignment=assignment)
            except ValidationError as exc:
                problems = list(exc.errors.values())
        else:
            add_form = CellAddForm(request.POST)
            if add_form.is_valid():
                staff = selectors.staff_by_id(add_form.cleaned_data["staff"])
                try:
                    if staff is None:
                        raise ValidationError({"staff": _("Choose a person.")})
                    planning.assignment_add(
                        actor=request.user, roster=roster, shift=shift, day=when, staff=staff
                    )
                except ValidationError as exc:
                    exc.apply_to_form(add_form)
            problems = list(add_form.non_field_errors())
        refused = bool(problems) or bool(add_form.errors)
        if not request.htmx and not refused:
            return redirect(reverse("duty:roster", args=[roster.pk]))
    context = _cell_context(request, roster, shift, when)
    context["problems"] = problems
    context["add_form"] = add_form
    template = "duty/cell.html" if request.htmx else "duty/cell_page.html"
    status = 400 if problems or add_form.errors else 200
    return render(request, template, context, status=status)


@login_required
def roster_check(request: HttpRequest, roster_id: int, shift_id: int, day: str) -> HttpResponse:
    """Live rule check while choosing a person for a cell (htmx)."""
    roster, shift, when = _cell_args(request, roster_id, shift_id, day)
    staff_id = whole_number(request.GET.get("staff"))
    problems = planning.check_add(roster, shift, when, staff_id) if staff_id else []
    return render(request, "duty/check.html", {"problems": problems, "checked": bool(staff_id)})


@login_required
def roster_export(request: HttpRequest, roster_id: int) -> HttpResponse:
    """The roster as an Excel sheet: a row per shift, a column per day."""
    roster = selectors.get_roster_for(request.user, roster_id)
    header = [_("Post"), _("Shift")] + [f"{d:%m-%d}" for d in roster.day_list()]
    filename = f"roster-{roster.place.code}-{roster.starts_on:%Y%m%d}.xlsx"
    table = xlsx_table(_("Roster"), header, selectors.roster_table(roster))
    return xlsx_response(table, filename)


@login_required
def roster_pdf(request: HttpRequest, roster_id: int) -> HttpResponse:
    """A published roster on A4 landscape for the wall (duty/pdf.py); a draft, superseded or
    discarded roster is not printed (404): the wall shows only the roster in force."""
    roster = selectors.get_roster_for(request.user, roster_id)
    if roster.status != RosterStatus.PUBLISHED:
        raise Http404
    response = HttpResponse(pdf.roster_pdf(roster), content_type="application/pdf")
    filename = f"roster-{roster.place.code}-{roster.starts_on:%Y%m%d}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
