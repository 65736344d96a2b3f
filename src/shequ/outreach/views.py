"""Desk pages of door-to-door campaigns: the list (and its Excel), a new campaign with its
question builder, the campaign board (progress per building, team and compound, a chart,
giving buildings out; Excel of every door), and the registry proposals to confirm."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.charts import Chart, Series
from shequ.core.errors import ValidationError
from shequ.core.exports import xlsx_response, xlsx_table
from shequ.outreach import registry, selectors, services
from shequ.outreach.forms import (
    PRESETS,
    ROWS,
    AssignForm,
    CampaignForm,
    ConfirmForm,
    QuestionFormSet,
    keep_labels,
    questions_from,
    rows_from,
)
from shequ.outreach.models import Campaign, CampaignStatus, TaskStatus
from shequ.outreach.questions import label_of, type_labels
from shequ.places import selectors as places


def _seen(request: HttpRequest) -> None:
    if not selectors.may_see(request.user):
        raise PermissionDenied(_("Your role has no door-to-door campaigns."))


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Campaigns in scope, newest first; `?format=xlsx` for the list as Excel."""
    _seen(request)
    campaigns = selectors.campaigns_for(request.user)
    if request.GET.get("format") == "xlsx":
        rows = (
            [c.name, c.get_kind_display(), c.community.name, c.get_status_display(),
             timezone.localtime(c.created_at).strftime("%Y-%m-%d %H:%M")]
            for c in campaigns[:10000]
        )  # fmt: skip
        header = [_("Name"), _("What for"), _("Community"), _("Status"), _("Created")]
        return xlsx_response(xlsx_table(_("Campaigns"), header, rows), "campaigns.xlsx")
    page = Paginator(campaigns, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "outreach/home.html",
        {
            "page": page,
            "may_run": selectors.may_run(request.user),
            "mine": selectors.has_buildings(request.user),
            "proposals": selectors.open_proposals_count(request.user),
        },
    )


def _question_rows(
    request: HttpRequest, kind: str, questions: list[dict[str, Any]] | None = None
) -> Any:
    """The builder's rows: posted (plus blank ones on "more rows"), else `questions` or the
    kind's preset, with blank rows to fill."""
    labels = type_labels()
    if request.method == "POST":
        formset = QuestionFormSet(request.POST, prefix="q", form_kwargs={"type_labels": labels})
        if "more" in request.POST and formset.is_valid():
            kept = [row for row in formset.cleaned_data if (row.get("label") or "").strip()]
            rows = [*kept, *({} for _n in range(ROWS))]
            return QuestionFormSet(initial=rows, prefix="q", form_kwargs={"type_labels": labels})
        return formset
    start = PRESETS.get(kind, []) if questions is None else questions
    rows = [*rows_from(start), *({} for _n in range(ROWS))]
    return QuestionFormSet(initial=rows, prefix="q", form_kwargs={"type_labels": labels})


@login_required
def new(request: HttpRequest) -> HttpResponse:
    """A campaign: its name, what for, per household or resident, the community and which of
    its compounds and buildings, and the questions asked at each door."""
    communities = selectors.managed_communities(request.user)
    if not communities:
        raise PermissionDenied(_("Only community staff and officers above run campaigns."))
    chosen = request.POST.get("community") or request.GET.get("community") or communities[0].pk
    community = get_for_list(communities, chosen) or communities[0]
    kind = request.POST.get("kind") or request.GET.get("kind") or "screening"
    form = CampaignForm(
        request.POST or None,
        initial={"community": community.pk, "kind": kind},
        communities=[(c.pk, c.name) for c in communities],
        places=[
            (p.pk, f"{p.parent.name} · {p.name}" if p.kind == "building" else p.name)
            for p in selectors.scope_choices(request.user, community)
        ],
    )
    formset = _question_rows(request, kind)
    if (
        request.method == "POST"
        and "more" not in request.POST
        and "community_only" not in request.POST
        and form.is_valid()
        and formset.is_valid()
    ):
        data = form.cleaned_data
        try:
            campaign = services.campaign_create(
                actor=request.user,
                name=data["name"],
                kind=data["kind"],
                unit=data["unit"],
                community=community,
                places=[places.get_place_for(request.user, pk) for pk in data["places"]],
                questions=questions_from(formset),
            )
        except ValidationError as exc:
            exc.apply_to_form(form)
        else:
            messages.success(
                request,
                _("Campaign made: %(n)d doors to knock.")
                % {"n": selectors.progress_totals(campaign)["total"]},
            )
            return redirect("outreach:board", campaign.pk)
    return render(request, "outreach/new.html", {"form": form, "formset": formset})


@login_required
def questions(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Edit a campaign's questions with the same builder as a new campaign's; those answered
    at some door already stay readable (the service says which and why)."""
    campaign = selectors.get_campaign_for(request.user, campaign_id, selectors.MANAGE)
    formset = _question_rows(request, campaign.kind, campaign.questions)
    errors: dict[str, str] = {}
    if request.method == "POST" and "more" not in request.POST and formset.is_valid():
        try:
            services.campaign_questions_set(
                actor=request.user,
                campaign=campaign,
                questions=keep_labels(questions_from(formset), campaign.questions),
            )
        except ValidationError as exc:
            errors = exc.errors
        else:
            messages.success(request, _("The questions are saved."))
            return redirect("outreach:board", campaign.pk)
    return render(
        request,
        "outreach/questions.html",
        {
            "campaign": campaign,
            "formset": formset,
            "errors": errors,
            "answered": selectors.has_answers(campaign),
        },
        status=400 if errors else 200,
    )


def get_for_list(items: list[Any], pk: Any) -> Any:
    """The item of `items` with id `pk` (a form's choice), or None."""
    return next((i for i in items if str(i.pk) == str(pk)), None)


def _chart(buildings: list[dict[str, Any]]) -> Chart:
    labels = [f"{b['building__parent__name']} {b['building__name']}" for b in buildings]
    return Chart(
        id="outreach-progress",
        title=_("Doors per building"),
        labels=labels,
        kind="hbar",
        stack=True,
        series=[
            Series(_("Done"), [b["done"] for b in buildings], "green"),
            Series(_("Nobody home"), [b["nobody_home"] for b in buildings], "orange"),
            Series(_("Refused to answer"), [b["refused"] for b in buildings], "red"),
            Series(_("Moved away"), [b["moved"] for b in buildings], "purple"),
            Series(_("To visit"), [b["open"] for b in buildings], "grey"),
        ],
    )


@login_required
def board(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Progress of a campaign per building, team and compound, with a chart; staff give
    buildings to teams and close or reopen the campaign here."""
    campaign = selectors.get_campaign_for(request.user, campaign_id)
    manage = selectors.may_manage(request.user, campaign)
    teams = list(selectors.community_teams(campaign)) if manage else []
    buildings = selectors.progress_by_building(campaign)
    form = AssignForm(
        request.POST if request.POST.get("action") == "assign" else None,
        buildings=[(b["building_id"], f"{b['building__parent__name']} {b['building__name']}")
                   for b in buildings],
        teams=[(t.pk, _("Team %(n)s (%(leader)s)") % {"n": t.number, "leader": t.leader.name})
               for t in teams],
    )  # fmt: skip
    if request.method == "POST":
        selectors.get_campaign_for(request.user, campaign_id, selectors.MANAGE)
        action = request.POST.get("action")
        try:
            if action == "assign" and form.is_valid():
                team = get_for_list(teams, form.cleaned_data["team"])
                count = services.buildings_assign(
                    actor=request.user, campaign=campaign, team=team,
                    buildings=[selectors.get_building_for(request.user, campaign, pk)
                               for pk in form.cleaned_data["buildings"]],
                )  # fmt: skip
                messages.success(request, _("%(n)d buildings given out.") % {"n": count})
                return redirect("outreach:board", campaign.pk)
            if action in (CampaignStatus.OPEN, CampaignStatus.CLOSED):
                services.campaign_set_status(actor=request.user, campaign=campaign, status=action)
                return redirect("outreach:board", campaign.pk)
            if action == "add_tasks":
                added = services.campaign_add_tasks(actor=request.user, campaign=campaign)
                messages.success(request, _("%(n)d new doors added.") % {"n": added})
                return redirect("outreach:board", campaign.pk)
        except ValidationError as exc:
            exc.apply_to_form(form)
    return render(
        request,
        "outreach/board.html",
        {
            "campaign": campaign,
            "manage": manage,
            "totals": selectors.progress_totals(campaign),
            "buildings": buildings,
            "teams": selectors.progress_by_team(campaign),
            "compounds": selectors.progress_by_compound(campaign),
            "chart": _chart(buildings) if buildings else None,
            "form": form,
            "has_teams": bool(teams),
            "questions": [label_of(q) for q in campaign.questions],
        },
    )


def _answer_text(value: Any) -> str:
    if value is True:
        return _("yes")
    if value is False:
        return _("no")
    return str(value)


@login_required
def tasks_export(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Every door of the campaign with its status, revisits and answers, as Excel."""
    campaign = selectors.get_campaign_for(request.user, campaign_id)
    keys = [q["key"] for q in campaign.questions]
    header = [_("Compound"), _("Building"), _("Household"), _("Resident"), _("Status"),
              _("Nobody-home visits"), _("Updated"),
              *[label_of(q) for q in campaign.questions]]  # fmt: skip
    rows = (
        [t.building.parent.name, t.building.name, t.household.name,
         t.resident.name if t.resident_id else "", TaskStatus(t.status).label, t.visits,
         timezone.localtime(t.updated_at).strftime("%Y-%m-%d %H:%M"),
         *[_answer_text(t.answers[k]) if k in t.answers else "" for k in keys]]
        for t in selectors.campaign_tasks(campaign).iterator(chunk_size=2000)
    )  # fmt: skip
    return xlsx_response(xlsx_table(_("Doors"), header, rows), f"campaign-{campaign.pk}.xlsx")


@login_required
def proposals(request: HttpRequest) -> HttpResponse:
    """Registry proposals from the doors (new arrivals, returnees) to confirm or reject;
    `?format=xlsx` for the list as Excel."""
    status = request.GET.get("status", "proposed")
    if status not in ("proposed", "confirmed", "rejected", ""):
        status = "proposed"
    listed = selectors.proposals_for(request.user, status=status)
    if not selectors.may_run(request.user):
        raise PermissionDenied(_("Only the staff who change the registry confirm proposals."))
    if request.method == "POST":
        proposal = selectors.get_proposal_for(request.user, request.POST.get("proposal"))
        form = ConfirmForm(request.POST)
        form.is_valid()
        try:
            if request.POST.get("action") == "confirm":
                registry.proposal_confirm(
                    actor=request.user,
                    proposal=proposal,
                    document_number=form.cleaned_data.get("document_number", ""),
                )
                messages.success(request, _("Confirmed: %s is in the registry.") % proposal.name)
            else:
                registry.proposal_reject(
                    actor=request.user, proposal=proposal, note=request.POST.get("note", "")
                )
                messages.success(request, _("Rejected: %s.") % proposal.name)
            return redirect("outreach:proposals")
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.errors.values()))
    if request.GET.get("format") == "xlsx":
        rows = (
            [p.get_kind_display(), p.name, p.household.parent.name, p.household.name,
             p.came_from, p.get_status_display(),
             timezone.localtime(p.created_at).strftime("%Y-%m-%d %H:%M")]
            for p in listed[:10000]
        )  # fmt: skip
        header = [_("Kind"), _("Name"), _("Building"), _("Household"), _("Came from"),
                  _("Status"), _("Found")]  # fmt: skip
        return xlsx_response(xlsx_table(_("Proposals"), header, rows), "proposals.xlsx")
    page = Paginator(listed, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "outreach/proposals.html", {"page": page, "status": status, "form": ConfirmForm()}
    )


__all__ = ["Campaign", "board", "home", "new", "proposals", "tasks_export"]
