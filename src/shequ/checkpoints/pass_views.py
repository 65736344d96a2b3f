"""Pages for entry passes (list by building, issue, a pass with its QR code and changes, the
printable PDF sheet) and for a community's gate rules.

Passes are for whoever issues them (ISSUE_PASSES): others get 403 on the list and issue
pages and 404 on any one pass, building or community outside their scope. Gate rules are
readable with VIEW_PASSAGES and changed with ISSUE_PASSES.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from shequ.checkpoints import pdf, selectors, services
from shequ.checkpoints.decisions import changed_rules, rules_with_defaults
from shequ.checkpoints.forms import (
    ISOLATION_CHOICES,
    BuildingIssueForm,
    GateRulesForm,
    HouseholdIssueForm,
    LostForm,
    ReissueForm,
    RevokeForm,
)
from shequ.checkpoints.models import EntryPass, GateRules, PassStatus
from shequ.checkpoints.passes import pass_token
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.models import AuditEvent
from shequ.core.qr import qr_svg_response
from shequ.core.roles import Capability
from shequ.core.scopes import Scope, scope_for
from shequ.places.models import Place, PlaceKind
from shequ.residents.models import Resident

HISTORY_ACTIONS = {
    "entry_pass.issue": gettext_lazy("Issued"),
    "entry_pass.revoke": gettext_lazy("Revoked"),
    "entry_pass.lost": gettext_lazy("Reported lost"),
    "entry_pass.reissue": gettext_lazy("Reissued"),
}


# -- reads used only by these pages ---------------------------------------------------------


def _issuer_scope(request: HttpRequest) -> Scope:
    """The places the user issues passes for; 403 for anyone who issues none."""
    scope = scope_for(request.user, Capability.ISSUE_PASSES)
    if scope.is_empty:
        raise PermissionDenied(_("Your role does not issue entry passes."))
    return scope


def _place_in(scope: Scope, value: Any, kind: str) -> Place:
    """The place of this kind with id `value` in scope; 404 otherwise (never says it exists)."""
    if not str(value).isdigit():
        raise Http404(kind)
    place = (
        Place.objects.filter(scope.q(), pk=int(value), kind=kind).select_related("parent").first()
    )
    if place is None:
        raise Http404(kind)
    return place


def _optional_place_in(scope: Scope, value: Any, kind: str) -> Place | None:
    """As `_place_in`, or None when no id is given."""
    return None if value in (None, "") else _place_in(scope, value, kind)


def _with_holders(qs: QuerySet[EntryPass]) -> QuerySet[EntryPass]:
    return qs.select_related("community", "household__parent__parent").prefetch_related(
        Prefetch("holders", queryset=Resident.objects.order_by("id").only("id", "name"))
    )


def _get_pass(request: HttpRequest, pass_id: int) -> EntryPass:
    entry_pass = _with_holders(selectors.passes_for(request.user)).filter(pk=pass_id).first()
    if entry_pass is None:
        raise Http404("pass")
    return entry_pass


def _pass_history(entry_pass: EntryPass) -> list[dict[str, Any]]:
    events = (
        AuditEvent.objects.filter(object_type="checkpoints.entrypass", object_id=str(entry_pass.pk))
        .select_related("actor")
        .order_by("-at", "-id")[:50]
    )
    return [
        {
            "at": e.at,
            "action": HISTORY_ACTIONS.get(e.action, e.action),
            "actor": e.actor,
            "changes": e.changes,
        }
        for e in events
    ]


def _status_of(value: str) -> str:
    return value if value in PassStatus.values else ""


# -- passes ---------------------------------------------------------------------------------


@login_required
def pass_list(request: HttpRequest) -> HttpResponse:
    """Passes in scope by community and building, filtered by status and text (household name
    or code, holder's name); with a building chosen, its households that have no pass."""
    scope = _issuer_scope(request)
    communities = list(
        Place.objects.filter(scope.q(), kind=PlaceKind.COMMUNITY).order_by("path")[:500]
    )
    community = _optional_place_in(scope, request.GET.get("community"), PlaceKind.COMMUNITY)
    if community is None and len(communities) == 1:
        community = communities[0]
    building = _optional_place_in(scope, request.GET.get("building"), PlaceKind.BUILDING)
    if building and community and not building.path.startswith(community.path):
        building = None
    status = _status_of(request.GET.get("status", ""))
    text = request.GET.get("q", "").strip()[:50]

    buildings = Place.objects.filter(scope.q(), kind=PlaceKind.BUILDING).select_related("parent")
    if community is not None:
        buildings = buildings.filter(path__startswith=community.path)
    buildings = buildings.order_by("path")[:500]

    qs = selectors.passes_for(request.user)
    if building is not None:
        qs = qs.filter(household__parent=building)
    elif community is not None:
        qs = qs.filter(community=community)
    if status:
        qs = qs.filter(status=status)
    if text:
        qs = qs.filter(
            Q(household__name__icontains=text)
            | Q(household__code__istartswith=text)
            | Q(pk__in=EntryPass.objects.filter(holders__name__icontains=text).values("pk"))
        )
    page = Paginator(_with_holders(qs).order_by("household__path"), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    without: list[Place] = []
    if building is not None:
        without = list(
            Place.objects.filter(
                parent=building, kind=PlaceKind.HOUSEHOLD, entry_pass__isnull=True
            ).order_by("path")[:200]
        )
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
    }
    template = (
        "checkpoints/pass_list.html#results" if request.htmx else "checkpoints/pass_list.html"
    )
    return render(request, template, context)


@login_required
def pass_issue_building(request: HttpRequest) -> HttpResponse:
    """Issue passes to every household of a building that has residents and no pass yet."""
    scope = _issuer_scope(request)
    chosen = _optional_place_in(
        scope, request.POST.get("building") or request.GET.get("building"), PlaceKind.BUILDING
    )
    buildings = list(
        Place.objects.filter(scope.q(), kind=PlaceKind.BUILDING)
        .select_related("parent")
        .order_by("path")[:1000]
    )
    if chosen is not None and chosen not in buildings:
        buildings.append(chosen)
    initial = {"building": chosen.pk} if chosen else {}
    form = BuildingIssueForm(
        request.POST if request.method == "POST" else None, buildings=buildings, initial=initial
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                issued = services.passes_issue_building(
                    actor=request.user,
                    building=chosen,  # type: ignore[arg-type]  # a valid form names one
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
                return redirect(_list_url(chosen))  # type: ignore[arg-type]
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
    scope = _issuer_scope(request)
    household = _place_in(scope, household_id, PlaceKind.HOUSEHOLD)
    existing = EntryPass.objects.filter(household=household).first()
    if existing is not None:
        messages.info(request, _("This household already has a pass: reissue or renew it."))
        return redirect("checkpoints:pass_detail", existing.pk)
    residents = list(Resident.objects.filter(household=household).order_by("id"))
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
        {"form": form, "household": household, "residents": residents},
        status=status,
    )


PASS_ACTIONS = ("revoke", "lost", "reissue")


@login_required
def pass_detail(request: HttpRequest, pass_id: int) -> HttpResponse:
    """A pass: holders, validity, history, its QR code; revoke, report lost, reissue."""
    entry_pass = _get_pass(request, pass_id)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    if request.method == "POST" and action not in PASS_ACTIONS:
        raise Http404("action")
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
    entry_pass = _get_pass(request, pass_id)
    return qr_svg_response(pass_token(entry_pass.pk, entry_pass.version))


@login_required
def building_pdf(request: HttpRequest, building_id: int) -> HttpResponse:
    """Printable cards of a building's active passes (revoked and lost ones are left out)."""
    scope = _issuer_scope(request)
    building = _place_in(scope, building_id, PlaceKind.BUILDING)
    passes = _with_holders(
        selectors.passes_for(request.user).filter(
            household__parent=building, status=PassStatus.ACTIVE
        )
    ).order_by("household__path")
    response = HttpResponse(pdf.passes_sheet(passes), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="passes-{building.code}.pdf"'
    return response


# -- gate rules -----------------------------------------------------------------------------


def _yes_no(value: bool) -> str:
    return _("yes") if value else _("no")


def rules_in_words(rules: dict[str, Any]) -> dict[str, str]:
    """Each rule of a full rule set as a line a person reads, keyed like the rules."""
    quota = rules.get("exit_quota")
    labels = dict(ISOLATION_CHOICES)
    statuses = [str(labels.get(s, s)) for s in rules.get("isolation_statuses", [])]
    return {
        "fever_at": _("Fever from %s °C: refused, community alerted.") % rules["fever_at"],
        "require_temperature": _("Temperature must be taken: %s.")
        % _yes_no(rules["require_temperature"]),
        "require_health_code": _("Health code must be shown: %s.")
        % _yes_no(rules["require_health_code"]),
        "star_extra_check": _("Travel code with a star is checked: %s.")
        % _yes_no(rules["star_extra_check"]),
        "require_pass": _("Residents must show their pass: %s.") % _yes_no(rules["require_pass"]),
        "visitors": _("Visitors may come in: %s.") % _yes_no(rules["visitors"]),
        "exit_quota": (
            _("Exit quota: %(people)d people per household in %(days)d days.")
            % {"people": quota["people"], "days": quota["days"]}
            if quota
            else _("Exit quota: none.")
        ),
        "isolation_statuses": _("Treated as in isolation: %s.")
        % ("、".join(statuses) if statuses else _("nobody")),
    }


@login_required
def rules_page(request: HttpRequest, community_id: int) -> HttpResponse:
    """A community's gate rules in force, in words; a form to change them; past versions."""
    scope = scope_for(request.user, Capability.VIEW_PASSAGES)
    community = _place_in(scope, community_id, PlaceKind.COMMUNITY)
    may_set = scope_for(request.user, Capability.ISSUE_PASSES).covers(community)
    version, current = services.current_rules(community)
    form = GateRulesForm(
        request.POST if request.method == "POST" else None,
        initial=GateRulesForm.initial_from(current),
    )
    status = 200
    if request.method == "POST":
        services.require_rules_setter(request.user, community)
        if form.is_valid():
            try:
                row = services.rules_set(
                    actor=request.user, community=community, rules=form.full_rules()
                )
            except ValidationError as exc:
                if "exit_quota" in exc.errors:
                    exc.errors["quota_days"] = exc.errors.pop("exit_quota")
                exc.apply_to_form(form)
            else:
                if row is None:
                    messages.info(request, _("Nothing changed."))
                else:
                    messages.success(request, _("Gate rules saved as version %d.") % row.version)
                return redirect("checkpoints:rules", community.pk)
        status = 400
    rows = GateRules.objects.filter(community=community).select_related("set_by")
    page = Paginator(rows.order_by("-version"), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    history = _rules_history(community, list(page.object_list))
    in_force = rows.order_by("-version").first()
    return render(
        request,
        "checkpoints/rules.html",
        {
            "community": community,
            "version": version,
            "in_force": in_force,
            "words": list(rules_in_words(current).values()),
            "form": form,
            "may_set": may_set,
            "page": page,
            "history": history,
        },
        status=status,
    )


def _rules_history(community: Place, rows: list[GateRules]) -> list[dict[str, Any]]:
    """Each version on the page with what it changed from the version before, in words."""
    if not rows:
        return []
    oldest = rows[-1].version
    before_row = (
        GateRules.objects.filter(community=community, version__lt=oldest)
        .order_by("-version")
        .first()
    )
    previous = rules_with_defaults(before_row.rules if before_row else None)
    out = []
    for row in reversed(rows):
        full = rules_with_defaults(row.rules)
        words = rules_in_words(full)
        changed = [words[k] for k in changed_rules(previous, full)]
        out.append({"row": row, "changed": changed})
        previous = full
    out.reverse()
    return out


@login_required
def rules_index(request: HttpRequest) -> HttpResponse:
    """The communities whose gate rules the user sees (one: go straight there)."""
    scope = scope_for(request.user, Capability.VIEW_PASSAGES)
    if scope.is_empty:
        raise PermissionDenied(_("Your role does not see gate rules."))
    qs = Place.objects.filter(scope.q(), kind=PlaceKind.COMMUNITY).order_by("path")
    if qs.count() == 1:
        return redirect("checkpoints:rules", qs.get().pk)
    page = Paginator(qs.select_related("parent"), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "checkpoints/rules_index.html", {"page": page})


urlpatterns = [
    path("passes/", pass_list, name="pass_list"),
    path("passes/issue/", pass_issue_building, name="pass_issue_building"),
    path(
        "passes/issue/household/<int:household_id>/",
        pass_issue_household,
        name="pass_issue_household",
    ),
    path("passes/<int:pass_id>/", pass_detail, name="pass_detail"),
    path("passes/<int:pass_id>/qr.svg", pass_qr, name="pass_qr"),
    path("passes/building/<int:building_id>.pdf", building_pdf, name="passes_building_pdf"),
    path("rules/", rules_index, name="rules_index"),
    path("rules/<int:community_id>/", rules_page, name="rules"),
]
