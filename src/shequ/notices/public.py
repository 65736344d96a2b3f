"""The residents' side of notices, no login: the notices section of the public compound page
(/h/<compound>/, registered in NoticesConfig.ready) and counting a notice's opens, once per
device a day: the device is a random id in a long-lived cookie, kept only as a keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

from shequ.notices.models import Notice, NoticeOpen
from shequ.notices.selectors import compound_notices
from shequ.places.models import Place

DEVICE_COOKIE = "shequ_device"
DEVICE_DAYS = 365


def compound_notices_section(request: HttpRequest, compound: Place) -> SafeString | str:
    """The compound's published notices as a list of links, or nothing when there are none."""
    notices = compound_notices(compound)
    if not notices:
        return ""
    return render_to_string("notices/compound_section.html", {"notices": notices}, request)


def device_of(request: HttpRequest) -> tuple[str, bool]:
    """The device id from the cookie, or a new one; whether it is new (to set the cookie)."""
    value = request.COOKIES.get(DEVICE_COOKIE, "")
    if 16 <= len(value) <= 64 and value.isalnum():
        return value, False
    return secrets.token_hex(16), True


def _device_key(device: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), device.encode(), hashlib.sha256).hexdigest()


def record_open(*, notice: Notice, device: str) -> bool:
    """Count the open of `notice` by `device` if it is the device's first today (a reload or a
    second look the same day is not counted); whether it counted. A count, not a change of
    anything a person wrote: no audit row (one per reader would flood the log)."""
    try:
        with transaction.atomic():
            NoticeOpen.objects.create(
                notice=notice, day=timezone.localdate(), device=_device_key(device)
            )
            Notice.objects.filter(pk=notice.pk).update(opens=F("opens") + 1)
    except IntegrityError:
        return False
    return True
