"""A local stand-in for a push service or an SMS gateway: an HTTP server on 127.0.0.1 that
records what it is sent and answers with the statuses a test queues."""

from __future__ import annotations

import base64
import os
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from shequ.notify.keys import generate_vapid_keys
from shequ.notify.models import PushSubscription


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class LocalService:
    url: str
    received: list[Received] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # next statuses; 201 when none left

    def answer(self, *statuses: int) -> None:
        self.answers.extend(statuses)


@pytest.fixture
def service():
    state = LocalService(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            state.received.append(Received(self.path, headers, body))
            self.send_response(state.answers.pop(0) if state.answers else 201)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def vapid(settings):
    """Web Push on: a fresh VAPID pair for this test."""
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = generate_vapid_keys()
    settings.VAPID_SUBJECT = "mailto:ops@example.test"
    settings.NOTIFY_RETRY_SECONDS = 30
    settings.NOTIFY_MAX_ATTEMPTS = 3
    return settings


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Phone:
    """A browser's side of a subscription: the keys it would give, to decrypt what comes."""

    private_key: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def p256dh(self) -> str:
        point = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return _b64(point)


@pytest.fixture
def phone():
    return Phone(private_key=ec.generate_private_key(ec.SECP256R1()), auth=os.urandom(16))


@pytest.fixture
def subscribe(service, phone):
    """Subscribe a user's phone with the local push service as its endpoint."""

    def _subscribe(user, name: str = "phone") -> PushSubscription:
        return PushSubscription.objects.create(
            user=user,
            endpoint=f"{service.url}/push/{name}",
            p256dh=phone.p256dh,
            auth=_b64(phone.auth),
        )

    return _subscribe
