"""Pages: browse and search the place tree, a place's page with its zone, set or lift a zone."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shequ.core import import_views, imports
from shequ.core.errors import ValidationError
from shequ.core.exports import xlsx_response
from shequ.core.import_views import ImportPage
from shequ.core.roles import Capability
from shequ.places import selectors, services
from shequ.places.forms import PlaceImportForm, ZoneForm
from shequ.places.import_template import template_workbook
from shequ.places.models import ZONABLE_KINDS, Place, PlaceKind, ZoneLevel


def partial_wanted(request: HttpRequest) -> bool:
    """An htmx swap wants the fragment; a history restore (Back after a miss) wants the page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def _page(request: HttpRequest, qs: QuerySet[Place]) -> Page:
    return Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
def tree(request: HttpRequest) -> HttpResponse:
    """Where browsing starts: the top of the user's scope, or a search across it."""
    text = request.GET.get("q", "").strip()[:100]
    kind = request.GET.get("kind", "")
    kind = kind if kind in PlaceKind.values else ""
    if text or kind:
        qs = selectors.places_for(request.user, kind=kind or None, text=text or None)
    else:
        qs = selectors.scope_roots(request.user)
    context = {"page": _page(request, qs), "q": text, "kind": kind, "kinds": PlaceKind.choices}
    template = "places/tree.html#results" if partial_wanted(request) else "places/tree.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
def detail(request: HttpRequest, place_id: int) -> HttpResponse:
    """A place with its children; compounds and buildings also show their zone and history."""
    place = selectors.get_place_for(request.user, place_id)
    children = selectors.places_for(request.user, parent=place)
    context = {
        "place": place,
        "crumbs": selectors.ancestors_in_scope(request.user, place),
        "page": _page(request, children),
        "zone": selectors.current_zone(place),
        "own_zone": selectors.own_open_zone(place),
        "history": selectors.zone_history(place)[:50],
        "may_set_zone": selectors.may_set_zone(request.user, place),
        "changes": selectors.place_changes(place)[:20],
    }
    template = "places/detail.html#children" if partial_wanted(request) else "places/detail.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _zonable(request: HttpRequest, place_id: int) -> Place:
    """The compound or building whose zone the user sets or lifts: 404 out of sight, 403 when
    their role may not set zones there or the place takes no zone."""
    place = selectors.get_place_for(request.user, place_id, Capability.SET_ZONE)
    if place.kind not in ZONABLE_KINDS:
        raise PermissionDenied(
            _("Zones are set on a compound or a building, not a %s.") % place.level_label()
        )
    return place


@login_required
def set_zone(request: HttpRequest, place_id: int) -> HttpResponse:
    """Form → confirmation → designation. Out of scope is 404; in scope but not allowed, 403."""
    place = _zonable(request, place_id)
    form = ZoneForm(request.POST or None)
    current = selectors.own_open_zone(place)
    effective = selectors.current_zone(place)
    # A stricter zone set on the compound above keeps applying whatever is set here.
    above = effective if effective is not None and effective.place_id != place.pk else None
    confirm = request.POST.get("confirm")
    if request.method == "POST" and form.is_valid() and confirm != "no":
        data = form.cleaned_data
        if confirm != "yes":
            return render(
                request,
                "places/zone_confirm.html",
                {
                    "place": place,
                    "form": form,
                    "data": data,
                    "level_label": ZoneLevel(data["level"]).label,
                    "current": current,
                    "above": above,
                },
            )
        try:
            services.zone_set(
                actor=request.user,
                place=place,
                level=data["level"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                reason=data["reason"],
            )
        except ValidationError as exc:
            exc.apply_to_form(form)
        else:
            messages.success(
                request,
                _("%(place)s is now a %(zone)s.")
                % {"place": place.name, "zone": ZoneLevel(data["level"]).label},
            )
            return redirect("places:detail", place_id=place.pk)
    return render(
        request,
        "places/zone_form.html",
        {"place": place, "form": form, "current": current, "above": above},
    )


@login_required
@require_POST
def lift_zone(request: HttpRequest, place_id: int) -> HttpResponse:
    place = _zonable(request, place_id)
    try:
        services.zone_lift(actor=request.user, place=place)
    except ValidationError as exc:
        for message in exc.errors.values():
            messages.error(request, message)
    else:
        messages.success(request, _("The zone on %s is lifted.") % place.name)
    return redirect("places:detail", place_id=place.pk)


IMPORT = ImportPage(
    kind="places",
    title=gettext_lazy("Import places"),
    intro=gettext_lazy(
        "Upload the city's places as .xlsx or .csv: one row per deepest place (household, "
        "building, … or a community with nothing below yet), with every level above it. "
        "Districts, streets and communities take their 12-digit statistical division codes "
        "(统计用区划代码) or the city's own. A town (镇) or township (乡) is a street's level, a "
        "village (村) a community's. Every row is checked first; if any row is wrong nothing "
        "is imported. Importing again renames or moves places found by their code (their "
        "residents stay); the same file again changes nothing."
    ),
    upload_url="places:import",
    job_url="places:import_job",
    errors_url="places:import_errors",
    errors_filename="places-import-errors",
    template_url="places:import_template",
    back=(gettext_lazy("Places"), "places:tree"),
    form_testid="places-import-form",
)


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    """The city HQ's upload of the place sheet (403 for anyone else)."""
    city = selectors.import_city(request.user)
    form = PlaceImportForm(request.POST or None, request.FILES or None)
    return import_views.upload_page(
        request,
        IMPORT,
        form,
        job_args=lambda data: {"place": city, "options": {"dry_run": data["dry_run"]}},
    )


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    city = selectors.import_city(request.user)
    return xlsx_response(template_workbook(city.code), "places-template.xlsx")


@login_required
def import_job(request: HttpRequest, job_id: str) -> HttpResponse:
    job = imports.get_import_job_for(request.user, job_id)
    done = [import_views.Link(_("See the places"), reverse("places:tree"))]
    return import_views.job_page(request, IMPORT, job, done=done)


@login_required
def import_errors(request: HttpRequest, job_id: str) -> HttpResponse:
    return import_views.errors_download(request, IMPORT, job_id)
