"""Stock-take (盘点): the keeper counts each batch in a warehouse on a sheet that shows the
book quantity when it was opened; counted against book becomes one count-correction
adjustment per difference, all in one transaction.

If any line's stock moved since the sheet was opened (someone issued meanwhile), the whole
stock-take is refused and the changed lines are named: the keeper opens the sheet again and
recounts those, rather than the adjustment silently undoing the other movement."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.access import require
from shequ.core.errors import ValidationError
from shequ.core.roles import Capability
from shequ.supplies.models import AdjustReason, Movement, MovementKind, Stock, Warehouse
from shequ.supplies.services import MAX_QUANTITY, _check_note

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User


@dataclass(frozen=True)
class Count:
    """One line of the sheet: the stock row, its book quantity when the sheet was opened and
    what the keeper counted."""

    stock_id: int
    book: int
    counted: int


class StockChanged(ValidationError):
    """The stock of some lines moved since the sheet was opened; `changed` are their ids."""

    def __init__(self, message: str, changed: list[int]):
        super().__init__({"__all__": message})
        self.changed = changed


def keeps(user: User | AnonymousUser, warehouse: Warehouse) -> bool:
    """Whether the user moves this warehouse's stock (counts it)."""
    from shequ.supplies.selectors import stocked_warehouses_for

    return stocked_warehouses_for(user).filter(pk=warehouse.pk).exists()


def sheet(warehouse: Warehouse) -> list[Stock]:
    """The stock-take sheet: every batch the warehouse has or had, by category and item, the
    soonest to expire first (the warehouse already checked for the reader)."""
    return list(
        Stock.objects.filter(warehouse=warehouse)
        .select_related("item", "batch")
        .order_by("item__category", "item__name", "batch__expires_on", "batch__code", "pk")
    )


@transaction.atomic
def stocktake_apply(
    *, actor: User, warehouse: Warehouse, counts: list[Count], note: str = ""
) -> list[Movement]:
    """Adjust every counted line that differs from its book quantity (reason: count
    correction), or refuse it all, naming the lines whose stock changed meanwhile."""
    errors: dict[str, str] = {}
    if not counts:
        errors["__all__"] = _("Count at least one line (leave a line empty to skip it).")
    for c in counts:
        if not 0 <= c.counted <= MAX_QUANTITY:
            errors["__all__"] = _("A count must be between 0 and %d.") % MAX_QUANTITY
    note = _check_note(note, errors)
    if errors:
        raise ValidationError(errors)
    require(actor, Capability.MOVE_STOCK, warehouse.place)
    wanted = {c.stock_id: c for c in counts}
    rows = {
        s.pk: s
        for s in Stock.objects.select_for_update(of=("self",))
        .filter(warehouse=warehouse, pk__in=list(wanted))
        .select_related("item", "batch")
        .order_by("pk")
    }
    if len(rows) != len(wanted):
        raise ValidationError({"__all__": _("Some lines are not of this warehouse.")})
    changed = [pk for pk, c in wanted.items() if rows[pk].quantity != c.book]
    if changed:
        names = "、".join(
            f"{rows[pk].item.name} {rows[pk].batch.code}".strip()
            + f" ({wanted[pk].book} → {rows[pk].quantity})"
            for pk in sorted(changed)
        )
        raise StockChanged(
            _("Stock changed since the sheet was opened: %(lines)s. Open the sheet again and "
              "recount these lines.") % {"lines": names},
            sorted(changed),
        )  # fmt: skip
    now = timezone.now()
    text = (_("Stock-take") + (f": {note}" if note else ""))[:200]
    movements = []
    adjusted: dict[str, int] = {}
    for pk, c in sorted(wanted.items()):
        delta = c.counted - c.book
        if delta == 0:
            continue
        stock = rows[pk]
        adjusted[f"{stock.item.name} {stock.batch.code}".strip()] = delta
        # The rows are locked and their quantity checked: set the count itself.
        Stock.objects.filter(pk=pk, quantity=c.book).update(quantity=c.counted)
        movements.append(
            Movement(
                kind=MovementKind.ADJUST,
                warehouse=warehouse,
                item_id=stock.item_id,
                batch_id=stock.batch_id,
                delta=delta,
                reason=AdjustReason.COUNT,
                note=text,
                by=actor,
                at=now,
            )
        )
    Movement.objects.bulk_create(movements)
    audit.record(
        actor=actor, action="supplies.stocktake.apply", obj=warehouse, place=warehouse.place,
        changes={"lines": len(counts), "adjusted": adjusted},
    )  # fmt: skip
    return movements
