"""Pages for entry passes: the list by building, issuing (a building's or one household's),
a pass with its QR code and changes, and the printable PDF sheet of a building.

Passes are for whoever issues them (ISSUE_PASSES): others get 403 on the list and issue
pages and 404 on any one pass, building or community outside their scope
(`selectors.get_issued_place_for`, `selectors.get_pass_for`).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from shequ.checkpoints import pdf, selectors, services
from shequ.checkpoints.forms import (
    BuildingChosenForm,
    BuildingIssueForm,
    HouseholdIssueForm,
    LostForm,
    PassActionForm,
    ReissueForm,
    RevokeForm,
)
from shequ.checkpoints.models import EntryPass, PassStatus
from shequ.checkpoints.passes import pass_token
from shequ.core.errors import ValidationError
from shequ.core.qr import qr_svg_response
from shequ.core.roles import Capability
from shequ.places.addresses import address_labels, attach_addresses, scope_paths
from shequ.places.models import Place, PlaceKind

HISTORY_ACTIONS = {
    "entry_pass.issue": gettext_lazy("Issued"),
    "entry_pass.revoke": gettext_lazy("Revoked"),
    "entry_pass.lost": gettext_lazy("Reported lost"),
    "entry_pass.reissue": gettext_lazy("Reissued"),
}


def _pass_history(entry_pass: EntryPass) -> list[dict[str, Any]]:
    return [
        {
            "at": e.at,
            "action": HISTORY_ACTIONS.get(e.action, e.action),
            "actor": e.actor,
            "changes": e.changes,
        }
        for e in selectors.pass_history(entry_pass)
    ]


def _optional_place(request: HttpRequest, value: str | int | None, kind: str) -> Place | None:
    """The place of this kind the user issues passes for, named by `value`; None when no id
    is given (404 for any other)."""
    return (
        None if value in (None, "") else selectors.get_issued_place_for(request.user, value, kind)
    )


def _status_of(value: str) -> str:
    return value if value in PassStatus.values else ""


# -- passes ---------------------------------------------------------------------------------


def _address(request: HttpRequest, household: Place) -> str:
    """The household's address as the user's lists say it (with the community above one)."""
    within = scope_paths(request.user, Capability.ISSUE_PASSES)
    return address_labels([household], within=within)[household.pk]


@login_required
def pass_list(request: HttpRequest) -> HttpResponse:
    """Passes in scope by community and building, filtered by status and text (household name
    or code, holder's name); with a building chosen, its households that have no pass."""
    communities = list(
        selectors.communities_for(request.user, Capability.ISSUE_PASSES, by="path")[:500]
    )
    community = _optional_place(request, request.GET.get("community"), PlaceKind.COMMUNITY)
    if community is None and len(communities) == 1:
        community = communities[0]
    building = _optional_place(request, request.GET.get("building"), PlaceKind.BUILDING)
    if building and community and not building.path.startswith(community.path):
        building = None
    status = _status_of(request.GET.get("status", ""))
    text = request.GET.get("q", "").strip()[:50]
    buildings = selectors.pass_buildings(request.user, community)[:500]
    qs = selectors.pass_list(
        request.user, community=community, building=building, status=status, text=text
    )
    page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    within = [community] if community else scope_paths(request.user, Capability.ISSUE_PASSES)
    page.object_list = attach_addresses(page.object_list, lambda p: p.household, within=within)
    without: list[Place] = []
    if building is not None:
        without = list(selectors.households_without_pass(building)[:200])
    context = {
        "page": page,
        "communities": communities,
        "community": community,
        "buildings": buildings,
        "building": building,
        "status": status,
        "statuses": PassStatus.choices,
        "q": text,
        "without": without,
        "building_address": address_labels([building], within=within).get(building.pk)
        if building
        else "",
    }
    template = (
        "checkpoints/pass_list.html#results" if request.htmx else "checkpoints/pass_list.html"
    )
    return render(request, template, context)


@login_required
def pass_issue_building(request: HttpRequest) -> HttpResponse:
    """Issue passes to every household of a building that has residents and no pass yet."""
    buildings = list(selectors.issued_places(request.user, PlaceKind.BUILDING)[:1000])
    picked = BuildingChosenForm(request.POST if request.method == "POST" else request.GET)
    if not picked.is_valid():
        raise Http404("building")  # no id at all answers as an unknown one
    chosen = _optional_place(request, picked.cleaned_data["building"], PlaceKind.BUILDING)
    if chosen is not None and chosen not in buildings:
        buildings.append(chosen)
    initial = {"building": chosen.pk} if chosen else {}
    form = BuildingIssueForm(
        request.POST if request.method == "POST" else None, buildings=buildings, initial=initial
    )
    status = 200
    if request.method == "POST":
        if form.is_valid() and chosen is not None:  # a valid form names a building
            try:
                issued = services.passes_issue_building(
                    actor=request.user,
                    building=chosen,
                    valid_from=form.cleaned_data["valid_from"],
                    valid_until=form.cleaned_data["valid_until"],
                )
            except ValidationError as exc:
                exc.apply_to_form(form)
            else:
                if issued:
                    messages.success(
                        request,
                        ngettext("%d pass issued.", "%d passes issued.", len(issued)) % len(issued),
                    )
                else:
                    messages.info(
                        request,
                        _("No pass issued: every household with residents already has one."),
                    )
                return redirect(_list_url(chosen))
        status = 400
    return render(
        request, "checkpoints/pass_issue.html", {"form": form, "building": chosen}, status=status
    )


def _list_url(building: Place) -> str:
    community = services.community_of(building)
    return f"{reverse('checkpoints:pass_list')}?community={community.pk}&building={building.pk}"


@login_required
def pass_issue_household(request: HttpRequest, household_id: int) -> HttpResponse:
    """Issue one household's pass, choosing who holds it."""
    household = selectors.get_issued_place_for(request.user, household_id, PlaceKind.HOUSEHOLD)
    existing = selectors.pass_of_household(household)
    if existing is not None:
        messages.info(request, _("This household already has a pass: reissue or renew it."))
        return redirect("checkpoints:pass_detail", existing.pk)
    residents = selectors.household_residents(household)
    form = HouseholdIssueForm(
        request.POST if request.method == "POST" else None, residents=residents
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            chosen = {int(pk) for pk in form.cleaned_data["holders"]}
            try:
                entry_pass = services.pass_issue(
                    actor=request.user,
                    household=household,
                    valid_from=form.cleaned_data["valid_from"],
                    valid_until=form.cleaned_data["valid_until"],
                    holders=[r for r in residents if r.pk in chosen],
                )
            except ValidationError as exc:
                exc.apply_to_form(form)
            else:
                messages.success(request, _("Pass issued."))
                return redirect("checkpoints:pass_detail", entry_pass.pk)
        status = 400
    return render(
        request,
        "checkpoints/pass_issue_household.html",
        {
            "form": form,
            "household": household,
            "address": _address(request, household),
            "residents": residents,
        },
        status=status,
    )


@login_required
def pass_detail(request: HttpRequest, pass_id: int) -> HttpResponse:
    """A pass: holders, validity, history, its QR code; revoke, report lost, reissue."""
    entry_pass = selectors.get_pass_for(request.user, pass_id)
    posted = PassActionForm(request.POST if request.method == "POST" else None)
    if posted.is_bound and not posted.is_valid():
        raise Http404("action")
    action = posted.cleaned_data["action"] if posted.is_bound else ""
    forms = {
        "revoke": RevokeForm(request.POST if action == "revoke" else None, prefix="revoke"),
        "lost": LostForm(request.POST if action == "lost" else None, prefix="lost"),
        "reissue": ReissueForm(request.POST if action == "reissue" else None, prefix="reissue"),
    }
    if action:
        form = forms[action]
        if form.is_valid():
            data = form.cleaned_data
            try:
                if action == "revoke":
                    services.pass_revoke(
                        actor=request.user, entry_pass=entry_pass, reason=data["reason"]
                    )
                    messages.success(request, _("Pass revoked: its copies are refused."))
                elif action == "lost":
                    services.pass_report_lost(
                        actor=request.user, entry_pass=entry_pass, note=data["note"]
                    )
                    messages.success(request, _("Reported lost. Reissue it to print a new copy."))
                else:
                    done = services.pass_reissue(
                        actor=request.user, entry_pass=entry_pass, valid_until=data["valid_until"]
                    )
                    messages.success(
                        request,
                        _("Reissued as version %d: print it; older copies are refused.")
                        % done.version,
                    )
            except ValidationError as exc:
                exc.apply_to_form(form)
            else:
                return redirect("checkpoints:pass_detail", entry_pass.pk)
    return render(
        request,
        "checkpoints/pass_detail.html",
        {
            "entry_pass": entry_pass,
            "building": entry_pass.household.parent,
            "address": _address(request, entry_pass.household),
            "holders": list(entry_pass.holders.all()),
            "history": _pass_history(entry_pass),
            "number": pdf.pass_number(entry_pass),
            "revoke_form": forms["revoke"],
            "lost_form": forms["lost"],
            "reissue_form": forms["reissue"],
        },
        status=400 if action else 200,
    )


@login_required
def pass_qr(request: HttpRequest, pass_id: int) -> HttpResponse:
    """The QR code of the pass's current version (what the gate scans), as SVG."""
    entry_pass = selectors.get_pass_for(request.user, pass_id)
    return qr_svg_response(pass_token(entry_pass.pk, entry_pass.version))


@login_required
def building_pdf(request: HttpRequest, building_id: int) -> HttpResponse:
    """Printable cards of a building's active passes (revoked and lost ones are left out)."""
    building = selectors.get_issued_place_for(request.user, building_id, PlaceKind.BUILDING)
    passes = selectors.active_passes(request.user, building)
    response = HttpResponse(pdf.passes_sheet(passes), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="passes-{building.code}.pdf"'
    return response
