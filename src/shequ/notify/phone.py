"""Text messages to a phone that need no user (one-time codes, invitations): each text is
logged (logger "shequ.sms", the number masked), kept in OUTBOX (which tests read) and handed
at once to the SMS backend that SHEQU_SMS_BACKEND names (shequ.notify.sms). A code is wanted
now, so it is sent in the request, not queued; a failed send is logged and the person asks
again (the one-time-code limits count that too)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings

from shequ.core import pii
from shequ.notify import sms

logger = logging.getLogger("shequ.sms")


@dataclass(frozen=True)
class Text:
    phone: str
    text: str


# The texts sent in this process, oldest first (tests clear it). Bounded: a long-running
# process must not keep every code it ever sent.
OUTBOX: list[Text] = []
OUTBOX_LIMIT = 1000


def send_text(phone: str, text: str) -> None:
    """Send `text` to `phone` (normalized). Logged with the phone masked; the text itself
    (it may hold a one-time code) only under DEBUG, where it is how a developer signs in."""
    normalized = pii.normalize_phone(phone)
    OUTBOX.append(Text(normalized, text))
    del OUTBOX[:-OUTBOX_LIMIT]
    shown = text if settings.DEBUG else f"({len(text)} characters)"
    logger.info("text to %s: %s", pii.mask(normalized), shown)
    if not sms.sms_enabled():
        return
    try:
        sms.backend().send(to=normalized, text=text)
    except sms.SmsError as error:
        logger.warning("text to %s failed: %s", pii.mask(normalized), error)
