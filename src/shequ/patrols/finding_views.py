"""Pages of patrol findings: the list (open ones, or all; Excel), recording one (a photo, and
who follows it up by when), one finding with its follow-up (assign; resolve with a note)."""

from __future__ import annotations

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
from shequ.core.exports import xlsx_response
from shequ.core.roles import Capability
from shequ.patrols import exports, selectors, services
from shequ.patrols.forms import AssignForm, FindingForm, ResolveForm
from shequ.patrols.photos import read_photo
from shequ.patrols.services import AREA_PLACES


@login_required
def findings(request: HttpRequest) -> HttpResponse:
    """Findings at one's places (or assigned to one), open ones by default (`?all=1`: all)."""
    if not selectors.may_see(request.user):
        raise PermissionDenied(_("Your role sees no disinfection or patrols."))
    everything = request.GET.get("all") == "1"
    rows = selectors.findings_for(request.user, open_only=not everything)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(exports.findings_xlsx(rows[:10_000]), "patrol-findings.xlsx")
    return render(
        request,
        "patrols/findings.html",
        {
            "page": Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page")),
            "everything": everything,
            "may_record": selectors.may_record(request.user),
            "today": timezone.localdate(),
        },
    )


def _assignee_choices(place: object) -> list[tuple[int, str]]:
    return [(u.pk, u.display_name or u.username) for u in selectors.assignees(place)[:100]]


@login_required
def new_finding(request: HttpRequest) -> HttpResponse:
    """Record a finding on patrol: where (and which shop or spot), what, a photo, and
    optionally who follows it up by when."""
    if not selectors.may_record(request.user):
        raise PermissionDenied(_("Only cadres, volunteers and community staff record patrols."))
    places = selectors.places_for(request.user, Capability.RECORD_ROUNDS, AREA_PLACES)
    choices = [(p.pk, f"{p.get_kind_display()} · {p.name}") for p in places]
    community = selectors.first_community(request.user, Capability.RECORD_ROUNDS)
    assignees = _assignee_choices(community) if community else []
    form = FindingForm(places=choices, assignees=assignees)
    if request.method == "POST":
        form = FindingForm(request.POST, request.FILES, places=choices, assignees=assignees)
        if form.is_valid():
            data = form.cleaned_data
            place = selectors.get_place_for(request.user, data["place"], Capability.RECORD_ROUNDS)
            upload = data.get("photo")
            try:
                assignee = (
                    selectors.get_assignee_for(place, data["assignee"])
                    if data["assignee"]
                    else None
                )
                finding = services.finding_record(
                    actor=request.user,
                    place=place,
                    kind=data["kind"],
                    note=data["note"],
                    spot=data["spot"],
                    photo=upload.read(4 * 1024 * 1024) if upload else None,
                    assignee=assignee,
                    due_on=data["due_on"],
                )
            except ValidationError as exc:
                exc.apply_to_form(form)
            except Http404:
                form.add_error("assignee", _("Choose someone of this community's staff or cadres."))
            else:
                messages.success(request, _("The finding is recorded."))
                return redirect("patrols:finding", finding_id=finding.pk)
    return render(
        request,
        "patrols/new_finding.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def finding(request: HttpRequest, finding_id: int) -> HttpResponse:
    """One finding: the community's staff assign its follow-up; the assignee or the staff
    resolve it with a note."""
    found = selectors.get_finding_for(request.user, finding_id)
    assignees = _assignee_choices(found.place)
    assign = AssignForm(
        assignees=assignees, initial={"assignee": found.assignee_id, "due_on": found.due_on}
    )
    resolve = ResolveForm()
    action = request.POST.get("action", "")
    if request.method == "POST":
        try:
            if action == "assign":
                assign = AssignForm(request.POST, assignees=assignees)
                if assign.is_valid():
                    data = assign.cleaned_data
                    who = (
                        selectors.get_assignee_for(found.place, data["assignee"])
                        if data["assignee"]
                        else None
                    )
                    services.finding_assign(
                        actor=request.user, finding=found, assignee=who, due_on=data["due_on"]
                    )
                    messages.success(request, _("Saved."))
                    return redirect(request.path)
            elif action == "resolve":
                resolve = ResolveForm(request.POST)
                if resolve.is_valid():
                    services.finding_resolve(
                        actor=request.user, finding=found, note=resolve.cleaned_data["resolution"]
                    )
                    messages.success(request, _("Resolved."))
                    return redirect(request.path)
            else:
                messages.error(request, _("Choose what to do."))
        except ValidationError as exc:
            exc.apply_to_form(assign if action == "assign" else resolve)
    return render(
        request,
        "patrols/finding.html",
        {
            "finding": found,
            "assign": assign,
            "resolve": resolve,
            "may_assign": found.is_open
            and selectors.scope_covers(request.user, Capability.MANAGE_PATROLS, found.place),
            "may_resolve": selectors.may_resolve(request.user, found),
            "overdue": found.is_open and found.due_on and found.due_on < timezone.localdate(),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def finding_photo(request: HttpRequest, finding_id: int) -> HttpResponse:
    """A finding's photo, for those who see the finding."""
    found = selectors.get_finding_for(request.user, finding_id)
    if not found.photo:
        raise Http404("No photo")
    try:
        data = read_photo(found.photo, f"finding {found.place_id}")
    except (FileNotFoundError, ValueError):
        raise Http404("No such photo") from None
    response = HttpResponse(data, content_type=found.photo_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
