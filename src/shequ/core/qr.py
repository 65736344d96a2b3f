"""QR codes: as SVG responses (a post's check-in code, a report-in code, an entry pass) and
drawn into a PDF (printed passes, a volunteer poster)."""

from __future__ import annotations

import io

import segno
from django.http import HttpResponse
from reportlab.pdfgen import canvas


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


def draw_qr(c: canvas.Canvas, text: str, x: float, y: float, size: float) -> None:
    """The QR code of `text` as black squares in the box (x, y, size), quiet zone included."""
    qr = segno.make(text, error="m")
    rows = [list(row) for row in qr.matrix_iter(border=2)]
    module = size / len(rows)
    # One filled path of one rectangle per run of dark modules: a small file, and each row
    # overlaps the next a little so that no hairline shows between rows when printed.
    bleed = module * 0.04
    path = c.beginPath()
    for i, row in enumerate(rows):
        top = y + size - (i + 1) * module
        j = 0
        while j < len(row):
            if row[j]:
                start = j
                while j < len(row) and row[j]:
                    j += 1
                path.rect(x + start * module, top - bleed, (j - start) * module, module + bleed)
            else:
                j += 1
    c.setFillColorRGB(0, 0, 0)
    c.drawPath(path, stroke=0, fill=1)


def qr_poster(*, title: str, call: str, place: str, url: str, lines: list[str]) -> bytes:
    """One A4 page to put up or forward: the call in large words, the place, a large QR code
    of `url`, a few lines of how-to, and `url` in print (volunteer sign-up, help requests)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm

    from shequ.core.pdf import cjk_font

    size = 120 * mm
    font = cjk_font()
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    width, height = A4
    c.setTitle(title)
    c.setFont(font, 34)
    c.drawCentredString(width / 2, height - 45 * mm, call)
    c.setFont(font, 22)
    c.drawCentredString(width / 2, height - 62 * mm, place)
    draw_qr(c, url, (width - size) / 2, height - 70 * mm - size, size)
    c.setFont(font, 16)
    y = height - 82 * mm - size
    for line in lines:
        c.drawCentredString(width / 2, y, line)
        y -= 9 * mm
    c.setFont("Helvetica", 11)
    c.drawCentredString(width / 2, 20 * mm, url)
    c.showPage()
    c.save()
    return out.getvalue()
