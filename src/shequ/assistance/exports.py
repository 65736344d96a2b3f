"""Spreadsheets of help requests (through core.exports) and the figures' chart data."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from shequ.assistance.figures import Counts, PlaceFigures
from shequ.assistance.isolation import BoardRow
from shequ.assistance.models import HelpKind, HelpRequest, WatchCheck
from shequ.core.charts import Chart, Series
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


def isolation_xlsx(rows: Iterable[BoardRow]) -> bytes:
    """The isolation board: who, where, status, day N, planned release, today's readings by
    slot (or "late"), fever."""
    slot_names = {"am": _("Morning"), "pm": _("Evening")}
    rows = list(rows)
    slots = [s for s, _r, _l in rows[0].slots] if rows else []
    header = [
        _("Name"),
        _("Address"),
        _("Status"),
        _("Day"),
        _("Planned release"),
        *(slot_names.get(s, s) for s in slots),
        _("Fever or symptom"),
    ]

    def reading(report: object, late: bool) -> object:
        if report is None:
            return _("late") if late else ""
        text = f"{report.temperature} °C"
        return f"{text} {report.symptoms}" if report.symptoms else text

    data = (
        [
            row.resident.name,
            f"{row.resident.household.parent.name} {row.resident.household.name}",
            row.resident.get_health_status_display(),
            row.day_count or "",
            _when(row.planned_release),
            *(reading(report, late) for _s, report, late in row.slots),
            _("yes") if row.fever else "",
        ]
        for row in rows
    )
    return xlsx_workbook(Sheet(_("Isolation at home"), header, data, widths=(10, 18, 14)))


def chart(rows: list[PlaceFigures]) -> Chart | None:
    """Opened, delivered and overdue per kind over every place shown (the figures page's
    chart, drawn by ECharts: core/charts.py)."""
    totals: dict[str, Counts] = {}
    for row in rows:
        for kind, counts in row.kinds.items():
            into = totals.setdefault(kind, Counts())
            into.opened += counts.opened
            into.delivered += counts.delivered
            into.overdue += counts.overdue
    if not totals:
        return None
    kinds = sorted(totals.items())
    return Chart(
        "chart-help-kinds",
        _("Opened, delivered and overdue by kind"),
        [str(HelpKind(kind).label) for kind, _c in kinds],
        [
            Series(_("Opened"), [c.opened for _k, c in kinds], "grey"),
            Series(_("Delivered"), [c.delivered for _k, c in kinds], "green"),
            Series(_("Overdue"), [c.overdue for _k, c in kinds], "red"),
        ],
        kind="hbar",
    )
