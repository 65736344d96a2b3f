"""The ledger (台账) of one warehouse over a period: for each item and batch, the opening
balance, what came in and went out by kind, and the closing balance, with the identity

    opening + received − issued + transferred in − transferred out + adjusted = closing

holding on every line by construction (every column is a sum of the same movements, split by
kind and by time). The page and the Excel file are written from the same `ledger()` rows, so
the file equals the screen to the unit (tests/supplies/test_ledger.py reads it back)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.exports import Sheet, xlsx_workbook
from shequ.supplies.models import Category, Movement, MovementKind, Warehouse

COLUMNS = ("opening", "received", "issued", "transfer_in", "transfer_out", "adjusted", "closing")


def day_start(day: dt.date) -> dt.datetime:
    """Midnight at the start of `day`, local time (the ledger's days are local days)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@dataclass
class LedgerLine:
    item_id: int
    item: str
    unit: str
    category: str
    batch: str
    expires_on: dt.date | None
    opening: int = 0
    received: int = 0
    issued: int = 0  # units out, positive
    transfer_in: int = 0
    transfer_out: int = 0  # units out, positive
    adjusted: int = 0  # signed
    closing: int = 0

    def balances(self) -> bool:
        """The ledger identity on this line."""
        return (
            self.opening
            + self.received
            - self.issued
            + self.transfer_in
            - self.transfer_out
            + self.adjusted
            == self.closing
        )


@dataclass
class Ledger:
    warehouse: Warehouse
    start: dt.date
    end: dt.date
    lines: list[LedgerLine]
    totals: dict[str, int] = field(default_factory=dict)

    def by_category(self) -> list[tuple[str, str, list[LedgerLine], dict[str, int]]]:
        """(category, its label, its lines, its totals) for each category with a line."""
        out = []
        for value, label in Category.choices:
            lines = [line for line in self.lines if line.category == value]
            if lines:
                out.append((value, str(label), lines, _totals(lines)))
        return out


def _totals(lines: list[LedgerLine]) -> dict[str, int]:
    return {c: sum(getattr(line, c) for line in lines) for c in COLUMNS}


def first_warehouse(warehouses: QuerySet[Warehouse]) -> Warehouse | None:
    """The ledger page's default: the highest of the reader's warehouses."""
    return warehouses.order_by("place__path", "name").first()


def ledger(warehouse: Warehouse, start: dt.date, end: dt.date) -> Ledger:
    """The ledger of `warehouse` from the first moment of `start` to the last of `end` (local
    days, both included): one aggregate query. Lines with no balance and no movement are left
    out. The warehouse is already checked for the reader (selectors.get_warehouse_for)."""
    begin, stop = day_start(start), day_start(end + dt.timedelta(days=1))
    during = Q(at__gte=begin, at__lt=stop)

    def kind_sum(kind: str) -> Sum:
        return Sum("delta", filter=during & Q(kind=kind), default=0)

    rows = (
        Movement.objects.filter(warehouse=warehouse, at__lt=stop)
        .values(
            "item_id",
            "item__name",
            "item__unit",
            "item__category",
            "batch__code",
            "batch__expires_on",
        )
        .annotate(
            opening=Sum("delta", filter=Q(at__lt=begin), default=0),
            received=kind_sum(MovementKind.RECEIVE),
            issued=kind_sum(MovementKind.ISSUE),
            transfer_in=kind_sum(MovementKind.TRANSFER_IN),
            transfer_out=kind_sum(MovementKind.TRANSFER_OUT),
            adjusted=kind_sum(MovementKind.ADJUST),
            closing=Sum("delta", default=0),
            moved=Count("pk", filter=during),
        )
        .order_by("item__category", "item__name", "batch__expires_on", "batch__code")
    )
    lines = [
        LedgerLine(
            item_id=r["item_id"],
            item=r["item__name"],
            unit=r["item__unit"],
            category=r["item__category"],
            batch=r["batch__code"],
            expires_on=r["batch__expires_on"],
            opening=r["opening"],
            received=r["received"],
            issued=-r["issued"],
            transfer_in=r["transfer_in"],
            transfer_out=-r["transfer_out"],
            adjusted=r["adjusted"],
            closing=r["closing"],
        )
        for r in rows
        if r["opening"] or r["moved"]
    ]
    return Ledger(warehouse=warehouse, start=start, end=end, lines=lines, totals=_totals(lines))


def headers() -> list[str]:
    """The ledger's column titles (Chinese in the default language)."""
    return [
        _("Item"), _("Batch"), _("Expires on"), _("Unit"), _("Opening balance"), _("Received"),
        _("Issued"), _("Transferred in"), _("Transferred out"), _("Adjusted"),
        _("Closing balance"),
    ]  # fmt: skip


def line_values(line: LedgerLine) -> list[object]:
    return [
        line.item, line.batch, line.expires_on, line.unit,
        *(getattr(line, c) for c in COLUMNS),
    ]  # fmt: skip


def ledger_xlsx(book: Ledger) -> bytes:
    """The ledger as a workbook: one sheet per category, each ending with its totals row;
    the same numbers as the page."""
    sheets = []
    for _value, label, lines, totals in book.by_category():
        rows: list[list[object]] = [line_values(line) for line in lines]
        rows.append([_("Total"), "", "", "", *(totals[c] for c in COLUMNS)])
        sheets.append(
            Sheet(
                name=label,
                header=headers(),
                rows=rows,
                widths=(16, 12, 12, 6),
                notes=(f"{book.warehouse.name} {book.start.isoformat()} – {book.end.isoformat()}",),
            )
        )
    if not sheets:
        sheets.append(Sheet(name=_("Ledger"), header=headers(), rows=[]))
    return xlsx_workbook(*sheets)
