"""One-time codes sent to a phone: 6 digits, valid 5 minutes, one use, a few tries.

One mechanism for every purpose (sign in, a volunteer's registration, a password reset). The
code is kept only as a keyed hash; the rows double as the rate limit's counters, per phone
and per client address, so the limits hold across every app server sharing the database.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re
import secrets
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import pii
from shequ.core.errors import ValidationError
from shequ.core.models import CodePurpose, OneTimeCode

CODE_DIGITS = 6
LIFETIME = dt.timedelta(minutes=5)
MAX_ATTEMPTS = 5
# Per phone: one code a minute, at most 5 an hour. Per address: at most 30 an hour (a
# community office behind one address registers many volunteers).
PHONE_GAP = dt.timedelta(seconds=60)
PHONE_PER_HOUR = 5
CLIENT_PER_HOUR = 30
MOBILE = re.compile(r"1\d{10}")


class TooManyCodes(ValidationError):
    """Asked for codes too often; the message says how long to wait."""


@dataclass(frozen=True)
class Sent:
    """What asking for a code did: `sent` is False when nothing was sent (no such login),
    which the caller must not reveal."""

    phone: str
    sent: bool


def check_mobile(phone: str, field: str = "phone") -> str:
    """The phone normalized, or a ValidationError naming `field`."""
    normalized = pii.normalize_phone(phone)
    if not MOBILE.fullmatch(normalized):
        raise ValidationError({field: _("Enter an 11-digit mobile number such as 13800000000.")})
    return normalized


def _phone_hmac(phone: str) -> str:
    return pii.blind_index(phone, kind="phone")


def _code_hash(phone: str, purpose: str, code: str) -> str:
    return pii.blind_index(f"{phone}:{purpose}:{code}", kind="otp")


def client_hmac(address: str) -> str:
    return pii.blind_index(address or "?", kind="client")


def _check_rate(phone_hmac: str, client: str, now: dt.datetime) -> None:
    hour = now - dt.timedelta(hours=1)
    mine = OneTimeCode.objects.filter(phone_hmac=phone_hmac, created_at__gte=hour)
    last = mine.order_by("-created_at").values_list("created_at", flat=True).first()
    if last is not None and now - last < PHONE_GAP:
        wait = int((PHONE_GAP - (now - last)).total_seconds()) + 1
        message = _("A code was just sent; wait %(s)d seconds before asking again.")
        raise TooManyCodes({"phone": message % {"s": wait}})
    if mine.count() >= PHONE_PER_HOUR:
        raise TooManyCodes({"phone": _("Too many codes for this number; try again in an hour.")})
    if OneTimeCode.objects.filter(client_hmac=client, created_at__gte=hour).count() >= (
        CLIENT_PER_HOUR
    ):
        raise TooManyCodes(
            {"phone": _("Too many codes asked from this network; try again in an hour.")}
        )


@transaction.atomic
def code_send(*, phone: str, purpose: str, client: str, deliver: bool = True) -> Sent:
    """Make a code for `phone` and text it, within the rate limits (TooManyCodes otherwise).

    `deliver=False` (no login may use it) records the request and sends nothing, so the
    limits and the answer are the same whether or not the phone is known. `client` is the
    asker's address (only its keyed hash is stored).
    """
    if purpose not in CodePurpose.values:
        raise ValidationError({"purpose": "unknown purpose"})
    phone = check_mobile(phone)
    now = timezone.now()
    digest, client_digest = _phone_hmac(phone), client_hmac(client)
    _check_rate(digest, client_digest, now)
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    OneTimeCode.objects.create(
        phone_hmac=digest,
        purpose=purpose,
        code_hash=_code_hash(phone, purpose, code) if deliver else "",
        client_hmac=client_digest,
        created_at=now,
        expires_at=now + LIFETIME,
    )
    if deliver:
        from shequ.notify.phone import send_text

        minutes = int(LIFETIME.total_seconds() // 60)
        send_text(
            phone,
            _("[Shequ] Your code is %(code)s, valid for %(m)d minutes. Do not tell it to anyone.")
            % {"code": code, "m": minutes},
        )
    return Sent(phone, deliver)


def _verdict(phone: str, purpose: str, code: str) -> str:
    """'ok', or why not: 'none', 'used', 'expired', 'locked', 'wrong' (a wrong try counts)."""
    with transaction.atomic():
        latest = (
            OneTimeCode.objects.select_for_update()
            .filter(phone_hmac=_phone_hmac(phone), purpose=purpose)
            .order_by("-created_at", "-pk")
            .first()
        )
        if latest is None or not latest.code_hash:
            return "none"
        if latest.used_at is not None:
            return "used"
        now = timezone.now()
        if latest.expires_at <= now:
            return "expired"
        if latest.attempts >= MAX_ATTEMPTS:
            return "locked"
        if not hmac.compare_digest(latest.code_hash, _code_hash(phone, purpose, code)):
            OneTimeCode.objects.filter(pk=latest.pk).update(attempts=F("attempts") + 1)
            return "wrong"
        OneTimeCode.objects.filter(pk=latest.pk).update(used_at=now)
        return "ok"


def code_check(*, phone: str, purpose: str, code: str) -> str:
    """Use the latest code sent to `phone` for `purpose`; returns the normalized phone, or a
    ValidationError on `code` saying what to do (wrong, expired, used, too many tries)."""
    phone = check_mobile(phone)
    code = (code or "").strip()
    if not re.fullmatch(rf"\d{{{CODE_DIGITS}}}", code):
        raise ValidationError({"code": _("Enter the 6 digits of the code you received.")})
    verdict = _verdict(phone, purpose, code)
    if verdict == "ok":
        return phone
    messages = {
        "none": _("No code was sent to this number; ask for a code first."),
        "used": _("This code was already used; ask for a new one."),
        "expired": _("This code has expired (codes last 5 minutes); ask for a new one."),
        "locked": _("Too many wrong tries; ask for a new code."),
        "wrong": _("Wrong code; check the text message and try again."),
    }
    raise ValidationError({"code": messages[verdict]})
