"""PostgreSQL-only: the real server (granian, as `shequ serve` runs it) is killed with SIGKILL
while gate devices send passage batches. After a restart, nothing it acknowledged is lost,
the batch it was writing is all there or not at all, and the devices' resend of everything
stores each passage exactly once (what was stored before is answered `duplicate`)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import pytest
from django.conf import settings
from django.db import connection

from shequ.checkpoints.models import Passage
from shequ.core import services as core_services
from tests.checkpoints.conftest import item, qr

pytestmark = pytest.mark.pg
BATCH = "/api/v1/checkpoints/passages:batch"
BATCHES, SIZE = 16, 50


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(port: int, env: dict[str, str]) -> subprocess.Popen:
    """granian serving the WSGI app on 127.0.0.1:`port`, in a process group of its own (its
    workers die with it), once /api/v1/health answers."""
    cmd = [
        sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1",
        "--port", str(port), "--workers", "1", "--log-level", "warning", "shequ.wsgi:application",
    ]  # fmt: skip
    server = subprocess.Popen(cmd, env=env, start_new_session=True)  # noqa: S603 - ours
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/api/v1/health")
            if c.getresponse().status == 200:
                c.close()
                return server
        except OSError:
            time.sleep(0.1)
    os.killpg(server.pid, signal.SIGKILL)
    raise RuntimeError("the server did not start")


def _send(port: int, secret: str, body: bytes) -> list[dict]:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    c.request("POST", BATCH, body, headers)
    response = c.getresponse()
    data = response.read()
    c.close()
    assert response.status == 200, data[:300]
    return json.loads(data)


def test_a_server_killed_mid_ingest_loses_nothing_acknowledged_and_halves_nothing(
    transactional_db, personas, gates
) -> None:
    assert connection.vendor == "postgresql"
    _token, secret = core_services.api_token_create(actor=None, user=personas.cadre, name="gate")
    codes = [qr(gates.p1), qr(gates.p2)]
    batches = [
        [item(gates.gate, pass_code=codes[(b + n) % 2]) for n in range(SIZE)]
        for b in range(BATCHES)
    ]
    bodies = [json.dumps({"items": b}).encode() for b in batches]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shequ.settings",
        "DATABASE_URL": "postgres://{USER}@{HOST}:{PORT}/{NAME}".format(**connection.settings_dict),
        "SHEQU_SECRET_KEY": settings.SECRET_KEY,
        "SHEQU_PII_KEY": settings.PII_KEY,
        "SHEQU_VAR_DIR": tempfile.mkdtemp(prefix="shequ-crash-"),
        "PYTHONPATH": os.pathsep.join(p for p in sys.path if p),
    }
    port = _free_port()
    acknowledged: dict[int, list[dict]] = {}  # batch → the server's answers

    def device() -> None:
        for n, body in enumerate(bodies):
            try:
                acknowledged[n] = _send(port, secret, body)
            except (OSError, http.client.HTTPException):
                return  # the server is gone: the device keeps this batch and the rest

    server = _start(port, env)
    try:
        sender = threading.Thread(target=device)
        sender.start()
        while len(acknowledged) < 3 and sender.is_alive():
            time.sleep(0.005)
        os.killpg(server.pid, signal.SIGKILL)  # mid-batch: the device is sending the next
        server.wait(timeout=10)
        sender.join(timeout=30)
        assert 3 <= len(acknowledged) < BATCHES

        # Nothing acknowledged is lost; a batch not acknowledged is all there or not at all.
        stored = set(Passage.objects.values_list("client_uuid", flat=True))
        for n, batch in enumerate(batches):
            mine = {uuid.UUID(i["client_uuid"]) for i in batch}
            if n in acknowledged:
                assert [a["status"] for a in acknowledged[n]] == ["created"] * SIZE
                assert mine <= stored
            else:
                assert len(mine & stored) in (0, SIZE)

        # The device resends everything (it cannot know what the dying server wrote).
        server = _start(port, env)
        answers = [_send(port, secret, body) for body in bodies]
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)

    for n, batch_answers in enumerate(answers):
        statuses = {a["status"] for a in batch_answers}
        if n in acknowledged:
            assert statuses == {"duplicate"}
            assert [a["id"] for a in batch_answers] == [a["id"] for a in acknowledged[n]]
        else:
            assert statuses in ({"created"}, {"duplicate"})
    uuids = [i["client_uuid"] for b in batches for i in b]
    assert Passage.objects.count() == len(uuids) == BATCHES * SIZE
    assert set(map(str, Passage.objects.values_list("client_uuid", flat=True))) == set(uuids)
