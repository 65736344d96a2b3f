"""Spreadsheets of help requests (through core.exports) and the figures' bar chart data."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _

from shequ.assistance.figures import Counts, PlaceFigures
from shequ.assistance.models import HelpKind, HelpRequest, WatchCheck
from shequ.core.exports import Sheet, xlsx_workbook
from shequ.places.models import ZoneLevel

ZONE_LABELS = dict(ZoneLevel.choices)


def _when(value: object) -> object:
    return value or ""


def requests_xlsx(rows: Iterable[HelpRequest]) -> bytes:
    """Every request listed: where, what, status, who claimed, times, purchase."""
    header = [
        _("No."),
        _("Community"),
        _("Address"),
        _("Kind"),
        _("Urgent"),
        _("Details"),
        _("Status"),
        _("Opened"),
        _("Due"),
        _("Claimed by"),
        _("Delivered"),
        _("Amount (yuan)"),
        _("Paid back"),
        _("For the supplies ledger"),
    ]
    data = (
        [
            r.pk,
            r.community.name,
            r.address,
            r.get_kind_display(),
            _("yes") if r.urgent else "",
            r.details,
            r.get_status_display(),
            _when(r.created_at),
            _when(r.due_at),
            (r.claimed_by.display_name or r.claimed_by.username) if r.claimed_by else "",
            _when(r.delivered_at),
            r.amount if r.amount is not None else "",
            _when(r.repaid_at),
            _("yes") if r.for_ledger else "",
        ]
        for r in rows
    )
    return xlsx_workbook(Sheet(_("Help requests"), header, data, widths=(6, 14, 18, 14)))


def watch_xlsx(rows: Iterable[WatchCheck]) -> bytes:
    """The watch list: who, where, why at risk, who checks, the outcome, the request opened."""
    from shequ.residents.models import watch_tag_labels

    header = [
        _("Day"),
        _("Name"),
        _("Address"),
        _("Special populations"),
        _("Zone"),
        _("Checked by (assigned)"),
        _("Outcome"),
        _("Note"),
        _("Checked at"),
        _("Help request"),
        _("Community told"),
    ]
    data = (
        [
            c.day,
            c.resident.name,
            f"{c.compound.name} {c.building.name} {c.resident.household.name}",
            "、".join(watch_tag_labels(c.tags)),
            str(ZONE_LABELS.get(c.zone, c.zone)),
            (c.assigned_to.display_name or c.assigned_to.username) if c.assigned_to else "",
            c.get_outcome_display(),
            c.note,
            _when(c.checked_at),
            c.help_request_id or "",
            _when(c.escalated_at),
        ]
        for c in rows
    )
    return xlsx_workbook(Sheet(_("Watch list"), header, data, widths=(11, 10, 24, 20)))


def _figure_cells(counts: Counts) -> list[object]:
    return [
        counts.opened,
        counts.delivered,
        counts.overdue,
        counts.median if counts.median is not None else "",
        counts.p90 if counts.p90 is not None else "",
    ]


def figures_xlsx(rows: list[PlaceFigures]) -> bytes:
    header = [
        _("Place"),
        _("Kind"),
        _("Opened"),
        _("Delivered"),
        _("Overdue"),
        _("Median hours to delivery"),
        _("90th percentile hours"),
    ]
    data: list[list[object]] = []
    for row in rows:
        data.append([row.place.name, _("All"), *_figure_cells(row.total)])
        data.extend([row.place.name, label, *_figure_cells(c)] for label, c in row.by_kind())
    return xlsx_workbook(Sheet(_("Help figures"), header, data, widths=(16, 18)))


@dataclass
class Bar:
    label: str
    opened: int
    delivered: int
    overdue: int
    y: int
    opened_w: float
    delivered_w: float
    overdue_w: float


def chart(rows: list[PlaceFigures], width: float = 200.0) -> list[Bar]:
    """One bar group per kind over every place shown: opened, delivered, overdue, scaled to
    `width` (the inline SVG on the figures page)."""
    totals: dict[str, Counts] = {}
    for row in rows:
        for kind, counts in row.kinds.items():
            into = totals.setdefault(kind, Counts())
            into.opened += counts.opened
            into.delivered += counts.delivered
            into.overdue += counts.overdue
    top = max((c.opened for c in totals.values()), default=0) or 1
    return [
        Bar(
            str(HelpKind(kind).label),
            c.opened,
            c.delivered,
            c.overdue,
            i * 34,
            width * c.opened / top,
            width * c.delivered / top,
            width * c.overdue / top,
        )
        for i, (kind, c) in enumerate(sorted(totals.items()))
    ]
