"""What the testing pages share: the user's scope for testing, the round named in the URL
and where their view of it starts (`?place=`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from shequ.core.errors import PermissionDenied
from shequ.core.roles import Capability
from shequ.core.scopes import Scope, scope_for
from shequ.places.models import Place
from shequ.testing import selectors, snapshot
from shequ.testing.models import Round


def scope(request: HttpRequest, capability: str = Capability.VIEW_TESTING) -> Scope:
    """The places the user may do `capability` for; 403 for a role that has none."""
    found = scope_for(request.user, capability)
    if found.is_empty:
        raise PermissionDenied(_("Your role does not see testing rounds."))
    return found


def round_for(request: HttpRequest, round_id: int) -> Round:
    """A round over places the user sees; 403 for a role without testing, 404 otherwise."""
    scope(request)
    return selectors.get_round_for(request.user, round_id)


def within(request: HttpRequest, round_: Round, scope: Scope) -> tuple[Place, list[Place]]:
    """Where the user's view of the round starts (`?place=`, else their first place in it)."""
    choices = snapshot.within_choices(round_, scope)
    place = selectors.round_place(round_, scope, request.GET.get("place"))
    if place is None:
        if not choices:
            raise Http404("place")
        place = choices[0]
    return place, choices


def moved(name: str) -> Callable[..., HttpResponse]:
    """A view that sends an old /testing/ address of a page outreach now serves (the missed
    list, home sampling: `outreach_rounds:<name>`) to its new one, query string kept."""

    @login_required
    @require_GET
    def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        url = reverse(f"outreach_rounds:{name}", kwargs=kwargs)
        query = request.META.get("QUERY_STRING", "")
        return redirect(f"{url}?{query}" if query else url, permanent=True)

    return view
