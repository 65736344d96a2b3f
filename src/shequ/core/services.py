"""Writes for users, roles and API tokens: one transaction and one audit row each."""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit, pii
from shequ.core.errors import ValidationError
from shequ.core.models import ApiToken, Language, Notification, RoleAssignment, User
from shequ.core.roles import AGENCY_ROLES, Role

USERNAME_RE = re.compile(r"^[A-Za-z0-9._-]{2,64}$")
TOKEN_PREFIX = "shq_"  # noqa: S105 - marks our tokens in logs, not a secret


def _check_phone(phone: str) -> str:
    normalized = pii.normalize_phone(phone)
    if phone and not re.fullmatch(r"1\d{10}", normalized):
        raise ValidationError({"phone": _("Enter an 11-digit mobile number such as 13800000000.")})
    return normalized


@transaction.atomic
def user_create(
    *,
    actor: User | None,
    username: str,
    password: str,
    display_name: str = "",
    phone: str = "",
    language: str = Language.ZH_HANS,
    check_password: bool = True,
) -> User:
    """Create a login. `check_password=False` only for seeded demo users."""
    errors: dict[str, str] = {}
    if not USERNAME_RE.match(username or ""):
        errors["username"] = _("Use 2–64 letters, digits, '.', '_' or '-' for the login name.")
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = _("This login name is taken; choose another.")
    if language not in Language.values:
        errors["language"] = _("Choose zh-hans or en.")
    try:
        phone = _check_phone(phone)
    except ValidationError as exc:
        errors.update(exc.errors)
    if check_password:
        try:
            validate_password(password)
        except DjangoValidationError as exc:
            errors["password"] = " ".join(exc.messages)
    if errors:
        raise ValidationError(errors)
    user = User.objects.create_user(
        username, password, display_name=display_name, phone=phone, language=language
    )
    audit.record(
        actor=actor,
        action="core.user.create",
        obj=user,
        changes={"username": username, "phone": pii.mask(phone)},
    )
    return user


@transaction.atomic
def role_grant(
    *, actor: User | None, user: User, role: str, place: Any = None, agency: Any = None
) -> RoleAssignment:
    """Give `user` a role over a place, or (agency roles) over an agency."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role; choose one of: %s.") % ", ".join(Role)})
    if role in AGENCY_ROLES:
        if agency is None or place is not None:
            raise ValidationError(
                {"agency": _("This role is bound to an agency; name the agency.")}
            )
    elif place is None or agency is not None:
        raise ValidationError({"place": _("This role is bound to a place; name the place code.")})
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, place=place, agency=agency
    )
    if created:
        audit.record(
            actor=actor,
            action="core.role.grant",
            obj=assignment,
            place=place,
            changes={"user": user.username, "role": role},
        )
    return assignment


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, actor: User | None, user: User, name: str) -> tuple[ApiToken, str]:
    """Make a token for `user`; returns the row and the token, which is never shown again."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError({"name": _("Give the token a name of 1–100 characters.")})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[: len(TOKEN_PREFIX) + 6], digest=_digest(secret)
    )
    audit.record(actor=actor, action="core.token.create", obj=token, changes={"name": name})
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: User | None, token: ApiToken) -> ApiToken:
    """Stop a token from working from now on."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor=actor, action="core.token.revoke", obj=token)
    return token


def user_for_token(secret: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    # Touch last_used_at at most once a minute: a scanner posting every second must not turn
    # every read into a write.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


@transaction.atomic
def user_set_language(*, user: User, language: str) -> User:
    """Remember the language the user chose, for their next login on any device."""
    if language not in Language.values:
        raise ValidationError({"language": _("Choose zh-hans or en.")})
    if user.language != language:
        before = user.language
        user.language = language
        user.save(update_fields=["language"])
        audit.record(
            actor=user,
            action="core.user.language",
            obj=user,
            changes={"language": [before, language]},
        )
    return user


def notifications_mark_read(*, user: User, pk: int | None = None) -> int:
    """Mark the user's unread messages read (one of them with `pk`); how many were marked.
    No audit row: reading one's own messages changes nothing anyone else sees."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if pk is not None:
        unread = unread.filter(pk=pk)
    return unread.update(read_at=timezone.now())
