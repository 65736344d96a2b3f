"""Text messages to a phone (one-time codes, invitations). For now each text is logged
(logger "shequ.sms") and kept in OUTBOX, which tests read; the SMS gateway is routed here
later, so every caller already goes through `send_text`."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings

from shequ.core import pii

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
