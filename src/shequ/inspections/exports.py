"""The inspection summary as files, for the user's scope: Excel (through core.exports: a sheet
each for the summary by area, the visits, the findings and the rectifications with owner,
deadline and status) and an A4 PDF (reportlab, Chinese through core.pdf's CID font) with the
same tables. Headers are in the request's language (Chinese by default)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from shequ.core.exports import Sheet, xlsx_workbook
from shequ.core.pdf import CJK_FONT, cjk_font
from shequ.inspections.selectors import SummaryExport

MARGIN = 15 * mm


def _when(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _tables(data: SummaryExport) -> list[tuple[str, list[str], list[list[object]]]]:
    """(title, header, rows) of each table, as both files show them."""
    return [
        (
            _("Summary"),
            [
                _("Area"),
                _("Inspections"),
                _("Problems found"),
                _("To put right"),
                _("Overdue"),
                _("Closed off"),
            ],
            [
                [r.place.name, r.visits, r.problems, r.open, r.overdue, r.closed]
                for r in data.summary
            ],
        ),
        (
            _("Inspections recorded"),
            [
                _("Visited at"),
                _("Place"),
                _("Plan"),
                _("Inspector"),
                _("Problems found"),
                _("Notes"),
            ],
            [
                [_when(v.visited_at), v.label, v.plan, v.inspector, v.problems, v.notes]
                for v in data.visits
            ],
        ),
        (
            _("Findings"),
            [
                _("Visited at"),
                _("Place"),
                _("Ask, check or look"),
                _("Checklist item"),
                _("Result"),
                _("Note"),
            ],
            [
                [_when(f.visited_at), f.label, f.section, f.item, f.result, f.note]
                for f in data.findings
            ],
        ),
        (
            _("Rectifications"),
            [
                _("Place"),
                _("What to put right"),
                _("Owner"),
                _("Deadline"),
                _("Status"),
                _("Overdue"),
                _("Closed at"),
            ],
            [
                [
                    t.label,
                    t.what,
                    t.owner,
                    t.deadline.isoformat(),
                    t.status,
                    _("yes") if t.overdue else "",
                    _when(t.closed_at),
                ]
                for t in data.tasks
            ],
        ),
    ]


def summary_xlsx(data: SummaryExport) -> bytes:
    notes = [_("As of %(when)s") % {"when": _when(data.at)}]
    if data.cut:
        notes.append(_("Only the newest %(n)s rows of each list.") % {"n": data.limit})
    widths = {0: (20, 8, 8, 8, 8, 8), 3: (28, 36, 14, 12, 10, 8, 16)}
    return xlsx_workbook(
        *(
            Sheet(title, header, rows, widths=widths.get(k, ()), notes=notes if k == 0 else ())
            for k, (title, header, rows) in enumerate(_tables(data))
        )
    )


def _table(header: Sequence[str], rows: list[list[object]], width: float) -> Table:
    cell = ParagraphStyle("cell", fontName=CJK_FONT, fontSize=8, leading=10)
    body = [[Paragraph(str(h), cell) for h in header]] + [
        [Paragraph(str(v), cell) for v in row] for row in rows
    ]
    table = Table(body, colWidths=[width / len(header)] * len(header), repeatRows=1)
    table.setStyle(
        TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ])
    )  # fmt: skip
    return table


def summary_pdf(data: SummaryExport, title: str) -> bytes:
    """A4 portrait: the title and date, then each table (a table's header repeats on every
    page it runs over)."""
    cjk_font()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN, title=title,
    )  # fmt: skip
    heading = ParagraphStyle("h", fontName=CJK_FONT, fontSize=14, leading=18)
    sub = ParagraphStyle("s", fontName=CJK_FONT, fontSize=11, leading=15, spaceBefore=6)
    small = ParagraphStyle("n", fontName=CJK_FONT, fontSize=8, leading=10)
    story: list = [Paragraph(title, heading), Paragraph(_when(data.at), small)]
    if data.cut:
        story.append(
            Paragraph(_("Only the newest %(n)s rows of each list.") % {"n": data.limit}, small)
        )
    for name, header, rows in _tables(data):
        story += [Spacer(1, 4 * mm), Paragraph(name, sub)]
        story.append(_table(header, rows, doc.width) if rows else Paragraph(_("None."), small))
    doc.build(story)
    return out.getvalue()
