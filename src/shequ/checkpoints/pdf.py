"""Printed entry passes: an A4 sheet of pass cards (2 × 4 a page), each with its QR code.

Chinese text uses reportlab's built-in CID font STSong-Light (the PDF viewer supplies the
glyphs), so no font file ships with Shequ. QR codes are drawn as vector squares: sharp at
any printer resolution, and no image library needed.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen import canvas

from shequ.checkpoints.models import EntryPass
from shequ.checkpoints.passes import pass_token
from shequ.core.bidi import neutral
from shequ.core.pdf import CJK_FONT, cjk_font
from shequ.core.qr import draw_qr

FONT = CJK_FONT
COLUMNS, ROWS = 2, 4
MARGIN = 10 * mm
GAP = 4 * mm
QR_SIZE = 38 * mm


@dataclass(frozen=True)
class PassCard:
    """What one printed card shows; `token` is the text inside its QR code."""

    community: str
    place: str  # compound, building, household
    holders: str
    valid_from: str
    valid_until: str
    number: str
    version: int
    token: str


def pass_number(entry_pass: EntryPass) -> str:
    """The number printed on a pass (its id, zero-padded)."""
    return f"{entry_pass.pk:06d}"


def card_fields(entry_pass: EntryPass) -> PassCard:
    """The card of a pass (give passes with household__parent__parent, community, holders)."""
    household = entry_pass.household
    building = household.parent
    compound = building.parent if building else None
    place = " ".join(p.name for p in (compound, building, household) if p is not None)
    return PassCard(
        community=entry_pass.community.name,
        place=place,
        holders="、".join(neutral(r.name) for r in entry_pass.holders.all()),
        valid_from=entry_pass.valid_from.isoformat(),
        valid_until=entry_pass.valid_until.isoformat(),
        number=pass_number(entry_pass),
        version=entry_pass.version,
        token=pass_token(entry_pass.pk, entry_pass.version),
    )


def _wrap(text: str, size: float, width: float, max_lines: int) -> list[str]:
    """Lines of `text` no wider than `width`, broken anywhere (Chinese has no spaces);
    the last line ends in … when the text does not fit."""
    lines: list[str] = []
    line = ""
    for char in text:
        if pdfmetrics.stringWidth(line + char, FONT, size) > width:
            lines.append(line)
            line = char.lstrip()
        else:
            line += char
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        while last and pdfmetrics.stringWidth(last + "…", FONT, size) > width:
            last = last[:-1]
        lines = [*lines[: max_lines - 1], last + "…"]
    return lines


def _draw_card(c: canvas.Canvas, card: PassCard, x: float, y: float, w: float, h: float) -> None:
    c.setStrokeColorRGB(0.6, 0.6, 0.6)
    c.setLineWidth(0.6)
    c.setDash(3, 2)  # a cutting line
    c.rect(x, y, w, h, stroke=1, fill=0)
    c.setDash()
    pad = 4 * mm
    top = y + h - pad
    # Header band: what it is and which community.
    c.setFillColorRGB(0.027, 0.757, 0.376)
    c.rect(x, y + h - 11 * mm, w, 11 * mm, stroke=0, fill=1)
    c.setFillColorRGB(1, 1, 1)
    c.setFont(FONT, 13)
    c.drawString(x + pad, top - 9, _("Entry pass"))
    c.setFont(FONT, 10)
    community = _wrap(card.community, 10, w - 2 * pad - 60, 1)[0]
    c.drawRightString(x + w - pad, top - 8, community)

    qr_x = x + w - pad - QR_SIZE
    qr_y = y + pad + 6 * mm
    draw_qr(c, card.token, qr_x, qr_y, QR_SIZE)
    c.setFillColorRGB(0.3, 0.3, 0.3)
    c.setFont(FONT, 8)
    c.drawCentredString(
        qr_x + QR_SIZE / 2,
        y + pad,
        _("No. %(number)s · version %(version)d")
        % {"number": card.number, "version": card.version},
    )

    text_w = qr_x - x - pad - 3 * mm
    cursor = y + h - 11 * mm - 6 * mm
    c.setFillColorRGB(0, 0, 0)

    def block(label: str, value: str, size: float, max_lines: int) -> None:
        nonlocal cursor
        c.setFillColorRGB(0.42, 0.45, 0.5)
        c.setFont(FONT, 7.5)
        c.drawString(x + pad, cursor, label)
        cursor -= size + 2
        c.setFillColorRGB(0, 0, 0)
        c.setFont(FONT, size)
        for line in _wrap(value, size, text_w, max_lines):
            c.drawString(x + pad, cursor, line)
            cursor -= size + 2
        cursor -= 3

    block(_("Household"), card.place, 11, 2)
    block(_("Holders"), card.holders, 10, 3)
    block(_("Valid"), f"{card.valid_from} – {card.valid_until}", 10, 1)


def passes_sheet(passes: Iterable[EntryPass]) -> bytes:
    """A PDF of pass cards, 2 × 4 on each A4 page, in the order given (at least one page)."""
    cjk_font()
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=A4, pageCompression=1)
    c.setTitle(_("Entry passes"))
    c.setCreator("Shequ")
    page_w, page_h = A4
    w = (page_w - 2 * MARGIN - (COLUMNS - 1) * GAP) / COLUMNS
    h = (page_h - 2 * MARGIN - (ROWS - 1) * GAP) / ROWS
    per_page = COLUMNS * ROWS
    count = 0
    for count, entry_pass in enumerate(passes, start=1):
        slot = (count - 1) % per_page
        if slot == 0 and count > 1:
            c.showPage()
        col, row = slot % COLUMNS, slot // COLUMNS
        x = MARGIN + col * (w + GAP)
        y = page_h - MARGIN - (row + 1) * h - row * GAP
        _draw_card(c, card_fields(entry_pass), x, y, w, h)
    if count == 0:
        c.setFont(FONT, 12)
        c.drawString(MARGIN, page_h - MARGIN - 12, _("No pass to print."))
    c.showPage()
    c.save()
    return out.getvalue()
