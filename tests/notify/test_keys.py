"""`shequ vapid-keys`: a pair the browser and pywebpush both accept."""

from __future__ import annotations

import base64

from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid
from typer.testing import CliRunner

from shequ.cli import app


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_vapid_keys_prints_a_matching_pair_as_settings():
    result = CliRunner().invoke(app, ["vapid-keys"])
    assert result.exit_code == 0
    lines = dict(line.split("=", 1) for line in result.output.splitlines())
    public, private = lines["SHEQU_VAPID_PUBLIC_KEY"], lines["SHEQU_VAPID_PRIVATE_KEY"]
    point = _unb64(public)
    assert (len(point), point[0]) == (65, 4)  # an uncompressed P-256 point: applicationServerKey
    signer = Vapid.from_string(private)
    derived = signer.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    assert derived == point
    again = CliRunner().invoke(app, ["vapid-keys"]).output
    assert public not in again  # a new pair each time
