"""The resident's public help page (/h/<compound code>/), reached from the compound's poster:
large text, few words. Step 1: phone → code; step 2: the code → a signed cookie for the
household (30 minutes); then ask for help, see one's own requests, confirm delivery."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shequ.assistance import isolation, public
from shequ.assistance.models import HelpKind, HelpStatus
from shequ.core.errors import ValidationError
from shequ.core.public_pages import compound_sections
from shequ.web.signin_views import client_address


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@require_http_methods(["GET", "POST"])
def help_page(request: HttpRequest, code: str) -> HttpResponse:
    """Ask for a code, verify it, then ask for help and follow the household's requests."""
    compound = public.public_compound(code)
    households = public.verified_households(compound, request.COOKIES.get(public.COOKIE))
    action = request.POST.get("action", "")
    errors: dict[str, str] = {}
    note = ""
    cookie = ""
    if action == "send":
        try:
            phone = request.POST.get("phone", "")
            client = client_address(request)
            public.help_code_send(compound=compound, phone=phone, client=client)
            note = _("If this number is registered here, a 6-digit code is on its way.")
        except ValidationError as exc:
            errors = exc.errors
    elif action == "verify":
        try:
            cookie = public.household_verify(
                compound=compound,
                phone=request.POST.get("phone", ""),
                code=request.POST.get("code", ""),
            )
        except ValidationError as exc:
            errors = exc.errors
    elif action == "leave":
        response = redirect("help:page", code=compound.code)
        response.delete_cookie(public.COOKIE, path=_path(compound.code))
        return response
    elif action in ("ask", "confirm", "temp") and households:
        try:
            if action == "temp":
                _report(request, households)
            elif action == "ask":
                public.resident_help_open(
                    households=households,
                    household_id=_int(request.POST.get("household")) or 0,
                    kind=request.POST.get("kind", ""),
                    details=request.POST.get("details", ""),
                    urgent=request.POST.get("urgent") == "on",
                )
            else:
                public.resident_confirm(
                    households=households, request_id=_int(request.POST.get("request")) or 0
                )
        except ValidationError as exc:
            errors = exc.errors
    if cookie or (action in ("ask", "confirm", "temp") and households and not errors):
        response = redirect(reverse("help:page", args=[compound.code]) + "#mine")
        if cookie:
            response.set_cookie(
                public.COOKIE,
                cookie,
                max_age=int(public.LIFETIME.total_seconds()),
                path=_path(compound.code),
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response
    context = {
        "compound": compound,
        "verified": bool(households),
        "households": public.household_places(households) if households else [],
        "requests": list(public.household_requests(households)) if households else [],
        "isolated": isolation.board_rows(isolation.isolated_in(households)) if households else [],
        "kinds": HelpKind.choices,
        "delivered": HelpStatus.DELIVERED,
        "errors": errors,
        "note": note,
        "post": request.POST,
        # Other apps' sections (the compound's notices): core.public_pages.
        "sections": compound_sections(request, compound),
    }
    status = 400 if errors else 200
    response = render(request, "assistance/public.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response


def _path(code: str) -> str:
    return reverse("help:page", args=[code])


def _report(request: HttpRequest, households: list[int]) -> None:
    """A temperature reading of one of the household's residents isolated at home."""
    wanted = _int(request.POST.get("resident"))
    resident = next((r for r in isolation.isolated_in(households) if r.pk == wanted), None)
    if resident is None:
        raise ValidationError({"resident": _("Choose who is reporting.")})
    isolation.isolation_report(
        actor=None,
        resident=resident,
        temperature=request.POST.get("temperature", ""),
        symptoms=request.POST.get("symptoms", ""),
        households=households,
    )
