"""What an entry pass's QR code carries: the pass id and version, signed with HMAC.

`P12.3:<signature>`: Django's `Signer` (HMAC-SHA256 over the server's secret key, salted for
this use). A copy cannot be forged or altered without the key; a revoked pass or an old
version of a reissued one is refused by the gate decision, because the code names the version.
"""

from __future__ import annotations

import functools
import re

from django.core import signing

_SIGNER = signing.Signer(salt="shequ.checkpoints.entry-pass")
_PAYLOAD = re.compile(r"^P(\d{1,12})\.(\d{1,6})$")


def pass_token(pass_id: int, version: int) -> str:
    """The text inside the QR code of version `version` of pass `pass_id`."""
    return _SIGNER.sign(f"P{pass_id}.{version}")


# Whether a text carries a good signature never changes while the key stays the same, and a
# gate sees the same passes all day: remembered per process (bounded), it is checked once.
# Revocation and reissue are not in the code but in the pass's status and version, which
# the gate decision reads fresh every time.
@functools.lru_cache(maxsize=1 << 16)
def read_pass_token(text: str) -> tuple[int, int] | None:
    """(pass id, version) from a scanned code, or None for anything forged or malformed."""
    try:
        payload = _SIGNER.unsign(text.strip())
    except signing.BadSignature:
        return None
    match = _PAYLOAD.match(payload)
    if match is None:
        return None
    return int(match[1]), int(match[2])
