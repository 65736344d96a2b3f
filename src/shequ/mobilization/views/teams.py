"""Pages: an order's confirmed teams, forming a draft, adjusting it (swap) and confirming it,
and the teams as Excel."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.exports import xlsx_response, xlsx_table
from shequ.mobilization import formation, selectors
from shequ.mobilization.forms import CHOOSE_TWO, DraftActionForm, SwapForm, TeamRulesForm
from shequ.mobilization.views._common import open_order


@login_required
def teams_page(request: HttpRequest) -> HttpResponse:
    """Confirmed teams of an order; forming a new draft from who reported in."""
    order, orders = open_order(request)
    may_form = selectors.may_form_teams(request.user, order)
    form = TeamRulesForm(request.POST if request.method == "POST" else None, auto_id="%s")
    if request.method == "POST":
        if not may_form:
            raise PermissionDenied(
                _("Only the HQ or the district that issued the order forms teams.")
            )
        if form.is_valid():
            try:
                rules = formation.rules_from(**form.rules())
                draft = formation.team_draft_create(actor=request.user, order=order, rules=rules)
            except ValidationError as exc:
                exc.apply_to_form(form)
            else:
                return redirect("mobilization:draft", draft_id=draft.pk)
    page = Paginator(selectors.teams_listed(request.user, order), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "mobilization/teams.html",
        {
            "order": order,
            "orders": orders,
            "page": page,
            "may_form": may_form,
            "form": form,
            "pool": selectors.pool_size(request.user, order),
        },
    )


@login_required
def draft_page(request: HttpRequest, draft_id: int) -> HttpResponse:
    """Preview a formation, swap two people, confirm."""
    draft = selectors.get_draft_for(request.user, draft_id)
    error = ""
    if request.method == "POST":
        swap = SwapForm(request.POST)
        action = DraftActionForm(request.POST)
        if not action.is_valid():
            raise BadRequest(_("Unknown action on the draft page."))
        try:
            if action.cleaned_data["action"] == "confirm":
                made = formation.team_draft_confirm(actor=request.user, draft=draft)
                messages.success(request, _("%d teams confirmed.") % len(made))
                return redirect(f"{reverse('mobilization:teams')}?order={draft.order_id}")
            if not swap.is_valid():
                raise ValidationError({"first": str(CHOOSE_TWO)})
            formation.team_draft_swap(actor=request.user, draft=draft, **swap.cleaned_data)
        except ValidationError as exc:
            error = next(iter(exc.errors.values()))
        draft = selectors.get_draft_for(request.user, draft_id)
    shown = selectors.draft_view(draft)
    page = Paginator(shown.rows, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "mobilization/draft.html",
        {"draft": draft, "page": page, "error": error, "teams": shown.rows},
    )


@login_required
def teams_export(request: HttpRequest, order_id: int) -> HttpResponse:
    """Confirmed teams as Excel: one row per person."""
    order = selectors.get_order_for(request.user, order_id)
    header = [
        _("Team"),
        _("Role"),
        _("Name"),
        _("Agency"),
        _("Rank"),
        _("Party member"),
        _("Community"),
    ]
    rows = (
        [
            m.team.number,
            _("Leader") if m.is_leader else _("Member"),
            m.staff.name,
            m.staff.agency.name if m.staff.agency else "",
            m.staff.get_rank_display(),
            _("yes") if m.staff.party_member else "",
            m.team.community.name if m.team.community else "",
        ]
        for m in selectors.team_members(request.user, order).iterator(chunk_size=1000)
    )
    content = xlsx_table(_("Teams"), header, rows)
    return xlsx_response(content, f"teams-{order.pk}.xlsx")
