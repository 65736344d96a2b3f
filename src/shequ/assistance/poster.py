"""The A4 poster a compound puts up at its gate: a large QR code of the residents' public
help page (/h/<compound code>/), in large simple words."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from shequ.core.pdf import cjk_font
from shequ.core.qr import draw_qr

QR_SIZE = 120 * mm


def help_poster(*, compound: str, url: str) -> bytes:
    """One A4 page: the call, the compound, the QR code of `url` and `url` in print."""
    font = cjk_font()
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    width, height = A4
    c.setTitle(_("Ask the community for help"))
    c.setFont(font, 34)
    c.drawCentredString(width / 2, height - 45 * mm, _("Need help at home?"))
    c.setFont(font, 22)
    c.drawCentredString(width / 2, height - 62 * mm, compound)
    draw_qr(c, url, (width - QR_SIZE) / 2, height - 70 * mm - QR_SIZE, QR_SIZE)
    c.setFont(font, 16)
    y = height - 82 * mm - QR_SIZE
    for line in (
        _("Scan with your phone to ask for water, food, medicine or a doctor."),
        _("Use the mobile number the community has for your family."),
    ):
        c.drawCentredString(width / 2, y, line)
        y -= 9 * mm
    c.setFont("Helvetica", 11)
    c.drawCentredString(width / 2, 20 * mm, url)
    c.showPage()
    c.save()
    return out.getvalue()
