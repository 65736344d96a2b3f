"""A building's missed list on A4 for the door-to-door walk (and the building's door): the
missed residents in walking order — unit, floor, room — with their names as the missed list
page shows them, their phones always masked (paper is left on doors and in pockets), their
latest door-to-door outcome, and boxes to tick at each door (empty cells of the table).

Chinese text uses reportlab's built-in CID font (core/pdf.py): no font file ships with Shequ.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

from shequ.core import pii
from shequ.core.bidi import neutral
from shequ.core.pdf import CJK_FONT, cjk_font
from shequ.places.households import room_key, room_of
from shequ.places.models import Place
from shequ.residents.models import Resident
from shequ.testing.models import Round
from shequ.testing.snapshot import OUTCOME_LABELS

FONT = CJK_FONT
MARGIN = 12 * mm
DIGITS = re.compile(r"^(\d+)")


def _natural(text: str) -> tuple[int, str]:
    """'2' < '10' < 'A': numbers first, in number order, then other text."""
    match = DIGITS.match(text)
    return (int(match.group(1)), text) if match else (10**9, text)


def floor_of(room: str) -> int | None:
    """The floor of a room number as Chinese buildings number them: '801' → 8, '1203' → 12,
    '12' → None (a room number of fewer than three digits says no floor)."""
    match = DIGITS.match(room_key(room))
    if not match or len(match.group(1)) < 3:
        return None
    return int(match.group(1)[:-2])


def walking_order(people: Sequence[Resident]) -> list[Resident]:
    """The residents door by door: unit, then floor (ground floor up), then room, then name."""

    def key(r: Resident) -> tuple:
        household = r.household
        room = room_key(room_of(household.name, household.unit))
        floor = floor_of(room)
        return (
            _natural(household.unit),
            floor if floor is not None else 10**9,
            _natural(room),
            household.pk,
            r.name,
        )

    return sorted(people, key=key)


def missed_walk_pdf(
    round_: Round, building: Place, people: Sequence[Resident], outcomes: dict[int, str]
) -> bytes:
    """The building's missed residents on A4 (portrait), in walking order."""
    cjk_font()
    out = io.BytesIO()
    where = " ".join(p.name for p in (building.parent, building) if p is not None)
    title = _("Missed list · %(round)s · %(building)s") % {"round": round_.name, "building": where}
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
    h1 = ParagraphStyle("h1", fontName=FONT, fontSize=15, leading=20)
    text = ParagraphStyle("text", fontName=FONT, fontSize=9, leading=13)
    head = [
        _("Unit"),
        _("Floor"),
        _("Household"),
        _("Name"),
        _("Phone"),
        _("Latest outcome"),
        _("Sampled"),
        _("Not home"),
        _("Notes"),
    ]
    rows: list[list[object]] = [head]
    for r in walking_order(people):
        household = r.household
        floor = floor_of(room_of(household.name, household.unit))
        rows.append(
            [
                household.unit,
                "" if floor is None else str(floor),
                room_of(household.name, household.unit),
                neutral(r.name),
                pii.mask_phone(r.phone or ""),
                str(OUTCOME_LABELS.get(outcomes.get(r.pk, ""), "")),
                "",  # the empty cells are the boxes to tick
                "",
                "",
            ]
        )
    widths = [12, 10, 22, 26, 26, 24, 14, 14, 38]
    table = Table(rows, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), FONT, 9.5),
                ("FONT", (0, 0), (-1, 0), FONT, 8.5),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8f5e9")),
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 1), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 1), (-1, -1), 5),
            ]
        )
    )
    story: list[object] = [
        Paragraph(_escape(title), h1),
        Paragraph(
            _escape(
                " · ".join(
                    [
                        _("Missed: %(n)d") % {"n": len(people)},
                        _("phones masked"),
                        _("printed %s") % timezone.localtime().strftime("%Y-%m-%d %H:%M"),
                    ]
                )
            ),
            text,
        ),
    ]
    if people:
        story.append(table)
    else:
        story.append(Paragraph(_("Nobody is missed in this building."), text))
    doc.build(story)
    return out.getvalue()


def _escape(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
