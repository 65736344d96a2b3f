"""Writes for user administration: grant and remove roles, lock, unlock and reset sign-in.

Each is one transaction with one audit row (who, whom, what), and checks the manager's right
again before it writes (core/users/selectors.py says who may do what to whom).
"""

from __future__ import annotations

from typing import Any

from axes.utils import reset as axes_reset
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.models import ApiToken, RoleAssignment, User
from shequ.core.roles import AGENCY_ROLES, ROLE_RANK, Capability, Role, refusal
from shequ.core.scopes import forget_scope
from shequ.core.services import role_grant
from shequ.core.users import selectors


def _require_manager(actor: User) -> None:
    if not selectors.manages_users(actor):
        raise PermissionDenied(refusal(Capability.MANAGE_USERS))


def _require_whole(actor: User, user: User) -> list[RoleAssignment]:
    """The user's roles, if `actor` may act on the whole user; PermissionDenied otherwise."""
    _require_manager(actor)
    roles = selectors.roles_of_user(user)
    if actor.pk == user.pk:
        raise PermissionDenied(_("Another manager does this for your own login."))
    if not selectors.may_manage_whole(actor, user, roles):
        raise PermissionDenied(
            _(
                "%(user)s also holds a role outside your places or above your own: "
                "a manager over all of them does this."
            )
            % {"user": user}
        )
    return roles


@transaction.atomic
def role_grant_by_manager(
    *, actor: User, user: User, role: str, place: Any = None, agency: Any = None
) -> RoleAssignment:
    """Give `user` a role over a place in `actor`'s places (or, agency roles, over an
    agency), no higher than `actor`'s own role there; refused otherwise, nothing written."""
    _require_manager(actor)
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a role from the list.")})
    label = Role(role).label
    if role in AGENCY_ROLES:
        if agency is None:
            raise ValidationError({"agency": _("This role is bound to an agency; choose one.")})
        place = None
        if not 0 < ROLE_RANK[role] <= selectors.citywide_rank(actor):
            raise PermissionDenied(
                _("Only a manager over the whole city grants %(role)s.") % {"role": label}
            )
    else:
        if place is None:
            raise ValidationError({"place": _("This role is bound to a place; give its code.")})
        agency = None
        if not selectors.managed_scope(actor).covers(place):
            raise PermissionDenied(
                _("%(place)s lies outside the places where you manage users.")
                % {"place": place.name}
            )
        if ROLE_RANK[role] > selectors.rank_over(actor, place):
            raise PermissionDenied(
                _("You may not grant %(role)s: it stands above your own role at %(place)s.")
                % {"role": label, "place": place.name}
            )
    if RoleAssignment.objects.filter(user=user, role=role, place=place, agency=agency).exists():
        raise ValidationError(
            {"role": _("%(user)s already holds this role there.") % {"user": user}}
        )
    assignment = role_grant(actor=actor, user=user, role=role, place=place, agency=agency)
    forget_scope(user)
    return assignment


@transaction.atomic
def role_revoke(*, actor: User, assignment: RoleAssignment) -> None:
    """Take a role away: one in `actor`'s places and no higher than their own there."""
    _require_manager(actor)
    if assignment.user_id == actor.pk:
        raise PermissionDenied(_("Another manager removes your own roles."))
    if not selectors.may_act_on(actor, assignment):
        raise PermissionDenied(
            _("This role stands above your own there: a higher manager removes it.")
        )
    audit.record(
        actor=actor,
        action="core.role.revoke",
        obj=assignment,
        place=assignment.place,
        changes={
            "user": assignment.user.username,
            "role": assignment.role,
            "agency": assignment.agency.code if assignment.agency else "",
        },
    )
    assignment.delete()
    forget_scope(assignment.user)


@transaction.atomic
def user_lock(*, actor: User, user: User) -> User:
    """Stop `user` from signing in or using the API until unlocked; their sessions end at
    their next request (an inactive user is no longer one of Django's logged-in users)."""
    _require_whole(actor, user)
    if not user.is_active:
        raise ValidationError(_("This login is already locked."))
    user.is_active = False
    user.save(update_fields=["is_active"])
    audit.record(
        actor=actor, action="core.user.lock", obj=user, changes={"is_active": [True, False]}
    )
    return user


@transaction.atomic
def user_unlock(*, actor: User, user: User) -> User:
    """Let `user` sign in again, and clear the failed attempts that locked their name out."""
    _require_whole(actor, user)
    cleared = axes_reset(username=user.username)
    if user.is_active and not cleared:
        raise ValidationError(_("This login is not locked."))
    before = user.is_active
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit.record(
        actor=actor,
        action="core.user.unlock",
        obj=user,
        changes={"is_active": [before, True], "failed_attempts_cleared": cleared},
    )
    return user


@transaction.atomic
def signin_reset(*, actor: User, user: User) -> tuple[str, str]:
    """Reset `user`'s sign-in: the password stops working, every session ends (Django checks
    the password hash a session was made with), API tokens are revoked and failed attempts
    cleared. Returns (uid, token) of a link that sets a new password, valid once and for
    PASSWORD_RESET_TIMEOUT: shown to the manager once, never stored."""
    _require_whole(actor, user)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    cleared = axes_reset(username=user.username)
    audit.record(
        actor=actor,
        action="core.user.signin_reset",
        obj=user,
        changes={"tokens_revoked": revoked, "failed_attempts_cleared": cleared},
    )
    return urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)
