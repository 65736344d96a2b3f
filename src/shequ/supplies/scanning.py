"""A barcode typed or scanned on a movement form (`?barcode=`) narrows its choices to that
item: the stock rows of the item (soonest expiry first, the first chosen), or the item itself
on the receive form. Works without JavaScript: the form's barcode box is a GET form; with
JavaScript supplies/scan.js asks /supplies/barcode/ and chooses in place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from shequ.supplies.models import Item, Stock
from shequ.supplies.selectors import item_by_barcode


@dataclass
class Scanned:
    code: str
    item: Item | None

    @property
    def unknown(self) -> bool:
        return bool(self.code) and self.item is None


def scanned(params: Any) -> Scanned:
    code = (params.get("barcode") or "").strip()[:40]
    return Scanned(code=code, item=item_by_barcode(code) if code else None)


def narrow(rows: QuerySet[Stock], scan: Scanned) -> tuple[QuerySet[Stock], dict[str, Any]]:
    """The stock choices for the scanned item, and the initial choice (its first batch)."""
    if scan.item is None:
        return rows, {}
    rows = rows.filter(item=scan.item)
    first = rows.values_list("pk", flat=True).first()
    return rows, ({"stock": first} if first else {})
