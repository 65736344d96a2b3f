"""A community's daily report and a roll-up as files: Excel (through core.exports) and an A4
PDF (reportlab, Chinese through core.pdf's CID font). Headers are in the request's language
(Chinese by default); hours on duty are written in hours, as on the pages."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

from django.http import HttpResponse
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from shequ.core.exports import Sheet, xlsx_response, xlsx_workbook
from shequ.core.pdf import CJK_FONT, cjk_font
from shequ.core.replica import replica_reads
from shequ.places.models import Place
from shequ.reports.figures import Figure, all_figures
from shequ.reports.models import DailyReport
from shequ.reports.pdfchart import trend_chart
from shequ.reports.selectors import (
    TREND_KEYS,
    FigureRow,
    Rollup,
    figure_rows,
    report_of,
    rollup,
    trend,
)

MARGIN = 15 * mm
PARTS_PER_TABLE = 5  # a roll-up's columns per table on A4 portrait


def _number(figure: Figure, value: int) -> float | int:
    """A figure's value as shown: minutes as hours (one decimal)."""
    return round(value / 60, 1) if figure.unit == "minutes" else value


def _state(report: DailyReport | None) -> str:
    return report.get_status_display() if report else _("Not compiled")


# --- Excel ----------------------------------------------------------------------------------


def report_xlsx(
    community: Place, day: object, report: DailyReport | None, rows: Sequence[FigureRow]
) -> bytes:
    """The report's figures (value, value from the records, corrected) and its text."""
    header = [_("Figure"), _("Figure value"), _("From the records"), _("Corrected")]
    data = [
        [
            str(r.figure.label),
            _number(r.figure, r.value),
            _number(r.figure, r.compiled_value),
            _("yes") if r.corrected else "",
        ]
        for r in rows
    ]
    notes = [f"{community.name} · {day} · {_state(report)}"]
    if report is not None:
        notes += [
            f"{_('Difficulties')}: {report.difficulties}",
            f"{_('Needs')}: {report.needs}",
            f"{_('Good practice')}: {report.good_practice}",
        ]
    return xlsx_workbook(
        Sheet(_("Daily report"), header, data, widths=(28, 10, 14, 10), notes=notes)
    )


def rollup_xlsx(up: Rollup) -> bytes:
    """Per figure its total and each part's sum; a sheet of each community's standing."""
    header = [_("Figure"), _("Total"), *[p.name for p, _v in up.parts]]
    data = [
        [
            str(f.label),
            _number(f, up.totals.get(f.key, 0)),
            *[_number(f, values.get(f.key, 0)) for _p, values in up.parts],
        ]
        for f in up.figures
    ]
    states = _states()
    standings = [[s.community.name, states.get(s.state, s.state)] for s in up.standings]
    return xlsx_workbook(
        Sheet(
            _("Roll-up"),
            header,
            data,
            widths=(28, 10),
            notes=[f"{up.place.name} · {up.day}"],
        ),
        Sheet(_("Reports"), [_("Community"), _("Report")], standings, widths=(24, 12)),
    )


def _states() -> dict[str, str]:
    return {
        "on_time": _("On time"),
        "late": _("Late"),
        "missing": _("Missing"),
        "pending": _("Pending"),
    }


# --- PDF ------------------------------------------------------------------------------------


def _escape(text: str) -> str:
    """Text for a reportlab Paragraph (a small markup language: &, < and > are markup)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _styles() -> dict[str, ParagraphStyle]:
    cjk_font()  # registered before any paragraph is laid out
    return {
        "h1": ParagraphStyle("h1", fontName=CJK_FONT, fontSize=16, leading=22),
        "h2": ParagraphStyle("h2", fontName=CJK_FONT, fontSize=12, leading=18, spaceBefore=6),
        "text": ParagraphStyle("text", fontName=CJK_FONT, fontSize=9.5, leading=14),
    }


def _table(data: list[list[object]], widths: list[float]) -> Table:
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), CJK_FONT, 9.5),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8f5e9")),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def _document(title: str, story: list[object]) -> bytes:
    cjk_font()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        creator="Shequ",
    )
    doc.build(story)
    return out.getvalue()


def _chart(place: Place, day: dt.date, width: float) -> list[object]:
    """The 14-day trend of people on duty and passages under `place`, up to `day`."""
    labels = {f.key: str(f.label) for f in all_figures() if f.key in TREND_KEYS}
    return [Spacer(1, 4 * mm), trend_chart(trend(place, day), labels, width)]


def report_pdf(
    community: Place, day: dt.date, report: DailyReport | None, rows: Sequence[FigureRow]
) -> bytes:
    """The report on A4: heading, status, the figures' table, the free text, the chart of
    the last 14 days."""
    s = _styles()
    title = _("Daily report %(place)s %(day)s") % {"place": community.name, "day": day}
    width = A4[0] - 2 * MARGIN
    story: list[object] = [
        Paragraph(_escape(title), s["h1"]),
        Paragraph(_escape(_state(report)), s["text"]),
        Spacer(1, 4 * mm),
    ]
    if rows:
        data: list[list[object]] = [[_("Figure"), _("Figure value"), _("From the records")]]
        data += [
            [
                Paragraph(_escape(str(r.figure.label) + (" *" if r.corrected else "")), s["text"]),
                _number(r.figure, r.value),
                _number(r.figure, r.compiled_value),
            ]
            for r in rows
        ]
        story.append(_table(data, [width * 0.6, width * 0.2, width * 0.2]))
        story.append(Paragraph(_escape(_("* corrected by hand")), s["text"]))
    if report is not None:
        for label, text in (
            (_("Difficulties"), report.difficulties),
            (_("Needs"), report.needs),
            (_("Good practice"), report.good_practice),
        ):
            if text:
                story.append(Paragraph(_escape(label), s["h2"]))
                story.append(Paragraph(_escape(text).replace("\n", "<br/>"), s["text"]))
    story += _chart(community, day, width)
    return _document(title, story)


def rollup_pdf(up: Rollup) -> bytes:
    """The roll-up on A4: totals with the parts (five to a table), the chart of the last 14
    days, late and missing reports, the largest gaps."""
    s = _styles()
    title = _("Roll-up %(place)s %(day)s") % {"place": up.place.name, "day": up.day}
    width = A4[0] - 2 * MARGIN
    story: list[object] = [Paragraph(_escape(title), s["h1"]), Spacer(1, 4 * mm)]
    parts = list(up.parts)
    chunks = [parts[i : i + PARTS_PER_TABLE] for i in range(0, len(parts), PARTS_PER_TABLE)]
    for n, chunk in enumerate(chunks or [[]]):
        head: list[object] = [_("Figure"), _("Total")]
        head += [Paragraph(_escape(p.name), s["text"]) for p, _v in chunk]
        data: list[list[object]] = [head]
        for f in up.figures:
            data.append(
                [
                    Paragraph(_escape(str(f.label)), s["text"]),
                    _number(f, up.totals.get(f.key, 0)),
                    *[_number(f, v.get(f.key, 0)) for _p, v in chunk],
                ]
            )
        first = width * 0.34
        rest = (width - first) / (len(chunk) + 1)
        if n:
            story.append(Spacer(1, 4 * mm))
        story.append(_table(data, [first] + [rest] * (len(chunk) + 1)))
    story += _chart(up.place, up.day, width)
    states = _states()
    listed = up.missing + up.late
    if listed:
        story.append(Paragraph(_escape(_("Late and missing reports")), s["h2"]))
        for standing in listed:
            line = f"{standing.community.name} · {states[standing.state]}"
            story.append(Paragraph(_escape(line), s["text"]))
    worst = up.worst_table
    if worst:
        story.append(Paragraph(_escape(_("Largest gaps")), s["h2"]))
        for figure, items in worst:
            line = "、".join(f"{w.community.name} ({w.gap})" for w in items)
            story.append(Paragraph(_escape(f"{figure.label}: {line}"), s["text"]))
    return _document(title, story)


# --- downloads ----------------------------------------------------------------------------


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    """An A4 PDF shown in the browser (printed or saved from there)."""
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@replica_reads()
def report_file(place: Place, day: dt.date, fmt: str) -> HttpResponse | None:
    """A community's report of a day as .xlsx or .pdf (None for another format); the caller
    has checked the scope."""
    report = report_of(place, day)
    rows = figure_rows(report) if report else []
    name = f"report-{place.code}-{day.isoformat()}"
    if fmt == "xlsx":
        return xlsx_response(report_xlsx(place, day, report, rows), f"{name}.xlsx")
    if fmt == "pdf":
        return pdf_response(report_pdf(place, day, report, rows), f"{name}.pdf")
    return None


@replica_reads()
def rollup_file(place: Place, day: dt.date, fmt: str) -> HttpResponse | None:
    """A roll-up as .xlsx or .pdf (None for another format); the caller checked the scope."""
    name = f"rollup-{place.code}-{day.isoformat()}"
    if fmt == "xlsx":
        return xlsx_response(rollup_xlsx(rollup(place, day)), f"{name}.xlsx")
    if fmt == "pdf":
        return pdf_response(rollup_pdf(rollup(place, day)), f"{name}.pdf")
    return None
