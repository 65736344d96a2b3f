"""The A4 poster a community puts up (or forwards in a chat group) to find volunteers: its
name, a large QR code of its public sign-up page, and the address under it."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from shequ.core.pdf import cjk_font
from shequ.core.qr import draw_qr

QR_SIZE = 120 * mm


def volunteer_poster(*, community: str, url: str) -> bytes:
    """One A4 page: the call, the community, the QR code of `url` and `url` in print."""
    font = cjk_font()
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    width, height = A4
    c.setTitle(_("Volunteer for %(community)s") % {"community": community})
    c.setFont(font, 34)
    c.drawCentredString(width / 2, height - 45 * mm, _("Volunteers wanted"))
    c.setFont(font, 22)
    c.drawCentredString(width / 2, height - 62 * mm, community)
    draw_qr(c, url, (width - QR_SIZE) / 2, height - 70 * mm - QR_SIZE, QR_SIZE)
    c.setFont(font, 16)
    y = height - 82 * mm - QR_SIZE
    for line in (
        _("Scan with your phone camera or WeChat to sign up."),
        _("Your phone number is checked with a text message;"),
        _("the community calls you once it has checked your details."),
    ):
        c.drawCentredString(width / 2, y, line)
        y -= 9 * mm
    c.setFont("Helvetica", 11)
    c.drawCentredString(width / 2, 20 * mm, url)
    c.showPage()
    c.save()
    return out.getvalue()
