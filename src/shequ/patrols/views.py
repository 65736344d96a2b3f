"""Pages: the day's disinfection checklist of a community (due / done / missed, a round
recorded with one tap), the areas' set-up, and the round history with the week's chart.
Findings are in finding_views.py, the offline phone page in phone_views.py."""

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
from shequ.patrols import exports, schedule, selectors, services
from shequ.patrols.forms import AreaForm, RoundForm
from shequ.patrols.photos import read_photo
from shequ.patrols.services import AREA_PLACES


def _seeing(request: HttpRequest) -> None:
    if not selectors.may_see(request.user):
        raise PermissionDenied(_("Your role sees no disinfection or patrols."))


def _community(request: HttpRequest, capability: str = "") -> object:
    pk = request.GET.get("community") or request.POST.get("community")
    return (
        selectors.community_choice(request.user, pk)
        if pk
        else selectors.first_community(request.user, capability)
        or selectors.first_community(request.user)
    )


@login_required
def checklist(request: HttpRequest) -> HttpResponse:
    """Today's areas of a community in walking order, each slot due / done / missed; a cadre
    taps "Done" to record a round (with units used, a note and a photo if they like)."""
    _seeing(request)
    community = _community(request, Capability.RECORD_ROUNDS)
    form = RoundForm()
    if request.method == "POST":
        form = RoundForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            area = selectors.get_area_for(request.user, data["area"])
            upload = data.get("photo")
            try:
                services.round_record(
                    actor=request.user,
                    area=area,
                    quantity=data["quantity"],
                    note=data["note"] or "",
                    photo=upload.read(4 * 1024 * 1024) if upload else None,
                )
            except ValidationError as exc:
                for message in exc.errors.values():
                    messages.error(request, f"{area.name}: {message}")
            else:
                messages.success(request, _("Round recorded: %s") % area.name)
                return redirect(f"{request.path}?community={area.community_id}")
        else:
            messages.error(request, _("Choose the area again."))
    rows = selectors.checklist(community) if community else []
    return render(
        request,
        "patrols/checklist.html",
        {
            "community": community,
            "communities": list(selectors.communities_for(request.user)[:200]),
            "rows": rows,
            "today": timezone.localdate(),
            "may_record": community is not None
            and selectors.may_record(request.user)
            and selectors.scope_covers(request.user, Capability.RECORD_ROUNDS, community),
            "may_manage": selectors.may_manage(request.user),
            "missed": sum(r.count(schedule.MISSED) for r in rows),
            "done": sum(r.count(schedule.DONE) for r in rows),
            "open_findings": selectors.open_count(request.user),
        },
        status=400 if request.method == "POST" else 200,
    )


def _area_form_choices(request: HttpRequest, community: object) -> dict[str, list]:
    places = selectors.places_for(request.user, Capability.MANAGE_PATROLS, AREA_PLACES)
    return {
        "places": [(p.pk, f"{p.get_kind_display()} · {p.name}") for p in places],
        "agents": [(i.pk, f"{i.name} ({i.unit})") for i in selectors.agents()[:200]],
        "warehouses": [
            (w.pk, w.name) for w in (selectors.warehouses_near(community) if community else [])
        ],
    }


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Community staff set up the areas: one area, or one in every building of a compound
    ("every stairwell of 1号小区"), each with its times of day (or every N hours)."""
    if not selectors.may_manage(request.user):
        raise PermissionDenied(
            _("Only the community's staff and its street set up disinfection areas.")
        )
    community = _community(request, Capability.MANAGE_PATROLS)
    if request.GET.get("format") == "xlsx":
        rows = selectors.areas_listed(request.user, community)[:10_000]
        return xlsx_response(exports.areas_xlsx(rows), "disinfection-areas.xlsx")
    choices = _area_form_choices(request, community)
    form = AreaForm(**choices)
    if request.method == "POST" and request.POST.get("action") == "retire":
        area = selectors.get_area_for(request.user, request.POST.get("area"))
        services.area_retire(actor=request.user, area=area)
        messages.success(request, _("Taken off the schedule: %s") % area.name)
        return redirect(f"{request.path}?community={area.community_id}")
    if request.method == "POST":
        form = AreaForm(request.POST, **choices)
        if form.is_valid():
            data = form.cleaned_data
            place = selectors.get_place_for(request.user, data["place"], Capability.MANAGE_PATROLS)
            try:
                args = {
                    "kind": data["kind"],
                    "times": services.times_from(data["times"], data["every_hours"], data["start"]),
                    "every_hours": data["every_hours"],
                    "tolerance": data["tolerance"],
                    "agent": selectors.get_agent(data["agent"]) if data["agent"] else None,
                    "warehouse": selectors.get_warehouse_near(place, data["warehouse"])
                    if data["warehouse"]
                    else None,
                    "dose": data["dose"],
                }
                if data["bulk"]:
                    made = services.areas_for_buildings(actor=request.user, compound=place, **args)
                    messages.success(request, _("%d areas added.") % len(made))
                else:
                    services.area_create(actor=request.user, place=place, name=data["name"], **args)
                    messages.success(request, _("Saved."))
            except ValidationError as exc:
                exc.apply_to_form(form)
            except Http404:
                form.add_error(
                    "warehouse", _("Choose a warehouse of this place's community or above it.")
                )
            else:
                return redirect(f"{request.path}?community={services.community_of(place).pk}")
    page = Paginator(selectors.areas_listed(request.user, community), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "patrols/setup.html",
        {
            "community": community,
            "communities": list(selectors.communities_for(request.user)[:200]),
            "form": form,
            "page": page,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def history(request: HttpRequest) -> HttpResponse:
    """A community's rounds, newest first, with done vs missed per day for the last week."""
    _seeing(request)
    community = _community(request)
    rows = selectors.rounds_for(request.user, community)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(exports.rounds_xlsx(rows[:10_000]), "disinfection-rounds.xlsx")
    days = selectors.week(community) if community else []
    return render(
        request,
        "patrols/history.html",
        {
            "community": community,
            "communities": list(selectors.communities_for(request.user)[:200]),
            "page": Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page")),
            "chart": exports.week_chart(days) if days else None,
            "days": days,
        },
    )


@login_required
def round_photo(request: HttpRequest, patrol_round_id: int) -> HttpResponse:
    """A round's photo, for those who see the area."""
    found = selectors.get_round_for(request.user, patrol_round_id)
    if not found.photo:
        raise Http404("No photo")
    try:
        data = read_photo(found.photo, f"round {found.area_id}")
    except (FileNotFoundError, ValueError):
        raise Http404("No such photo") from None
    response = HttpResponse(data, content_type=found.photo_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response
