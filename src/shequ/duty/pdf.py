"""A published roster on A4 landscape paper for the wall: one table a week, a row per post and
shift, a column per day, each cell with who is on it (the shift leader marked ★, a cell short
of people saying how many are there of how many needed). A week with more rows than a page
holds goes on over the next page with its heading repeated.

Chinese text uses reportlab's built-in CID font (core/pdf.py): no font file ships with Shequ.
"""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Table, TableStyle

from shequ.core.bidi import neutral
from shequ.core.pdf import CJK_FONT, cjk_font
from shequ.duty.models import Roster
from shequ.duty.selectors import Grid, roster_grid

FONT = CJK_FONT
MARGIN = 10 * mm
FIRST_COLUMN = 42 * mm
SHORT = colors.HexColor("#fdecea")
WARN = colors.HexColor("#fff4e0")


def _styles() -> dict[str, ParagraphStyle]:
    return {
        "h1": ParagraphStyle("h1", fontName=FONT, fontSize=15, leading=20),
        "text": ParagraphStyle("text", fontName=FONT, fontSize=8.5, leading=12),
        "cell": ParagraphStyle("cell", fontName=FONT, fontSize=9, leading=12),
        "head": ParagraphStyle("head", fontName=FONT, fontSize=9, leading=12, alignment=1),
    }


def _week_table(grid: Grid, width: float, s: dict[str, ParagraphStyle]) -> Table:
    header: list[object] = [Paragraph(_("Post · shift"), s["cell"])]
    header += [
        Paragraph(f"{d:%m-%d}<br/>{WEEKDAYS_ABBR[d.weekday()]}", s["head"]) for d in grid.days
    ]
    data: list[list[object]] = [header]
    style: list[tuple] = [
        ("FONT", (0, 0), (-1, -1), FONT, 9),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8f5e9")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    for r, row in enumerate(grid.rows, start=1):
        shift = row.shift
        line: list[object] = [
            Paragraph(
                f"<b>{_escape(shift.post.name)}</b><br/>"
                f"{_escape(shift.name)} {shift.hours_label()}",
                s["cell"],
            )
        ]
        for c, cell in enumerate(row.cells, start=1):
            names = [neutral(a.staff.name) + ("★" if a.is_leader else "") for a in cell.crew]
            text = "<br/>".join(_escape(n) for n in names) or ("—" if cell.min_people else "")
            if cell.status == "short":
                text += "<br/>" + _escape(
                    _("short: %(n)d of %(m)d") % {"n": len(cell.crew), "m": cell.min_people}
                )
                style.append(("BACKGROUND", (c, r), (c, r), SHORT))
            elif cell.status == "warn":
                style.append(("BACKGROUND", (c, r), (c, r), WARN))
            line.append(Paragraph(text, s["cell"]))
        data.append(line)
    if not grid.rows:
        data.append([Paragraph(_("No posts with shifts."), s["cell"])] + [""] * len(grid.days))
    day_width = (width - FIRST_COLUMN) / max(len(grid.days), 1)
    table = Table(data, colWidths=[FIRST_COLUMN] + [day_width] * len(grid.days), repeatRows=1)
    table.setStyle(TableStyle(style))
    return table


def _escape(text: str) -> str:
    """Text for a reportlab Paragraph (a small markup language: &, < and > are markup)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def roster_pdf(roster: Roster) -> bytes:
    """The roster, a week to a table (each week starts a page), on A4 landscape."""
    cjk_font()
    out = io.BytesIO()
    page = landscape(A4)
    title = _("Roster %(place)s %(first)s – %(last)s") % {
        "place": roster.place.name,
        "first": roster.starts_on.isoformat(),
        "last": roster.ends_on.isoformat(),
    }
    doc = SimpleDocTemplate(
        out,
        pagesize=page,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        creator="Shequ",
    )
    s = _styles()
    width = page[0] - 2 * MARGIN
    story: list[object] = []
    first = roster_grid(roster, 0)
    for week in range(first.weeks):
        grid = first if week == 0 else roster_grid(roster, week)
        if week:
            story.append(PageBreak())
        story.append(Paragraph(_escape(title), s["h1"]))
        story.append(
            Paragraph(
                _escape(
                    " · ".join(
                        [
                            _("Week %(n)s of %(total)s") % {"n": week + 1, "total": first.weeks},
                            str(roster.get_status_display()),
                            _("printed %s") % timezone.localtime().strftime("%Y-%m-%d %H:%M"),
                            "★ " + _("shift leader"),
                        ]
                    )
                ),
                s["text"],
            )
        )
        story.append(_week_table(grid, width, s))
    doc.build(story)
    return out.getvalue()
