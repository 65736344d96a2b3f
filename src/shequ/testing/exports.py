"""Files out of a testing round: the missed list of a building (or of every building under a
place) as Excel for the door-to-door teams, and the round's summary as an A4 PDF (coverage
per community and building, tubes, results, recalls).

Chinese text in the PDF uses reportlab's built-in CID font STSong-Light (as the printed
entry passes do): the viewer supplies the glyphs, so no font file ships with Shequ."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from shequ.core.bidi import neutral
from shequ.core.exports import xlsx_table
from shequ.core.pdf import CJK_FONT, cjk_font
from shequ.residents.models import Resident
from shequ.testing.models import RecallKind, Round
from shequ.testing.selectors import Coverage, totals
from shequ.testing.snapshot import OUTCOME_LABELS, RecallLine, TubeFigures

FONT = CJK_FONT


def missed_workbook(
    round_: Round,
    people: Iterable[Resident],
    phones: dict[int, str],
    outcomes: dict[int, str],
) -> bytes:
    """The missed residents with building, household, phone (as the user may see it) and the
    latest door-to-door outcome, one row each."""
    labels = OUTCOME_LABELS
    header = [_("Building"), _("Household"), _("Name"), _("Phone"), _("Latest outcome")]
    rows = (
        [
            r.household.parent.name if r.household.parent else "",
            r.household.name,
            neutral(r.name),
            phones.get(r.pk, ""),
            str(labels.get(outcomes.get(r.pk, ""), "")),
        ]
        for r in people
    )
    return xlsx_table(_("Missed %s") % round_.name, header, rows)


def _coverage_table(rows: Sequence[Coverage]) -> Table:
    head = [_("Place"), _("Residents"), _("Sampled"), _("Exempt"), _("Missed"), _("Coverage")]
    body = [[c.name, c.residents, c.sampled, c.exempt, c.missed, f"{c.percent}%"] for c in rows]
    total = totals(list(rows))
    body.append(
        [
            _("Total"),
            total.residents,
            total.sampled,
            total.exempt,
            total.missed,
            f"{total.percent}%",
        ]
    )
    return _table([head, *body], [60 * mm, 22 * mm, 22 * mm, 22 * mm, 22 * mm, 22 * mm])


def _table(data: list[list[object]], widths: list[float]) -> Table:
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 9),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8f5e9")),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#bbbbbb")),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    return table


def summary_pdf(
    *,
    round_: Round,
    within: str,
    communities: Sequence[Coverage],
    buildings: Sequence[Coverage],
    tubes: TubeFigures,
    recalls: Sequence[RecallLine],
) -> bytes:
    """The round on A4: coverage per community and per building under `within`, tubes by
    status, results and turnaround, and every recall with how many were retested."""
    cjk_font()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=_("Testing round %s") % round_.name,
        creator="Shequ",
    )
    h1 = ParagraphStyle("h1", fontName=FONT, fontSize=16, leading=22)
    h2 = ParagraphStyle("h2", fontName=FONT, fontSize=12, leading=18, spaceBefore=8)
    text = ParagraphStyle("text", fontName=FONT, fontSize=9, leading=13)
    story: list[object] = [
        Paragraph(_("Testing round %s") % round_.name, h1),
        Paragraph(
            _("%(first)s – %(last)s · %(pool)s · %(within)s · printed %(now)s")
            % {
                "first": round_.starts_on.isoformat(),
                "last": round_.ends_on.isoformat(),
                "pool": round_.get_pool_size_display(),
                "within": within,
                "now": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
            },
            text,
        ),
        Paragraph(_("Coverage per community"), h2),
        _coverage_table(communities),
        Paragraph(_("Coverage per building"), h2),
        _coverage_table(buildings),
        Paragraph(_("Tubes"), h2),
        _table(
            [
                [_("Status"), _("Tubes")],
                *[[label, n] for _s, label, n in tubes.by_status],
                [_("Total"), tubes.total],
            ],
            [60 * mm, 30 * mm],
        ),
        Spacer(1, 4 * mm),
        _table(
            [
                [_("Negative"), _("Positive"), _("Invalid"), _("Median hours"), _("90% within")],
                [
                    tubes.results.get("negative", 0),
                    tubes.results.get("positive", 0),
                    tubes.results.get("invalid", 0),
                    "—" if tubes.median_hours is None else tubes.median_hours,
                    "—" if tubes.p90_hours is None else tubes.p90_hours,
                ],
            ],
            [30 * mm] * 5,
        ),
        Paragraph(_("Recalls"), h2),
    ]
    if recalls:
        kinds = dict(RecallKind.choices)
        story.append(
            _table(
                [[_("Tube"), _("Kind"), _("Members"), _("Retested"), _("Started")]]
                + [
                    [
                        line.recall.tube.barcode,
                        str(kinds.get(line.recall.kind, line.recall.kind)),
                        line.members,
                        line.retested,
                        timezone.localtime(line.recall.created_at).strftime("%m-%d %H:%M"),
                    ]
                    for line in recalls
                ],
                [35 * mm, 70 * mm, 20 * mm, 20 * mm, 30 * mm],
            )
        )
    else:
        story.append(Paragraph(_("No recalls."), text))
    doc.build(story)
    return out.getvalue()
