"""QR codes as SVG responses: a post's check-in code, a report-in code, an entry pass."""

from __future__ import annotations

import io

import segno
from django.http import HttpResponse


def qr_svg(text: str, *, scale: int = 8, border: int = 2) -> bytes:
    """The QR code of `text` as SVG: error correction M (a smudged or creased print still
    scans), `scale` pixels a module, a quiet zone of `border` modules."""
    out = io.BytesIO()
    segno.make(text, error="m").save(out, kind="svg", scale=scale, border=border)
    return out.getvalue()


def qr_svg_response(text: str, *, scale: int = 8, border: int = 2) -> HttpResponse:
    """The QR code of `text` as an image/svg+xml response that is never cached: a code can be
    revoked or replaced (a reissued pass), and an old one must not linger in a cache."""
    response = HttpResponse(qr_svg(text, scale=scale, border=border), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response
