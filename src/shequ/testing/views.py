"""Pages under /testing/: rounds and sites, a round's dashboard (coverage with drill-down,
tubes, turnaround, recalls), the offline station page, missed lists with door-to-door
outcomes, home sampling routes, the lab (transfers, results, results import), recall lists,
and the round's Excel and PDF files.

Reading needs VIEW_TESTING over the place (rounds and places outside it are 404); writing
goes through `services` / `ingest`, which check RUN_TESTING or RECORD_RESULTS (403). The
station page is for whoever may sample at the site (`selectors.sampling_sites`), and the lab
pages for RECORD_RESULTS.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from shequ.core import import_views, imports
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.exports import xlsx_response
from shequ.core.import_views import ImportPage
from shequ.core.offline import worker_response
from shequ.core.roles import Capability
from shequ.core.scopes import Scope, scope_for
from shequ.mobilization.models import Team
from shequ.places.models import KIND_ORDER, Place, PlaceKind
from shequ.residents.models import Resident
from shequ.testing import exports, ingest, selectors, services, snapshot
from shequ.testing.forms import (
    HomeSwabForm,
    ReceiveForm,
    ResultForm,
    ResultsImportForm,
    RoundForm,
    SiteForm,
)
from shequ.testing.models import (
    DoorOutcome,
    DoorTask,
    HomeReason,
    HomeStatus,
    HomeTask,
    Recall,
    Round,
    RoundStatus,
    Station,
    Transfer,
)

ROUND_KINDS = (
    PlaceKind.DISTRICT,
    PlaceKind.STREET,
    PlaceKind.COMMUNITY,
    PlaceKind.GRID,
    PlaceKind.COMPOUND,
)
STATION_STATIC = [
    "vendor/weui.min.css",
    "shequ/shequ.css",
    "vendor/htmx.min.js",
    "vendor/dexie.min.js",
    "testing/station.js",
]


# -- access ----------------------------------------------------------------------------------


def _scope(request: HttpRequest, capability: str = Capability.VIEW_TESTING) -> Scope:
    """The places the user may do `capability` for; 403 for a role that has none."""
    scope = scope_for(request.user, capability)
    if scope.is_empty:
        raise PermissionDenied(_("Your role does not see testing rounds."))
    return scope


def _round(request: HttpRequest, round_id: int) -> Round:
    """A round over places the user sees; 404 otherwise (never says it exists)."""
    _scope(request)
    return get_object_or_404(selectors.rounds_for(request.user), pk=round_id)


def _place_param(
    request: HttpRequest, round_: Round, scope: Scope, value: Any, kind: str | None = None
) -> Place | None:
    """The place named by a query parameter, in the user's scope and the round's; 404 else."""
    if value in (None, ""):
        return None
    if not str(value).isdigit():
        raise Http404("place")
    place = Place.objects.filter(scope.q(), pk=int(value)).select_related("parent").first()
    if place is None or (kind and place.kind != kind):
        raise Http404("place")
    inside = selectors.path_in_scope(round_, place.path)
    around = any(p.startswith(place.path) for p in selectors.scope_paths(round_))
    if not (inside or around):
        raise Http404("place")
    return place


def _within(request: HttpRequest, round_: Round, scope: Scope) -> tuple[Place, list[Place]]:
    """Where the user's view of the round starts (`?place=`, else their first place in it)."""
    choices = snapshot.within_choices(round_, scope)
    place = _place_param(request, round_, scope, request.GET.get("place"))
    if place is None:
        if not choices:
            raise Http404("place")
        place = choices[0]
    return place, choices


def _resident_in(request: HttpRequest, round_: Round, resident_id: int) -> Resident:
    scope = _scope(request)
    return get_object_or_404(
        Resident.objects.filter(scope.q("household"))
        .filter(selectors.in_scope(round_))
        .select_related("household", "household__parent"),
        pk=resident_id,
    )


def _runs_here(request: HttpRequest, place: Place) -> bool:
    """Whether the page offers the round's work at `place` (door-to-door outcomes, home
    visits): the part of the round in the user's RUN_TESTING scope, not the whole round."""
    return scope_for(request.user, Capability.RUN_TESTING).covers(place)


# -- rounds and sites ------------------------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Rounds the user sees (newest first, filtered by status) and the sites they sample at."""
    view = scope_for(request.user, Capability.VIEW_TESTING)
    run = scope_for(request.user, Capability.RUN_TESTING)
    sites_qs = selectors.sampling_sites(request.user).prefetch_related("stations")
    if view.is_empty and run.is_empty:
        if not scope_for(request.user, Capability.RECORD_RESULTS).is_empty:
            return redirect("testing:lab")
        if not sites_qs.exists():
            raise PermissionDenied(_("Your role does not see testing rounds."))
    status = request.GET.get("status", "")
    rounds = selectors.rounds_for(request.user).prefetch_related("places")
    if status in RoundStatus.values:
        rounds = rounds.filter(status=status)
    else:
        status = ""
    page = Paginator(rounds, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    sites = Paginator(sites_qs.order_by("community__path", "name"), settings.PAGE_SIZE).get_page(
        request.GET.get("spage")
    )
    context = {
        "page": page,
        "sites": sites,
        "status": status,
        "statuses": RoundStatus.choices,
        "may_run": not run.is_empty,
        "may_record": not scope_for(request.user, Capability.RECORD_RESULTS).is_empty,
    }
    return render(request, "testing/home.html", context)


@login_required
def round_new(request: HttpRequest) -> HttpResponse:
    """Start a round over districts, streets, communities, grids or compounds one runs."""
    scope = _scope(request, Capability.RUN_TESTING)
    places = list(Place.objects.filter(scope.q(), kind__in=ROUND_KINDS).order_by("path")[:1000])
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
    scope = _scope(request, Capability.RUN_TESTING)
    communities = list(
        Place.objects.filter(scope.q(), kind=PlaceKind.COMMUNITY).order_by("path")[:500]
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


@login_required
def round_detail(request: HttpRequest, round_id: int) -> HttpResponse:
    """The dashboard: coverage per street / community / grid / building with drill-down,
    tubes by status, turnaround sample→result, recalls, and the round's other pages."""
    round_ = _round(request, round_id)
    scope = _scope(request)
    within, choices = _within(request, round_, scope)
    level = request.GET.get("level", "")
    if level not in selectors.LEVELS:
        level = snapshot.NEXT_LEVEL.get(within.kind, PlaceKind.BUILDING)
    rows = selectors.coverage(round_, within, level)
    total = selectors.totals(rows)
    recalls = snapshot.recall_lines(round_, scope)
    crumbs = [
        p
        for p in Place.objects.filter(pk__in=within.ancestor_ids()).order_by("depth")
        if scope.covers(p)
    ]
    context = {
        "round": round_,
        "within": within,
        "choices": choices,
        "crumbs": crumbs,
        "level": level,
        "levels": [
            (k, PlaceKind(k).label)
            for k in selectors.LEVELS
            if KIND_ORDER.index(k) > KIND_ORDER.index(within.kind) or k == within.kind
        ],
        "rows": [(c, snapshot.NEXT_LEVEL.get(c.kind, PlaceKind.BUILDING)) for c in rows],
        "total": total,
        "tubes": snapshot.tube_figures(round_, scope),
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
    round_ = _round(request, round_id)
    try:
        services.round_finish(actor=request.user, round_=round_)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.errors.values()))
    else:
        messages.success(request, _("Round %s finished.") % round_.name)
    return redirect("testing:round", round_id=round_.pk)


# -- missed lists and door-to-door -----------------------------------------------------------


def _latest_outcomes(round_: Round, residents: list[Resident]) -> dict[int, DoorOutcome]:
    latest: dict[int, DoorOutcome] = {}
    for row in DoorOutcome.objects.filter(
        task__round=round_, resident__in=[r.pk for r in residents]
    ).order_by("resident_id", "-at", "-id"):
        latest.setdefault(row.resident_id, row)
    return latest


def _person_rows(request: HttpRequest, round_: Round, people: list[Resident]) -> list[dict]:
    phones = services.phones_for(request.user, people)
    latest = _latest_outcomes(round_, people)
    home = set(
        HomeTask.objects.filter(
            round=round_, resident__in=people, status=HomeStatus.OPEN
        ).values_list("resident_id", flat=True)
    )
    return [
        {
            "resident": r,
            "phone": phones[r.pk],
            "outcome": latest.get(r.pk),
            "outcome_label": snapshot.OUTCOME_LABELS.get(getattr(latest.get(r.pk), "outcome", "")),
            "home_requested": r.pk in home,
        }
        for r in people
    ]


@login_required
def missed(request: HttpRequest, round_id: int) -> HttpResponse:
    """Missed residents: the buildings with someone missed, then one building's people with
    their latest door-to-door outcome and one-tap buttons for the next."""
    round_ = _round(request, round_id)
    scope = _scope(request)
    building = _place_param(
        request, round_, scope, request.GET.get("building"), kind=PlaceKind.BUILDING
    )
    context: dict[str, Any] = {
        "round": round_,
        "building": building,
        "outcomes": list(snapshot.OUTCOME_LABELS.items()),
        "may_run": building is not None
        and round_.status != RoundStatus.FINISHED
        and _runs_here(request, building),
    }
    if building is None:
        within, choices = _within(request, round_, scope)
        rows = [c for c in selectors.coverage(round_, within, PlaceKind.BUILDING) if c.missed > 0]
        page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(
            within=within,
            choices=choices,
            page=page,
        )
        return render(request, "testing/missed_buildings.html", context)
    qs = selectors.missed(round_, building)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    context.update(
        page=page,
        people=_person_rows(request, round_, list(page.object_list)),
    )
    return render(request, "testing/missed.html", context)


@login_required
def missed_xlsx(request: HttpRequest, round_id: int) -> HttpResponse:
    """The missed list of one building (`?building=`) or of every building under a place."""
    round_ = _round(request, round_id)
    scope = _scope(request)
    place = _place_param(request, round_, scope, request.GET.get("building"), PlaceKind.BUILDING)
    if place is None:
        place, _choices = _within(request, round_, scope)
    people = list(selectors.missed(round_, place)[:50_000])
    latest = _latest_outcomes(round_, people)
    content = exports.missed_workbook(
        round_,
        people,
        services.phones_for(request.user, people, where="testing.missed.xlsx"),
        {pk: o.outcome for pk, o in latest.items()},
    )
    return xlsx_response(content, f"missed-{round_.pk}-{place.code}.xlsx")


def _back_to_building(round_: Round, resident: Resident) -> HttpResponse:
    url = reverse("testing:missed", kwargs={"round_id": round_.pk})
    return redirect(f"{url}?building={resident.household.parent_id}#r{resident.pk}")


def _person_partial(request: HttpRequest, round_: Round, resident: Resident) -> HttpResponse:
    [row] = _person_rows(request, round_, [resident])
    context = {
        "round": round_,
        "p": row,
        "outcomes": list(snapshot.OUTCOME_LABELS.items()),
        "may_run": True,
    }
    return render(request, "testing/missed_person.html", context)


@login_required
@require_POST
def outcome_record(request: HttpRequest, round_id: int, resident_id: int) -> HttpResponse:
    """One tap at a missed resident's door: reminded, sampled at home, away, refused, not found."""
    round_ = _round(request, round_id)
    resident = _resident_in(request, round_, resident_id)
    building = resident.household.parent
    try:
        task = DoorTask.objects.filter(round=round_, building=building).first()
        if task is None:
            task = services.door_task_create(
                actor=request.user, round_=round_, building=building, team=None
            )
        services.door_outcome_record(
            actor=request.user,
            task=task,
            resident=resident,
            outcome=request.POST.get("outcome", ""),
            note=request.POST.get("note", "")[:200],
        )
    except ValidationError as exc:
        if request.htmx:
            return HttpResponse("; ".join(exc.errors.values()), status=400)
        messages.error(request, "; ".join(exc.errors.values()))
    if request.htmx:
        return _person_partial(request, round_, resident)
    return _back_to_building(round_, resident)


@login_required
@require_POST
def home_request(request: HttpRequest, round_id: int, resident_id: int) -> HttpResponse:
    """Ask for a missed resident to be sampled at home."""
    round_ = _round(request, round_id)
    resident = _resident_in(request, round_, resident_id)
    try:
        services.home_tasks_create(
            actor=request.user, round_=round_, residents=[resident], reason=HomeReason.MISSED
        )
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.errors.values()))
    else:
        if not request.htmx:
            messages.success(request, _("Home sampling requested for %s.") % resident.name)
    if request.htmx:
        return _person_partial(request, round_, resident)
    return _back_to_building(round_, resident)


# -- home sampling ---------------------------------------------------------------------------


@login_required
def home_tasks(request: HttpRequest, round_id: int) -> HttpResponse:
    """Open home-sampling tasks as routes (one per building), each given to a team."""
    round_ = _round(request, round_id)
    scope = _scope(request)
    open_tasks = HomeTask.objects.filter(scope.q("building"), round=round_, status=HomeStatus.OPEN)
    building_ids = list(
        open_tasks.order_by("building__path").values_list("building_id", flat=True).distinct()
    )
    page = Paginator(building_ids, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    buildings = {
        b.pk: b
        for b in Place.objects.filter(pk__in=list(page.object_list)).select_related("parent")
    }
    tasks = open_tasks.filter(building_id__in=list(buildings)).select_related(
        "resident", "resident__household", "team", "team__leader"
    )
    communities = {
        c.path: c
        for c in Place.objects.filter(
            kind=PlaceKind.COMMUNITY,
            pk__in={a for b in buildings.values() for a in b.ancestor_ids()},
        )
    }
    teams_by_community: dict[int, list[Team]] = {}
    for team in Team.objects.filter(community__in=communities.values()).select_related("leader"):
        teams_by_community.setdefault(team.community_id, []).append(team)
    routes: dict[int, dict[str, Any]] = {}
    for b_id in page.object_list:
        b = buildings[b_id]
        community = next((c for p, c in communities.items() if b.path.startswith(p)), None)
        routes[b_id] = {
            "building": b,
            "tasks": [],
            "teams": teams_by_community.get(community.pk, []) if community else [],
            "may_assign": _runs_here(request, b),
        }
    for t in tasks:
        routes[t.building_id]["tasks"].append(t)
    context = {
        "round": round_,
        "page": page,
        "routes": list(routes.values()),
    }
    return render(request, "testing/home_tasks.html", context)


@login_required
@require_POST
def home_assign(request: HttpRequest, round_id: int) -> HttpResponse:
    """Give one building's open home-sampling tasks (a route) to a team of its community."""
    round_ = _round(request, round_id)
    scope = _scope(request)
    building = _place_param(request, round_, scope, request.POST.get("building"), "building")
    if building is None:
        raise Http404("building")
    team_id = request.POST.get("team", "")
    team = (
        Team.objects.filter(community_id=selectors.community_id_of(building), pk=team_id).first()
        if team_id.isdigit()
        else None
    )
    url = reverse("testing:home_tasks", kwargs={"round_id": round_.pk})
    if team is None:
        messages.error(request, _("Choose a team of this community."))
        return redirect(url)
    tasks = list(HomeTask.objects.filter(round=round_, building=building, status=HomeStatus.OPEN))
    try:
        n = services.home_tasks_assign(actor=request.user, tasks=tasks, team=team)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.errors.values()))
    else:
        messages.success(
            request,
            _("%(n)d home visits in %(building)s given to team %(team)s.")
            % {"n": n, "building": building.name, "team": team.number},
        )
    return redirect(url)


@login_required
def home_swab(request: HttpRequest, task_id: int) -> HttpResponse:
    """Record the swab of a home visit (the same ingest as the stations)."""
    scope = scope_for(request.user, Capability.RUN_TESTING)
    task = get_object_or_404(
        HomeTask.objects.filter(
            scope.q("building") | Q(team__members__staff__user=request.user)
        ).select_related("round", "resident", "resident__household", "building"),
        pk=task_id,
    )
    form = HomeSwabForm(request.POST or None)
    key = request.POST.get("client_uuid") or str(uuid.uuid4())
    if request.method == "POST" and task.status == HomeStatus.OPEN and form.is_valid():
        now = timezone.now().isoformat()
        base = {"round_id": task.round_id, "tube": form.cleaned_data["tube"], "sampled_at": now}
        items = [
            {
                **base,
                "client_uuid": key,
                "kind": "swab",
                "home_task_id": task.pk,
                "resident_id": task.resident_id,
            }
        ]
        answers = ingest.swabs_batch(actor=request.user, items=items)
        answer = answers[0]
        if answer.status == ingest.REJECTED:
            form.add_error("tube" if answer.field in ("tube", "") else None, answer.message)
        else:
            if form.cleaned_data["close"] and not answer.tube_closed:
                close = {**base, "client_uuid": str(uuid.uuid5(uuid.UUID(key), "close"))}
                ingest.swabs_batch(
                    actor=request.user,
                    items=[{**close, "kind": "close", "home_task_id": task.pk}],
                )
            messages.success(
                request,
                _("%(name)s sampled into tube %(tube)s (%(n)d).")
                % {"name": task.resident.name, "tube": answer.tube, "n": answer.tube_count},
            )
            return redirect("testing:home_tasks", round_id=task.round_id)
    context = {"task": task, "form": form, "client_uuid": key}
    return render(request, "testing/home_swab.html", context)


# -- recalls ---------------------------------------------------------------------------------


@login_required
def recalls(request: HttpRequest, round_id: int) -> HttpResponse:
    round_ = _round(request, round_id)
    page = Paginator(snapshot.recall_lines(round_, _scope(request)), settings.PAGE_SIZE).get_page(
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
    scope = _scope(request)
    row = get_object_or_404(
        Recall.objects.filter(scope.q("tube__community")).select_related(
            "tube", "round", "tube__community"
        ),
        pk=recall_id,
    )
    members = selectors.recall_members(row)
    phones = services.phones_for(request.user, [m["resident"] for m in members])
    for m in members:
        m["phone"] = phones[m["resident"].pk]
    retested = sum(bool(m["retests"]) for m in members)
    context = {"recall": row, "members": members, "retested": retested}
    return render(request, "testing/recall.html", context)


# -- files -----------------------------------------------------------------------------------


@login_required
def summary_pdf(request: HttpRequest, round_id: int) -> HttpResponse:
    """The round's summary on A4 (coverage per community and building, tubes, recalls)."""
    round_ = _round(request, round_id)
    scope = _scope(request)
    within, _choices = _within(request, round_, scope)
    if within.kind in (PlaceKind.CITY, PlaceKind.DISTRICT, PlaceKind.STREET):
        communities = selectors.coverage(round_, within, PlaceKind.COMMUNITY)
    else:
        communities = selectors.coverage(round_, within, within.kind)
    content = exports.summary_pdf(
        round_=round_,
        within=within.name,
        communities=communities,
        buildings=selectors.coverage(round_, within, PlaceKind.BUILDING),
        tubes=snapshot.tube_figures(round_, scope),
        recalls=snapshot.with_counts(list(snapshot.recall_lines(round_, scope)[:500])),
    )
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="round-{round_.pk}-summary.pdf"'
    return response


# -- the station page ------------------------------------------------------------------------


def _station(request: HttpRequest, station_id: int) -> Station:
    return get_object_or_404(
        Station.objects.filter(site__in=selectors.sampling_sites(request.user)).select_related(
            "site", "site__community"
        ),
        pk=station_id,
    )


def _station_strings() -> dict[str, str]:
    """Every text station.js shows, translated here (the script holds no UI text)."""
    return {
        "online": _("Online"),
        "offline": _("Offline: swabs are kept on this phone"),
        "waiting": _("%(n)s waiting to send"),
        "rejected": _("%(n)s not accepted"),
        "refreshed": _("residents list from %(t)s"),
        "never": _("No residents list on this phone yet: connect to the network once."),
        "syncing": _("Sending…"),
        "login": _("Your login has expired: log in again to send the waiting swabs."),
        "sync_failed": _("Sending failed; will retry."),
        "scan_tube": _("Scan the tube's barcode"),
        "tube_is_id": _("This is a person's ID number, not a tube: scan the tube first."),
        "tube_is_pass": _("This is an entry pass, not a tube: scan the tube first."),
        "not_a_tube": _("%(code)s is not a tube barcode: scan the tube first."),
        "scan_person": _("Scan the person's code or ID card"),
        "tube_line": _("Tube %(tube)s: %(n)s / %(size)s"),
        "no_tube": _("No tube open"),
        "tube_full": _("Tube %(tube)s is full and closed: scan the next tube."),
        "tube_closed": _("Tube %(tube)s closed."),
        "tube_empty": _("This tube is empty: scan a person first."),
        "queued": _("Swabbed: %(who)s"),
        "already_here": _("%(who)s was already swabbed on this phone in this round."),
        "unknown_person": _("Not in this community's list: the server will check %(code)s."),
        "no_match": _("Nobody found."),
        "id_card": _("ID card ****%(last4)s"),
        "resident_id": _("Resident no. %(id)s"),
        "created": _("recorded"),
        "duplicate": _("recorded (sent twice)"),
        "rejected_one": _("refused"),
        "out_of_scope": _("not in this round's places"),
        "retest": _("single-tube retest"),
        "closing": _("close tube %(tube)s"),
        "state_waiting": _("waiting"),
        "remove": _("Remove"),
        "choose_round": _("Choose the round first."),
        "home_mode": _("Home visit: %(who)s"),
    }


@login_required
def station(request: HttpRequest, station_id: int) -> HttpResponse:
    """One station: choose the round, scan a tube then each person (scanner input + Enter, or
    search the cached residents list); swabs queue on the phone and are sent in batches. With
    JavaScript off, a plain form records one swab at a time."""
    st = _station(request, station_id)
    community = st.site.community
    rounds = list(snapshot.running_rounds(community))
    chosen = next((r for r in rounds if str(r.pk) == request.GET.get("round", "")), None)
    if chosen is None and len(rounds) == 1:
        chosen = rounds[0]
    if request.method == "POST":
        _plain_swab(request, st, rounds)
        return redirect(f"{request.path}?round={request.POST.get('round', '')}")
    config = {
        "station_id": st.pk,
        "round_id": chosen.pk if chosen else None,
        "snapshot_url": reverse("testing:station_snapshot", kwargs={"station_id": st.pk}),
        "batch_url": "/api/v1/testing/swabs:batch",
        "sw_url": reverse("testing:station_sw"),
        "sw_scope": reverse("testing:station_sw").rsplit("/", 1)[0] + "/",
        "user_id": request.user.pk,
        "csrf_token": get_token(request),
        # The script checks a code before it becomes the tube; the server checks it again.
        "tube_pattern": settings.TUBE_BARCODE_PATTERN,
        "strings": _station_strings(),
    }
    context = {
        "station": st,
        "rounds": rounds,
        "chosen": chosen,
        "config": config,
        "form_uuid": uuid.uuid4(),
    }
    return render(request, "testing/station.html", context)


def _plain_swab(request: HttpRequest, st: Station, rounds: list[Round]) -> None:
    """One swab from the page's plain form (no JavaScript); the answer is a message."""
    round_ = next((r for r in rounds if str(r.pk) == request.POST.get("round", "")), None)
    if round_ is None:
        messages.error(request, _("Choose the round first."))
        return
    person = request.POST.get("person", "").strip()
    item: dict[str, Any] = {
        "client_uuid": request.POST.get("client_uuid") or str(uuid.uuid4()),
        "kind": "close" if request.POST.get("close") else "swab",
        "round_id": round_.pk,
        "station_id": st.pk,
        "tube": request.POST.get("tube", ""),
        "sampled_at": timezone.now().isoformat(),
    }
    if person.isdigit() and len(person) < 15:
        item["resident_id"] = int(person)
    elif person:
        item["id_number"] = person
    [answer] = ingest.swabs_batch(actor=request.user, items=[item])
    if answer.status == ingest.REJECTED:
        messages.error(request, _("Not recorded: %s") % answer.message)
    elif item["kind"] == "close":
        messages.success(request, _("Tube %s closed.") % answer.tube)
    else:
        messages.success(
            request,
            _("Recorded into tube %(tube)s (%(n)d).")
            % {"tube": answer.tube, "n": answer.tube_count},
        )


@never_cache
@login_required
def station_snapshot(request: HttpRequest, station_id: int) -> JsonResponse:
    """What the station keeps for offline work (see `snapshot.station_snapshot`): for those
    who run testing in the community, or who are on a shift at the site now; a JSON 403 with
    the reason for anyone else who may sample there (the page's script shows it)."""
    st = _station(request, station_id)
    try:
        until = snapshot.station_snapshot_until(request.user, st)
    except PermissionDenied as exc:
        return JsonResponse({"detail": str(exc)}, status=403)
    return JsonResponse(snapshot.station_snapshot(st, until=until))


@never_cache
def station_sw(request: HttpRequest) -> HttpResponse:
    """The offline pages' worker (web/static/shequ/offline-sw.js) with the station's cache
    name and static files to keep, served under /testing/stations/ so its scope covers the
    station pages."""
    return worker_response(cache="shequ-station", static_files=STATION_STATIC)


# -- the lab ---------------------------------------------------------------------------------


def _lab_scope(request: HttpRequest) -> Scope:
    scope = scope_for(request.user, Capability.RECORD_RESULTS)
    if scope.is_empty:
        raise PermissionDenied(_("Your role does not record test results."))
    return scope


def _lab_rounds(request: HttpRequest) -> list[Round]:
    return list(
        selectors.rounds_for(request.user, Capability.RECORD_RESULTS).order_by("-starts_on", "-id")[
            :50
        ]
    )


@login_required
def lab(request: HttpRequest) -> HttpResponse:
    """Transfers to receive (count them in; a different count is a discrepancy), a result per
    tube, and the way to import a results file."""
    scope = _lab_scope(request)
    rounds = _lab_rounds(request)
    pending = Transfer.objects.filter(scope.q("community"), received_at__isnull=True)
    result_form = ResultForm(rounds=rounds)
    receive_forms: dict[int, ReceiveForm] = {}
    answer = None
    if request.method == "POST" and request.POST.get("action") == "result":
        result_form = ResultForm(request.POST, rounds=rounds)
        if result_form.is_valid():
            data = result_form.cleaned_data
            round_ = next(r for r in rounds if r.pk == data["round"])
            [answer] = services.results_record(
                actor=request.user,
                round_=round_,
                results=[(data["barcode"].strip(), data["result"])],
            )
            if answer.status == "rejected":
                result_form.add_error("barcode", answer.message)
            else:
                if answer.recall_id:
                    messages.warning(request, _("Tube %s: recall started.") % answer.barcode)
                else:
                    messages.success(request, _("Tube %s: result recorded.") % answer.barcode)
                return redirect("testing:lab")
    elif request.method == "POST" and request.POST.get("action") == "receive":
        transfer = get_object_or_404(pending, pk=request.POST.get("transfer") or 0)
        form = ReceiveForm(request.POST, prefix=f"t{transfer.pk}")
        receive_forms[transfer.pk] = form
        if form.is_valid():
            try:
                got = services.transfer_receive(
                    actor=request.user,
                    transfer=transfer,
                    received_count=form.cleaned_data["received_count"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                exc.apply_to_form(form)
            else:
                if got.discrepancy:
                    messages.warning(request, f"{got.code}: {got.discrepancy}")
                else:
                    messages.success(request, _("Transfer %s received.") % got.code)
                return redirect("testing:lab")
    page = Paginator(
        pending.select_related("round", "community").order_by("sent_at", "id"), settings.PAGE_SIZE
    ).get_page(request.GET.get("page"))
    # The count box starts empty: the lab counts the tubes it got and types the number (a
    # box filled with the sent count would be confirmed unread, and a lost tube go unseen).
    transfers = [
        (t, receive_forms.get(t.pk) or ReceiveForm(prefix=f"t{t.pk}")) for t in page.object_list
    ]
    received = (
        Transfer.objects.filter(scope.q("community"), received_at__isnull=False)
        .select_related("round", "community")
        .order_by("-received_at")[:10]
    )
    context = {
        "page": page,
        "transfers": transfers,
        "received": received,
        "result_form": result_form,
        "answer": answer,
        "recent": imports.ImportJob.objects.filter(actor=request.user, kind="tube_results")[:5],
    }
    return render(request, "testing/lab.html", context)


LAB_IMPORT = ImportPage(
    kind="tube_results",
    title=gettext_lazy("Import results"),
    intro=gettext_lazy(
        "Upload the lab's results as .xlsx or .csv: one row per tube with its barcode (试管条码) "
        "and result (结果: 阴性, 阳性 or 无效). Every row is checked first; if any row is wrong "
        "nothing is recorded and you get the list of problems. A positive or invalid tube "
        "recalls its members at once."
    ),
    upload_url="testing:lab_import",
    job_url="testing:lab_import_job",
    errors_url="testing:lab_import_errors",
    errors_filename="results-errors",
    back=(gettext_lazy("Lab"), "testing:lab"),
    created=(gettext_lazy("recorded"), gettext_lazy("would be recorded")),
    updated=None,
)


@login_required
def lab_import(request: HttpRequest) -> HttpResponse:
    """Upload a results file (.xlsx / .csv); it is checked and recorded in the background."""
    _lab_scope(request)
    rounds = _lab_rounds(request)
    form = ResultsImportForm(request.POST or None, request.FILES or None, rounds=rounds)
    return import_views.upload_page(
        request,
        LAB_IMPORT,
        form,
        job_args=lambda data: {
            "options": {"round_id": data["round"], "skip_invalid": data["skip_invalid"]}
        },
    )


@login_required
def lab_import_job(request: HttpRequest, job_id: str) -> HttpResponse:
    """Progress while running (htmx polls the partial), then the summary and the bad rows."""
    job = imports.get_import_job_for(request.user, job_id)
    done = [import_views.Link(_("Back to the lab"), reverse("testing:lab"))]
    round_id = job.options.get("round_id")
    if round_id and not scope_for(request.user, Capability.VIEW_TESTING).is_empty:
        done.append(
            import_views.Link(
                _("See the recalls"), reverse("testing:recalls", args=[round_id]), "see-recalls"
            )
        )
    return import_views.job_page(request, LAB_IMPORT, job, done=done)


@login_required
def lab_import_errors(request: HttpRequest, job_id: str) -> HttpResponse:
    return import_views.errors_download(request, LAB_IMPORT, job_id)


urlpatterns = [
    path("", home, name="home"),
    path("rounds/new/", round_new, name="round_new"),
    path("sites/new/", site_new, name="site_new"),
    path("rounds/<int:round_id>/", round_detail, name="round"),
    path("rounds/<int:round_id>/finish/", round_finish, name="round_finish"),
    path("rounds/<int:round_id>/missed/", missed, name="missed"),
    path("rounds/<int:round_id>/missed.xlsx", missed_xlsx, name="missed_xlsx"),
    path(
        "rounds/<int:round_id>/missed/<int:resident_id>/outcome/",
        outcome_record,
        name="outcome",
    ),
    path("rounds/<int:round_id>/missed/<int:resident_id>/home/", home_request, name="home_request"),
    path("rounds/<int:round_id>/home/", home_tasks, name="home_tasks"),
    path("rounds/<int:round_id>/home/assign/", home_assign, name="home_assign"),
    path("rounds/<int:round_id>/recalls/", recalls, name="recalls"),
    path("rounds/<int:round_id>/summary.pdf", summary_pdf, name="summary_pdf"),
    path("home/<int:task_id>/", home_swab, name="home_swab"),
    path("recalls/<int:recall_id>/", recall, name="recall"),
    path("stations/sw.js", station_sw, name="station_sw"),
    path("stations/<int:station_id>/", station, name="station"),
    path("stations/<int:station_id>/snapshot.json", station_snapshot, name="station_snapshot"),
    path("lab/", lab, name="lab"),
    path("lab/import/", lab_import, name="lab_import"),
    path("lab/import/<uuid:job_id>/", lab_import_job, name="lab_import_job"),
    path("lab/import/<uuid:job_id>/errors.xlsx", lab_import_errors, name="lab_import_errors"),
]
