"""Pages: pairings of agencies with compounds (对点支援): the list in one's places, pairing
an agency with a compound and ending a pairing (the HQ and district officers, as the API)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.errors import PermissionDenied, ValidationError
from shequ.mobilization import dispatch, selectors
from shequ.mobilization.forms import PairingForm
from shequ.places.selectors import place_by_code


def _require_viewer(request: HttpRequest) -> None:
    if not selectors.has_mobilization_role(request.user):
        raise PermissionDenied(_("Your role sees no pairing."))


def _page(request: HttpRequest, form: PairingForm | None, status: int = 200) -> HttpResponse:
    may_pair = selectors.may_issue_orders(request.user)
    page = Paginator(selectors.pairings_listed(request.user), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    if may_pair and form is None:
        form = PairingForm(auto_id="pair-%s", agencies=selectors.agencies_listed())
    context = {"page": page, "form": form if may_pair else None, "may_pair": may_pair}
    return render(request, "mobilization/pairings.html", context, status=status)


@login_required
def pairings_page(request: HttpRequest) -> HttpResponse:
    """The pairings in one's places; the HQ and district officers pair agencies here."""
    _require_viewer(request)
    if request.method != "POST":
        return _page(request, None)
    if not selectors.may_issue_orders(request.user):
        raise PermissionDenied(_("Only the HQ or the district pairs agencies with compounds."))
    form = PairingForm(request.POST, auto_id="pair-%s", agencies=selectors.agencies_listed())
    if not form.is_valid():
        return _page(request, form, status=400)
    data = form.cleaned_data
    place = place_by_code(data["place"])
    if place is None:
        form.add_error("place", _("No place with this code."))
        return _page(request, form, status=400)
    try:
        dispatch.pairing_create(
            actor=request.user,
            agency=data["agency"],
            place=place,
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
        )
    except ValidationError as exc:
        exc.apply_to_form(form)
        return _page(request, form, status=400)
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
        return _page(request, form, status=403)
    messages.success(request, _("Paired."))
    return redirect("mobilization:pairings")


@login_required
@require_POST
def pairing_end(request: HttpRequest, pairing_id: int) -> HttpResponse:
    """End a pairing today."""
    pairing = selectors.get_pairing_for(request.user, pairing_id)
    try:
        dispatch.pairing_end(actor=request.user, pairing=pairing)
    except ValidationError as exc:
        messages.error(request, next(iter(exc.errors.values())))
    else:
        messages.success(request, _("Pairing ended."))
    return redirect("mobilization:pairings")
