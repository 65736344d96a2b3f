"""Pages: browse and search the place tree, a place's page with its zone, set or lift a zone."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.errors import ValidationError
from shequ.places import selectors, services
from shequ.places.forms import ZoneForm
from shequ.places.models import PlaceKind, ZoneLevel


def _page(request: HttpRequest, qs):  # type: ignore[no-untyped-def]
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
    template = "places/tree.html#results" if request.htmx else "places/tree.html"
    return render(request, template, context)


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
        "history": selectors.zone_history(place)[:50],
        "may_set_zone": selectors.may_set_zone(request.user, place),
    }
    template = "places/detail.html#children" if request.htmx else "places/detail.html"
    return render(request, template, context)


@login_required
def set_zone(request: HttpRequest, place_id: int) -> HttpResponse:
    """Form → confirmation → designation. Out of scope is 404; in scope but not allowed, 403."""
    place = selectors.get_place_for(request.user, place_id)
    if not selectors.may_set_zone(request.user, place):
        raise PermissionDenied(_("Only street officers and above may set zones here."))
    form = ZoneForm(request.POST or None)
    current = selectors.current_zone(place)
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
        request, "places/zone_form.html", {"place": place, "form": form, "current": current}
    )


@login_required
@require_POST
def lift_zone(request: HttpRequest, place_id: int) -> HttpResponse:
    place = selectors.get_place_for(request.user, place_id)
    if not selectors.may_set_zone(request.user, place):
        raise PermissionDenied(_("Only street officers and above may lift zones here."))
    try:
        services.zone_lift(actor=request.user, place=place)
    except ValidationError as exc:
        for message in exc.errors.values():
            messages.error(request, message)
    else:
        messages.success(request, _("The zone on %s is lifted.") % place.name)
    return redirect("places:detail", place_id=place.pk)
