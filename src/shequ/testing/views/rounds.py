"""Rounds and sites: the testing home (rounds, sites one samples at), a new round or site, a
round's dashboard with its drill-down, finishing a round, recall lists and the summary PDF."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.charts import Chart, Series
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.places.models import KIND_ORDER, PlaceKind
from shequ.testing import exports, selectors, services, snapshot
from shequ.testing.forms import RoundForm, SiteForm
from shequ.testing.models import RoundStatus
from shequ.testing.views.common import round_for, scope, within

ROUND_KINDS = (
    PlaceKind.DISTRICT,
    PlaceKind.STREET,
    PlaceKind.COMMUNITY,
    PlaceKind.GRID,
    PlaceKind.COMPOUND,
)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Rounds the user sees (newest first, filtered by status) and the sites they sample at."""
    view = scope_for(request.user, Capability.VIEW_TESTING)
    run = scope_for(request.user, Capability.RUN_TESTING)
    may_record = not scope_for(request.user, Capability.RECORD_RESULTS).is_empty
    if view.is_empty and run.is_empty:
        if may_record:
            return redirect("testing:lab")
        if not selectors.may_sample_somewhere(request.user):
            raise PermissionDenied(_("Your role does not see testing rounds."))
    status = request.GET.get("status", "")
    if status not in RoundStatus.values:
        status = ""
    rounds = selectors.rounds_with_places(request.user, status or None)
    page = Paginator(rounds, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    sites = Paginator(selectors.sites_with_stations(request.user), settings.PAGE_SIZE).get_page(
        request.GET.get("spage")
    )
    context = {
        "page": page,
        "sites": sites,
        "status": status,
        "statuses": RoundStatus.choices,
        "may_run": not run.is_empty,
        "may_record": may_record,
    }
    return render(request, "testing/home.html", context)


@login_required
def round_new(request: HttpRequest) -> HttpResponse:
    """Start a round over districts, streets, communities, grids or compounds one runs."""
    places = snapshot.places_of_kinds(scope(request, Capability.RUN_TESTING), ROUND_KINDS, 1000)
    form = RoundForm(request.POST or None, places=places)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = [p for p in places if p.pk in set(data["places"])]
        try:
            round_ = services.round_create(
                actor=request.user,
                name=data["name"],
                places=chosen,
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                pool_size=data["pool_size"],
            )
        except ValidationError as exc:
            exc.apply_to_form(form)
        else:
            messages.success(request, _("Round %s started.") % round_.name)
            return redirect("testing:round", round_id=round_.pk)
    return render(request, "testing/form.html", {"form": form, "title": _("New round")})


@login_required
def site_new(request: HttpRequest) -> HttpResponse:
    """A sampling site of one of the user's communities, with N stations."""
    communities = snapshot.places_of_kinds(
        scope(request, Capability.RUN_TESTING), [PlaceKind.COMMUNITY], 500
    )
    form = SiteForm(request.POST or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        community = next(c for c in communities if c.pk == data["community"])
        try:
            services.site_create(
                actor=request.user,
                community=community,
                name=data["name"],
                opens=data["opens"],
                closes=data["closes"],
                stations=data["stations"],
            )
        except ValidationError as exc:
            exc.apply_to_form(form)
        else:
            messages.success(request, _("Site %s created.") % data["name"])
            return redirect("testing:home")
    return render(request, "testing/form.html", {"form": form, "title": _("New sampling site")})


CHART_ROWS = 40  # more rows (a street's buildings): the list alone, no chart


def _coverage_chart(rows: list[selectors.Coverage], place: object) -> Chart | None:
    """Per place of the level shown: the share of residents tested (ECharts)."""
    if not rows or len(rows) > CHART_ROWS:
        return None
    return Chart(
        "chart-coverage",
        _("Coverage in %(place)s") % {"place": getattr(place, "name", "")},
        [c.name for c in rows],
        [Series(_("Tested (%)"), [c.percent for c in rows], "green")],
        kind="hbar",
        unit="%",
    )


@login_required
def round_detail(request: HttpRequest, round_id: int) -> HttpResponse:
    """The dashboard: coverage per street / community / grid / building with drill-down,
    tubes by status, turnaround sample→result, recalls, and the round's other pages."""
    round_ = round_for(request, round_id)
    seen = scope(request)
    place, choices = within(request, round_, seen)
    level = request.GET.get("level", "")
    if level not in selectors.LEVELS:
        level = snapshot.NEXT_LEVEL.get(place.kind, PlaceKind.BUILDING)
    rows = selectors.coverage(round_, place, level)
    recalls = snapshot.recall_lines(round_, seen)
    context = {
        "round": round_,
        "within": place,
        "choices": choices,
        "crumbs": snapshot.crumbs(place, seen),
        "level": level,
        "levels": [
            (k, PlaceKind(k).label)
            for k in selectors.LEVELS
            if KIND_ORDER.index(k) > KIND_ORDER.index(place.kind) or k == place.kind
        ],
        "rows": [(c, snapshot.NEXT_LEVEL.get(c.kind, PlaceKind.BUILDING)) for c in rows],
        "total": selectors.totals(rows),
        "chart": _coverage_chart(rows, place),
        "tubes": snapshot.tube_figures(round_, seen),
        "recalls": snapshot.with_counts(list(recalls[:5])),
        "recall_count": recalls.count(),
        # Transfers are per community (the part in scope); finishing takes the whole round.
        "may_run": services.runs_part_of(request.user, round_),
        "may_finish": services.runs_round(request.user, round_),
        "may_record": not scope_for(request.user, Capability.RECORD_RESULTS).is_empty,
        "running": round_.status != RoundStatus.FINISHED,
    }
    return render(request, "testing/round.html", context)


@login_required
@require_POST
def round_finish(request: HttpRequest, round_id: int) -> HttpResponse:
    """Finish the round (for whoever runs all of it); a refusal is shown on its page."""
    round_ = round_for(request, round_id)
    try:
        services.round_finish(actor=request.user, round_=round_)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.errors.values()))
    else:
        messages.success(request, _("Round %s finished.") % round_.name)
    return redirect("testing:round", round_id=round_.pk)


@login_required
def recalls(request: HttpRequest, round_id: int) -> HttpResponse:
    """The round's recalls in the user's places, newest first, with members and retests."""
    round_ = round_for(request, round_id)
    page = Paginator(snapshot.recall_lines(round_, scope(request)), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {
        "round": round_,
        "page": page,
        "lines": snapshot.with_counts(list(page.object_list)),
    }
    return render(request, "testing/recalls.html", context)


@login_required
def recall(request: HttpRequest, recall_id: int) -> HttpResponse:
    """A recall list: members with household, building, phone (as the role may see it) and
    their retest."""
    scope(request)
    row = selectors.get_recall_for(request.user, recall_id)
    members = selectors.recall_members(row)
    phones = services.phones_for(request.user, [m["resident"] for m in members])
    for m in members:
        m["phone"] = phones[m["resident"].pk]
    retested = sum(bool(m["retests"]) for m in members)
    context = {"recall": row, "members": members, "retested": retested}
    return render(request, "testing/recall.html", context)


@login_required
def summary_pdf(request: HttpRequest, round_id: int) -> HttpResponse:
    """The round's summary on A4 (coverage per community and building, tubes, recalls)."""
    round_ = round_for(request, round_id)
    seen = scope(request)
    place, _choices = within(request, round_, seen)
    if place.kind in (PlaceKind.CITY, PlaceKind.DISTRICT, PlaceKind.STREET):
        communities = selectors.coverage(round_, place, PlaceKind.COMMUNITY)
    else:
        communities = selectors.coverage(round_, place, place.kind)
    content = exports.summary_pdf(
        round_=round_,
        within=place.name,
        communities=communities,
        buildings=selectors.coverage(round_, place, PlaceKind.BUILDING),
        tubes=snapshot.tube_figures(round_, seen),
        recalls=snapshot.with_counts(list(snapshot.recall_lines(round_, seen)[:500])),
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="round-{round_.pk}-summary.pdf"'
    return response
