"""The other ways in: a one-time code texted to the phone (cadres and volunteers, whose login
is their phone), a personal invitation link from the coordinator, and "forgot password" for
office users through the same codes. The services are core/signin.py and
mobilization/accounts.py; every answer about a phone is the same whether or not it is known.
"""

from __future__ import annotations

from axes.helpers import get_client_ip_address
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from shequ.core import signin
from shequ.core.errors import ValidationError
from shequ.core.models import User
from shequ.mobilization import accounts
from shequ.web.views import _safe_next

BACKEND = "django.contrib.auth.backends.ModelBackend"


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=gettext_lazy("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )


class CodeForm(PhoneForm):
    code = forms.CharField(
        label=gettext_lazy("Code from the text message"),
        max_length=6,
        required=False,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*"}
        ),
    )


class ResetForm(CodeForm):
    password = forms.CharField(
        label=gettext_lazy("New password"),
        max_length=128,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


def client_address(request: HttpRequest) -> str:
    """The asker's address as the login lockout sees it (SHEQU_PROXY_COUNT)."""
    return get_client_ip_address(request) or ""


SENT = gettext_lazy(
    "If this number may sign in here, a 6-digit code is on its way. It is valid for 5 minutes."
)


def _signed_in(request: HttpRequest, user: User) -> HttpResponse:
    login(request, user, backend=BACKEND)
    response = HttpResponseRedirect(_safe_next(request, "/"))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, user.language, max_age=365 * 86400, samesite="Lax"
    )
    return response


@require_http_methods(["GET", "POST"])
def code_login(request: HttpRequest) -> HttpResponse:
    """Phone → a code by text message → signed in. Step two shows once a code was asked for."""
    form = CodeForm(request.POST or None)
    sent = False
    if request.method == "POST" and form.is_valid():
        phone, code = form.cleaned_data["phone"], form.cleaned_data["code"]
        try:
            if request.POST.get("action") == "send":
                signin.sign_in_code_send(phone=phone, client=client_address(request))
                sent = True
                messages.info(request, SENT)
            else:
                sent = True
                return _signed_in(request, signin.sign_in_by_code(phone=phone, code=code))
        except ValidationError as exc:
            exc.apply_to_form(form)
    return render(
        request,
        "web/login_code.html",
        {"form": form, "sent": sent, "next": _safe_next(request, "")},
    )


@require_http_methods(["GET", "POST"])
def forgot_password(request: HttpRequest) -> HttpResponse:
    """Phone → a code → a new password, for logins that have a password."""
    form = ResetForm(request.POST or None)
    sent = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if request.POST.get("action") == "send":
                signin.reset_code_send(phone=data["phone"], client=client_address(request))
                sent = True
                messages.info(request, SENT)
            else:
                sent = True
                signin.password_reset(
                    phone=data["phone"], code=data["code"], password=data["password"]
                )
                messages.success(request, _("Your password is changed; log in with it."))
                return redirect("web:login")
        except ValidationError as exc:
            exc.apply_to_form(form)
    return render(request, "web/forgot_password.html", {"form": form, "sent": sent})


@require_http_methods(["GET", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """A personal link: GET says whether it works (a chat app's preview must not use it up);
    the button signs the person in and binds their login to their staff record."""
    problem = accounts.invitation_problem(token)
    if request.method == "POST" and not problem:
        try:
            user = accounts.invitation_accept(token=token)
        except ValidationError as exc:
            problem = next(iter(exc.errors.values()))
        else:
            response = _signed_in(request, user)
            messages.success(request, _("You are signed in. Next time, sign in with your phone."))
            return response
    response = render(
        request, "web/invitation.html", {"problem": problem}, status=410 if problem else 200
    )
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
