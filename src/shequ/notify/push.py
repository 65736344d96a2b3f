"""Web Push (RFC 8030 with VAPID, RFC 8292; payloads encrypted per RFC 8291) through pywebpush:
the push service of the phone's browser wakes the service worker (web's static
shequ/offline-sw.js, served for push at /notify/sw.js), which shows the message even when
the page is closed and the phone is locked."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from shequ.notify.models import PushSubscription

# Seconds a push service keeps a message for a phone that is off: an alert older than a day
# is news, not an alert.
TTL_SECONDS = 24 * 3600


class PushError(Exception):
    """This push did not go; worth trying again later."""


class PushGone(PushError):
    """The push service no longer knows this subscription (404/410): the browser dropped it."""


def push_enabled() -> bool:
    """Whether this server can send Web Push (the VAPID key pair is set)."""
    return bool(settings.VAPID_PUBLIC_KEY and settings.VAPID_PRIVATE_KEY)


@dataclass(frozen=True)
class PushMessage:
    """What the service worker shows: a title, a line, the page a tap opens, a tag (a newer
    message of the same tag replaces the older one on the phone)."""

    title: str
    body: str
    url: str
    tag: str
    urgent: bool = False

    def payload(self) -> str:
        return json.dumps(
            {"title": self.title, "body": self.body, "url": self.url, "tag": self.tag},
            ensure_ascii=False,
        )


def send_push(subscription: PushSubscription, message: PushMessage) -> None:
    """Hand one message to the push service of one subscription; raises PushGone when the
    subscription is dead, PushError on any other failure."""
    info: dict[str, Any] = {
        "endpoint": subscription.endpoint,
        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
    }
    try:
        webpush(
            info,
            data=message.payload(),
            vapid_private_key=Vapid.from_string(settings.VAPID_PRIVATE_KEY),
            vapid_claims={"sub": settings.VAPID_SUBJECT},
            ttl=TTL_SECONDS,
            timeout=settings.PUSH_TIMEOUT_SECONDS,
            headers={"Urgency": "high" if message.urgent else "normal"},
        )
    except WebPushException as exc:
        status = getattr(exc.response, "status_code", None)
        if status in (404, 410):
            raise PushGone(f"push service answered {status}") from None
        raise PushError(f"push service answered {status or exc.message}"[:300]) from None
    except (OSError, ValueError) as exc:  # requests' connection errors are OSErrors
        raise PushError(f"push service unreachable: {exc}"[:300]) from None
