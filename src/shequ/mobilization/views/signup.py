"""The public page where a resident volunteers for their community (/v/<community code>/),
reached from the community's poster. No login: the phone is proved by a one-time code, the
codes are rate limited per phone and per address, and nothing says whether a phone is known."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shequ.core.errors import ValidationError
from shequ.mobilization import accounts
from shequ.mobilization.forms import VolunteerSignupForm
from shequ.web.signin_views import client_address


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest, code: str) -> HttpResponse:
    """Ask for a code, then send the form with it: the volunteer waits for vetting."""
    community = accounts.signup_community(code)
    form = VolunteerSignupForm(request.POST or None)
    note = ""
    status = 200
    if request.POST.get("action") == "send":
        # Asking for a code needs only the phone: the rest may still be blank.
        form.is_valid()
        for field in [f for f in form.errors if f != "phone"]:
            del form.errors[field]
        try:
            accounts.volunteer_code_send(
                phone=request.POST.get("phone", ""), client=client_address(request)
            )
            note = _("A 6-digit code is on its way to this number. It is valid for 5 minutes.")
        except ValidationError as exc:
            form.errors.pop("phone", None)
            exc.apply_to_form(form)
            status = 400
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            accounts.volunteer_register(
                community=community,
                name=data["name"],
                phone=data["phone"],
                code=data["code"],
                id_number=data["id_number"],
                skills=data["skills"],
                availability=data["availability"],
                organisation=data["organisation"],
            )
            return render(request, "mobilization/signup_done.html", {"community": community})
        except ValidationError as exc:
            exc.apply_to_form(form)
            status = 400
    elif request.method == "POST":
        status = 400
    response = render(
        request,
        "mobilization/signup.html",
        {"community": community, "form": form, "note": note},
        status=status,
    )
    response["Cache-Control"] = "private, no-store"
    return response
