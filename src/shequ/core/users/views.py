"""Pages: find a user in one's places, see and change their roles, lock, unlock and reset
their sign-in (the Users section of the city HQ and street officers)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordResetConfirmView
from django.core.paginator import Paginator
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.models import User
from shequ.core.roles import Capability, Role, refusal
from shequ.core.users import selectors, services
from shequ.core.users.forms import GrantForm
from shequ.places.selectors import place_by_code

ACTIONS = {
    "core.role.grant": gettext_lazy("Role granted"),
    "core.role.revoke": gettext_lazy("Role removed"),
    "core.user.lock": gettext_lazy("Locked"),
    "core.user.unlock": gettext_lazy("Unlocked"),
    "core.user.signin_reset": gettext_lazy("Sign-in reset"),
}


def _role_label(value: str) -> str:
    return str(Role(value).label) if value in Role.values else value


def _require_manager(request: HttpRequest) -> None:
    if not selectors.manages_users(request.user):
        raise PermissionDenied(refusal(Capability.MANAGE_USERS))


@login_required
def users_page(request: HttpRequest) -> HttpResponse:
    """Find a user by login name, display name or phone, among the users of one's places."""
    _require_manager(request)
    text = request.GET.get("q", "").strip()[:100]
    page = Paginator(selectors.users_for(request.user, text), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "core/users/list.html", {"page": page, "q": text})


def _grant_form(request: HttpRequest, data: Any = None) -> GrantForm:
    return GrantForm(
        data,
        auto_id="grant-%s",
        roles=selectors.grantable_roles(request.user),
        agencies=selectors.agencies_for_roles(request.user),
    )


def _user_page(
    request: HttpRequest,
    user: User,
    *,
    form: BaseForm | None = None,
    error: str = "",
    reset_link: str = "",
    status: int = 200,
) -> HttpResponse:
    roles = selectors.roles_of_user(user)
    mine = [(ra, selectors.may_act_on(request.user, ra)) for ra in roles]
    scope = selectors.managed_scope(request.user)
    shown = [
        (ra, may)
        for ra, may in mine
        if (ra.place is not None and scope.covers(ra.place))
        or (ra.place is None and selectors.citywide_rank(request.user))
    ]
    context = {
        "target": user,
        "roles": shown,
        "hidden_roles": len(mine) - len(shown),
        "whole": selectors.may_manage_whole(request.user, user, roles),
        "form": form or _grant_form(request),
        "places": selectors.grant_places(request.user),
        "history": [
            (e, ACTIONS.get(e.action, e.action), _role_label(e.changes.get("role", "")))
            for e in selectors.history_of(user)
        ],
        "error": error,
        "reset_link": reset_link,
    }
    return render(request, "core/users/user.html", context, status=status)


@login_required
def user_page(request: HttpRequest, user_id: int) -> HttpResponse:
    """A user's roles in one's places, the role form, lock / unlock / reset, the history."""
    _require_manager(request)
    return _user_page(request, selectors.get_user_for(request.user, user_id))


@login_required
@require_POST
def role_add(request: HttpRequest, user_id: int) -> HttpResponse:
    """Grant a role; the form comes back with the input and the reason when refused."""
    _require_manager(request)
    user = selectors.get_user_for(request.user, user_id)
    form = _grant_form(request, request.POST)
    if not form.is_valid():
        return _user_page(request, user, form=form, status=400)
    data = form.cleaned_data
    place = None
    if data["place"]:
        place = place_by_code(data["place"])
        if place is None:
            form.add_error("place", _("No place with this code."))
            return _user_page(request, user, form=form, status=400)
    try:
        services.role_grant_by_manager(
            actor=request.user,
            user=user,
            role=data["role"],
            place=place,
            agency=data.get("agency"),
        )
    except ValidationError as exc:
        exc.apply_to_form(form)
        return _user_page(request, user, form=form, status=400)
    except PermissionDenied as exc:
        form.add_error(None, str(exc))
        return _user_page(request, user, form=form, status=403)
    messages.success(request, _("Role granted."))
    return redirect("core_users:user", user_id=user.pk)


@login_required
@require_POST
def role_remove(request: HttpRequest, user_id: int, role_id: int) -> HttpResponse:
    """Take a role away."""
    _require_manager(request)
    user = selectors.get_user_for(request.user, user_id)
    assignment = selectors.get_assignment_for(request.user, user, role_id)
    try:
        services.role_revoke(actor=request.user, assignment=assignment)
    except PermissionDenied as exc:
        return _user_page(request, user, error=str(exc), status=403)
    messages.success(request, _("Role removed."))
    return redirect("core_users:user", user_id=user.pk)


@login_required
@require_POST
def user_lock(request: HttpRequest, user_id: int) -> HttpResponse:
    """Lock or unlock the login (the button says which)."""
    _require_manager(request)
    user = selectors.get_user_for(request.user, user_id)
    unlock = request.POST.get("action") == "unlock"
    try:
        if unlock:
            services.user_unlock(actor=request.user, user=user)
        else:
            services.user_lock(actor=request.user, user=user)
    except PermissionDenied as exc:
        return _user_page(request, user, error=str(exc), status=403)
    except ValidationError as exc:
        return _user_page(request, user, error=next(iter(exc.errors.values())), status=400)
    messages.success(request, _("Unlocked: they may sign in again.") if unlock else _("Locked."))
    return redirect("core_users:user", user_id=user.pk)


@login_required
@require_POST
def signin_reset(request: HttpRequest, user_id: int) -> HttpResponse:
    """Reset the sign-in and show the link that sets a new password, this once."""
    _require_manager(request)
    user = selectors.get_user_for(request.user, user_id)
    try:
        uid, token = services.signin_reset(actor=request.user, user=user)
    except PermissionDenied as exc:
        return _user_page(request, user, error=str(exc), status=403)
    link = request.build_absolute_uri(
        reverse("core_users:set_password", kwargs={"uidb64": uid, "token": token})
    )
    response = _user_page(request, user, reset_link=link)
    response["Cache-Control"] = "no-store"
    return response


class SetPasswordView(PasswordResetConfirmView):
    """The link from a reset: the user chooses a new password, then signs in with it."""

    template_name = "core/users/set_password.html"
    success_url = reverse_lazy("web:login")
    reset_url_token = "set"  # noqa: S105 - the path segment that stands for the token

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        messages.success(self.request, _("Your new password is set: sign in with it."))
        return response
