"""Personal data at rest: AES-GCM encryption, a keyed blind index for exact lookup, masking.

One master key (SHEQU_PII_KEY) is stretched with HKDF into two independent keys, so the
blind index cannot be used to decrypt and the cipher key never doubles as a MAC key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import threading
from collections.abc import Callable, Sequence
from functools import cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

TOKEN_PREFIX = "v1:"  # noqa: S105 - a format marker, not a secret
NONCE_BYTES = 12
# Compiled once: an import normalizes every row's phone and document number twice.
_NOT_DIGITS, _SPACES = re.compile(r"\D"), re.compile(r"\s")


@cache
def _keys(master: str) -> tuple[bytes, bytes]:
    def derive(info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
            master.encode()
        )

    return derive(b"shequ pii aes-gcm"), derive(b"shequ pii blind index")


_local = threading.local()


def _cipher(master: str) -> AESGCM:
    """An AES-GCM object for the key, kept per thread: building one costs twice the
    encryption of a phone number (each call still takes its own nonce)."""
    kept = getattr(_local, "cipher", None)
    if kept is None or kept[0] != master:
        kept = _local.cipher = (master, AESGCM(_keys(master)[0]))
    return kept[1]


def encrypt(plaintext: str, *, context: str) -> str:
    """Encrypt `plaintext`; `context` (e.g. the column) is bound in so tokens cannot be swapped."""
    nonce = os.urandom(NONCE_BYTES)
    sealed = _cipher(settings.PII_KEY).encrypt(nonce, plaintext.encode(), context.encode())
    return TOKEN_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(token: str, *, context: str) -> str:
    """Decrypt a token made by `encrypt` with the same context; raises on tampering."""
    if not token.startswith(TOKEN_PREFIX):
        raise ValueError("not an encrypted PII token")
    raw = base64.urlsafe_b64decode(token[len(TOKEN_PREFIX) :])
    nonce, sealed = raw[:NONCE_BYTES], raw[NONCE_BYTES:]
    return _cipher(settings.PII_KEY).decrypt(nonce, sealed, context.encode()).decode()


def blind_index(value: str, *, kind: str) -> str:
    """Keyed hash of a normalized value, for `WHERE x_hmac = ?` lookups without plaintext."""
    _, key = _keys(settings.PII_KEY)
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def encrypt_many(values: Sequence[str], *, context: str) -> list[str]:
    """`encrypt` of each value ("" stays ""), for bulk writes: one cipher, one context, one
    draw of fresh nonces for all (each value still gets its own)."""
    encrypt_one = _cipher(settings.PII_KEY).encrypt
    associated = context.encode()
    nonces = os.urandom(NONCE_BYTES * len(values))
    b64 = base64.urlsafe_b64encode
    out = []
    for i, value in enumerate(values):
        if value:
            nonce = nonces[i * NONCE_BYTES : (i + 1) * NONCE_BYTES]
            out.append(
                TOKEN_PREFIX + b64(nonce + encrypt_one(nonce, value.encode(), associated)).decode()
            )
        else:
            out.append(value)
    return out


def blind_indexer(kind: str) -> Callable[[str], str]:
    """`blind_index(value, kind=kind)` for many values: the keyed hash is set up once and
    copied per value (the same digests, in about half the time)."""
    _, key = _keys(settings.PII_KEY)
    keyed = hmac.new(key, f"{kind}:".encode(), hashlib.sha256)

    def digest(value: str) -> str:
        h = keyed.copy()
        h.update(value.encode())
        return h.hexdigest()

    return digest


def normalize_phone(value: str) -> str:
    """Digits only, without a leading +86/0086 country code: '+86 138-0013-8000' → 13800138000."""
    digits = _NOT_DIGITS.sub("", value or "")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    elif len(digits) == 15 and digits.startswith("0086"):
        digits = digits[4:]
    return digits


def normalize_document(value: str) -> str:
    """Upper case without spaces, so '11010119900307123x' and '…123X' are one number."""
    return _SPACES.sub("", value or "").upper()


def mask_phone(value: str) -> str:
    """A phone with only its first 3 and last 4 digits: '13800138000' → '138****8000'.

    The 4 hidden digits leave 10,000 numbers; with no search by phone for roles that see the
    mask (residents.selectors), nothing tells which one it is.
    """
    if not value:
        return ""
    if len(value) <= 7:
        return value[:1] + "*" * (len(value) - 1)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_document(value: str) -> str:
    """An ID or passport number with only its last 4 characters: '**************1234'.

    Why not the first digits too: an ID number's first 6 are the region of birth and 7–14 the
    birth date, so region digits plus the shown birth year (or date) plus the last 4 (which
    hold the sex digit and the check character) leave few enough candidates to try. The last 4
    alone leave the region and the day of birth unknown (see docs/residents.md).
    """
    if not value:
        return ""
    keep = 4 if len(value) >= 8 else 2 if len(value) >= 5 else 0  # short numbers show less
    return "*" * (len(value) - keep) + value[len(value) - keep :]


def mask(value: str) -> str:
    """The masked form of a phone (3 + 4 digits shown) or any document number (last 4 shown).

    One entry point, so a caller cannot pick a weaker mask for an ID number by mistake.
    """
    if not value:
        return ""
    if len(value) == 11 and value.isdigit():
        return mask_phone(value)
    return mask_document(value)
