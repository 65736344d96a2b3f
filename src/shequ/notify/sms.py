"""SMS behind one small interface: a backend sends one text to one number or raises SmsError.

SHEQU_SMS_BACKEND chooses it (docs/notifications.md): "console" writes the text to the
worker's log (stderr), "file" appends it to var/sms.log (development), "http" posts it to a
provider's gateway as JSON, "off" sends nothing.
"""

from __future__ import annotations

import json
import logging
import sys
import urllib.error
import urllib.request
from typing import Protocol

from django.conf import settings
from django.utils import timezone

from shequ.core import pii

logger = logging.getLogger(__name__)


class SmsError(Exception):
    """The text did not go; worth trying again later."""


class SmsBackend(Protocol):
    def send(self, *, to: str, text: str) -> None: ...


class ConsoleBackend:
    """Writes each text to stderr (the worker's log): a demo's phone."""

    def send(self, *, to: str, text: str) -> None:
        print(f"SMS to {pii.mask_phone(to)}: {text}", file=sys.stderr, flush=True)


class FileBackend:
    """Appends each text, with the number, to var/sms.log: for development only (the file
    holds phone numbers in clear)."""

    def send(self, *, to: str, text: str) -> None:
        path = settings.SMS_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"at": timezone.now().isoformat(), "to": to, "text": text})
        with path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")


class HttpBackend:
    """A provider's HTTP gateway: POST SMS_URL with a JSON body {"to", "text", "sender"} and
    `Authorization: Bearer SMS_TOKEN`; any 2xx answer is taken as accepted."""

    def send(self, *, to: str, text: str) -> None:
        body = json.dumps({"to": to, "text": text, "sender": settings.SMS_SENDER}).encode()
        request = urllib.request.Request(  # noqa: S310 - the URL is the operator's setting
            settings.SMS_URL,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {settings.SMS_TOKEN}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.SMS_TIMEOUT_SECONDS) as answer:  # noqa: S310 - as above
                status = answer.status
        except urllib.error.HTTPError as exc:
            raise SmsError(f"SMS gateway answered {exc.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsError(f"SMS gateway unreachable: {exc}") from None
        if not 200 <= status < 300:
            raise SmsError(f"SMS gateway answered {status}")


BACKENDS: dict[str, type[SmsBackend]] = {
    "console": ConsoleBackend,
    "file": FileBackend,
    "http": HttpBackend,
}


def sms_enabled() -> bool:
    """Whether texts are sent at all (SHEQU_SMS_BACKEND is not "off")."""
    return settings.SMS_BACKEND in BACKENDS


def backend() -> SmsBackend:
    """The backend SHEQU_SMS_BACKEND names."""
    return BACKENDS[settings.SMS_BACKEND]()
