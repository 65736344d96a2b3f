"""The header's search box: places (by name or code) and residents (by name; an ID number or
phone only as an exact full value, and only where the residents list allows it), each list
narrowed to the user's scope and paginated."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shequ.core.errors import PermissionDenied
from shequ.core.roles import Capability, refusal
from shequ.core.scopes import scope_for
from shequ.places.selectors import places_for
from shequ.residents import privacy
from shequ.residents import selectors as residents

QUERY_MAX = 50


@login_required
def search(request: HttpRequest) -> HttpResponse:
    """`?q=`: matching places and residents in the user's scope; 403 for a role that sees
    neither (the header shows such a role no box)."""
    sees_places = not scope_for(request.user, Capability.VIEW_PLACES).is_empty
    sees_residents = not scope_for(request.user, Capability.VIEW_RESIDENTS).is_empty
    if not (sees_places or sees_residents):
        raise PermissionDenied(refusal(Capability.VIEW_PLACES))
    text = request.GET.get("q", "").strip()[:QUERY_MAX]
    context: dict[str, object] = {
        "q": text,
        "sees_places": sees_places,
        "sees_residents": sees_residents,
        "numbers_searchable": not scope_for(request.user, Capability.VIEW_PII).is_empty,
    }
    if text and sees_places:
        context["places"] = Paginator(
            places_for(request.user, text=text), settings.PAGE_SIZE
        ).get_page(request.GET.get("places_page"))
    if text and sees_residents:
        found = residents.text_search(request.user, text)
        page = Paginator(
            residents.residents_for(request.user, text=text), settings.PAGE_SIZE
        ).get_page(request.GET.get("residents_page"))
        people = list(page.object_list)
        # The same masking and audit as the residents list (an exact number search is logged).
        shown = privacy.residents_shown(
            request.user, people, where="web.search", search=found if found.exact else None
        )
        context.update(
            residents=page,
            resident_rows=[(r, shown[r.pk]) for r in people],
            names_only=found.names_only,
        )
    return render(request, "web/search.html", context)
