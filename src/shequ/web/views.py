"""Login, language, the role-aware home page, the in-app inbox, and error pages in both
languages."""

from __future__ import annotations

import sys
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from shequ.core import offline
from shequ.core.models import Language
from shequ.core.services import notifications_mark_read, user_set_language
from shequ.notify.push import push_enabled
from shequ.notify.selectors import get_notification_for, inbox_for
from shequ.notify.services import SESSION_ENDPOINT
from shequ.web.home import home_for
from shequ.web.middleware import database_busy, is_database_locked

# The session key of a language chosen before logging in.
CHOSEN_LANGUAGE = "shequ_chosen_language"


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Login name"), max_length=64)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, max_length=128)


def _safe_next(request: HttpRequest, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # django-axes counts failures inside authenticate() and may lock the name out.
        user = authenticate(
            request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
        )
        if getattr(request, "axes_locked_out", False):
            return render(request, "web/locked_out.html", status=429)
        if user is None:
            form.add_error(None, _("Wrong login name or password. Check both and try again."))
        else:
            # A language chosen on the login page is kept, and remembered for the user;
            # otherwise the user's own language is served.
            chosen = request.session.get(CHOSEN_LANGUAGE)
            login(request, user)
            if chosen in Language.values:
                user_set_language(user=user, language=chosen)
            request.session.pop(CHOSEN_LANGUAGE, None)
            response = HttpResponseRedirect(_safe_next(request, "/"))
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME, user.language, max_age=365 * 86400, samesite="Lax"
            )
            return response
    return render(
        request,
        "web/login.html",
        {"form": form, "next": _safe_next(request, ""), "forget": offline.forget_list()},
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    # ?bye=1: the login page then wipes what the offline pages kept on this phone
    # (core.offline.OFFLINE_STORES, web/static/shequ/forget.js).
    return HttpResponseRedirect(reverse("web:login") + "?bye=1")


@require_POST
def switch_language(request: HttpRequest) -> HttpResponse:
    language = request.POST.get("language", "")
    response = HttpResponseRedirect(_safe_next(request, "/"))
    if language not in Language.values:
        return response
    if request.user.is_authenticated:
        user_set_language(user=request.user, language=language)
    else:
        # Chosen before logging in (on the login page): login_view keeps it.
        request.session[CHOSEN_LANGUAGE] = language
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, language, max_age=365 * 86400, samesite="Lax"
    )
    return response


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"home": home_for(request.user)})


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    # A view's `BadRequest` says what was refused (a crafted form: an unknown action); any
    # other 400 (a suspicious request) keeps its reason to the log.
    message = str(exception) if type(exception) is BadRequest else ""
    return render(request, "web/error.html", {"code": 400, "message": message}, status=400)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "web/error.html", {"code": 403, "exception": exception}, status=403)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "web/error.html", {"code": 404}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Called while the exception is being handled: SQLite's write lock busy past its timeout
    # is a moment's wait (503, try again), not a fault.
    if is_database_locked(sys.exc_info()[1]):
        return database_busy(request)
    # No request context: its processors query the database, which may be what failed.
    return HttpResponse(render_to_string("web/error.html", {"code": 500, "bare": True}), status=500)


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The user's in-app messages (alerts, calls, approvals to give), newest first."""
    if request.method == "POST":
        notifications_mark_read(user=request.user)
        return redirect("web:inbox")
    page = Paginator(inbox_for(request.user), settings.PAGE_SIZE).get_page(request.GET.get("page"))
    push = None
    if push_enabled():  # the "turn on notifications on this phone" box (shequ/push.js)
        push = {
            "key": settings.VAPID_PUBLIC_KEY,
            "scope": reverse("notify:service_worker").rpartition("/")[0] + "/",
            "subscribed": bool(request.session.get(SESSION_ENDPOINT)),
        }
    return render(request, "web/inbox.html", {"page": page, "push": push})


@login_required
def inbox_open(request: HttpRequest, note_id: int) -> HttpResponse:
    """Open one message: it is marked read and the page it is about opens."""
    note = get_notification_for(request.user, note_id)
    notifications_mark_read(user=request.user, pk=note.pk)
    target = note.url if note.url.startswith("/") and not note.url.startswith("//") else ""
    return redirect(target or "web:inbox")


@login_required
def inbox_badge(request: HttpRequest) -> HttpResponse:
    """The nav link with the unread count, polled by htmx so alerts show within seconds."""
    page = urlsplit(request.htmx.current_url or "").path if request.htmx else ""
    return render(
        request, "web/inbox_badge.html", {"current": page.startswith(reverse("web:inbox"))}
    )
