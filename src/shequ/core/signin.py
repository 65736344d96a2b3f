"""Signing in without a password (a one-time code texted to the login's phone) and resetting
a forgotten password through the same codes (core/otp.py).

Who signs in by code: cadres and volunteers, whose login is their phone number and who have
no password (mobilization/accounts.py makes those logins). Office users keep their password;
a code only lets them set a new one. Asking for a code answers the same whether or not the
phone belongs to anyone.
"""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from shequ.core import audit, otp, pii
from shequ.core.errors import ValidationError
from shequ.core.models import CodePurpose, User


def _with_phone(phone: str) -> list[User]:
    return list(
        User.objects.with_phone(phone).filter(is_active=True).select_related("staff").order_by("pk")
    )


def may_sign_in_by_code(user: User) -> bool:
    """A phone login (no password) bound to a staff record that is not waiting for vetting
    or rejected."""
    staff = getattr(user, "staff", None)
    return (
        user.is_active
        and not user.has_usable_password()
        and staff is not None
        and staff.vetting == "approved"
    )


def code_user(phone: str) -> User | None:
    """The login that a sign-in code for `phone` opens, if any."""
    return next((u for u in _with_phone(phone) if may_sign_in_by_code(u)), None)


def password_user(phone: str) -> User | None:
    """The password login whose password a code for `phone` may reset, if any."""
    return next((u for u in _with_phone(phone) if u.has_usable_password()), None)


def sign_in_code_send(*, phone: str, client: str) -> otp.Sent:
    """Text a sign-in code if `phone` may sign in by code; the same answer either way."""
    phone = otp.check_mobile(phone)
    return otp.code_send(
        phone=phone,
        purpose=CodePurpose.SIGN_IN,
        client=client,
        deliver=code_user(phone) is not None,
    )


def sign_in_by_code(*, phone: str, code: str) -> User:
    """The login the right code opens (ValidationError on `code` otherwise)."""
    phone = otp.code_check(phone=phone, purpose=CodePurpose.SIGN_IN, code=code)
    user = code_user(phone)
    if user is None:  # vetted away, or deactivated, since the code was sent
        raise ValidationError({"code": _("This number may not sign in; ask your coordinator.")})
    with transaction.atomic():
        audit.record(actor=user, action="core.user.sign_in_code", obj=user)
    return user


def reset_code_send(*, phone: str, client: str) -> otp.Sent:
    """Text a password-reset code if `phone` belongs to a password login; same answer."""
    phone = otp.check_mobile(phone)
    return otp.code_send(
        phone=phone,
        purpose=CodePurpose.PASSWORD_RESET,
        client=client,
        deliver=password_user(phone) is not None,
    )


def password_reset(*, phone: str, code: str, password: str) -> User:
    """Set a new password with a reset code. The password is checked before the code is
    used, so a weak password does not cost the code."""
    phone = otp.check_mobile(phone)
    user = password_user(phone)
    try:
        validate_password(password, user)
    except DjangoValidationError as exc:
        raise ValidationError({"password": " ".join(exc.messages)}) from None
    phone = otp.code_check(phone=phone, purpose=CodePurpose.PASSWORD_RESET, code=code)
    if user is None:
        raise ValidationError({"code": _("No code was sent to this number; ask for a code first.")})
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit.record(
            actor=user,
            action="core.user.password_reset",
            obj=user,
            changes={"phone": pii.mask(phone)},
        )
    return user
