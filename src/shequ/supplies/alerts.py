"""Stock alerts through `notify`: an item running low in a warehouse (its units, all batches,
under the warehouse's low-stock threshold), a batch expiring within SUPPLIES_EXPIRY_DAYS
(default 30), and a point of use that could not draw what it used (supplies.points).

The warehouse's own keepers (MOVE_STOCK bound to its place, not the HQ above) are told once
per item, kind and day, however often the job runs and however many workers run it: the
`StockAlert` row is the claim (a unique constraint on warehouse, item, kind and day), and only
whoever created it tells anyone. The worker runs `periodic_alerts` (registered in
SuppliesConfig.ready()); `shequ` tests call `raise_alerts` with a time of their choosing."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Min, Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shequ.core.roles import Capability
from shequ.core.scopes import users_with_by_place
from shequ.notify.services import Message, notify_many
from shequ.supplies.models import AlertKind, Item, Stock, StockAlert, Warehouse

BATCH = 500
EVERY_SECONDS = 15 * 60  # the worker looks at most this often (per process)
_last: dict[str, float] = {}


def expiry_days() -> int:
    return int(getattr(settings, "SUPPLIES_EXPIRY_DAYS", 30))


@dataclass
class Raised:
    low: int = 0
    expiry: int = 0
    told: int = 0


def _title(kind: str, warehouse: Warehouse, item: Item, quantity: int, detail: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        if kind == AlertKind.LOW:
            return _("Low stock: %(item)s, %(n)d %(unit)s left in %(warehouse)s") % {
                "item": item.name, "n": quantity, "unit": item.unit, "warehouse": warehouse.name,
            }  # fmt: skip
        if kind == AlertKind.EXPIRY:
            return _("Expiring by %(day)s: %(n)d %(unit)s of %(item)s in %(warehouse)s") % {
                "day": detail, "n": quantity, "unit": item.unit, "item": item.name,
                "warehouse": warehouse.name,
            }  # fmt: skip
        return _("Short at %(post)s: %(n)d %(unit)s of %(item)s used but not in %(warehouse)s") % {
            "post": detail, "n": quantity, "unit": item.unit, "item": item.name,
            "warehouse": warehouse.name,
        }  # fmt: skip


def claim(
    *, warehouse: Warehouse, item: Item, kind: str, day: dt.date, quantity: int, detail: str = ""
) -> StockAlert | None:
    """Today's alert of this kind for the item in the warehouse, if this call is the first
    (None when it was raised already: a shortfall then adds its units to it)."""
    alert, created = StockAlert.objects.get_or_create(
        warehouse=warehouse, item=item, kind=kind, day=day,
        defaults={"quantity": quantity, "detail": detail[:200], "at": timezone.now()},
    )  # fmt: skip
    if created:
        return alert
    if kind == AlertKind.SHORTFALL:
        StockAlert.objects.filter(pk=alert.pk).update(quantity=F("quantity") + quantity)
    return None


def tell(alerts: list[StockAlert]) -> int:
    """Notify each alert's warehouse keepers (one query for all of them)."""
    if not alerts:
        return 0
    keepers = users_with_by_place(
        Capability.MOVE_STOCK, {a.warehouse.place for a in alerts}, inherited=False
    )
    return notify_many(
        Message(
            users=sorted(keepers.get(a.warehouse.place_id, ())),
            kind=f"stock_{a.kind}",
            title=_title(a.kind, a.warehouse, a.item, a.quantity, a.detail),
            url=reverse("supplies:warehouse", args=[a.warehouse_id]),
        )
        for a in alerts
    )


@transaction.atomic
def raise_alerts(*, now: dt.datetime | None = None) -> Raised:
    """Find low stock and near expiry, claim each (warehouse, item, kind) for today, and tell
    the keepers of what was newly claimed."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    done = Raised()
    already = set(
        StockAlert.objects.filter(day=today).values_list("warehouse_id", "item_id", "kind")
    )
    low = (
        Stock.objects.values("warehouse_id", "item_id", "warehouse__low_stock")
        .annotate(units=Sum("quantity"))
        .filter(units__lt=F("warehouse__low_stock"))
        .order_by("units", "warehouse_id", "item_id")
    )
    until = today + dt.timedelta(days=expiry_days())
    expiring = (
        Stock.objects.filter(quantity__gt=0, batch__expires_on__lte=until)
        .values("warehouse_id", "item_id")
        .annotate(units=Sum("quantity"), first=Min("batch__expires_on"))
        .order_by("first", "warehouse_id", "item_id")
    )
    wanted = [
        (AlertKind.LOW, r["warehouse_id"], r["item_id"], r["units"], "") for r in low[:BATCH]
    ] + [
        (AlertKind.EXPIRY, r["warehouse_id"], r["item_id"], r["units"], r["first"].isoformat())
        for r in expiring[:BATCH]
    ]
    wanted = [w for w in wanted if (w[1], w[2], w[0]) not in already]
    warehouses = Warehouse.objects.select_related("place").in_bulk({w[1] for w in wanted})
    items = Item.objects.in_bulk({w[2] for w in wanted})
    fresh = []
    for kind, warehouse_id, item_id, units, detail in wanted:
        alert = claim(
            warehouse=warehouses[warehouse_id], item=items[item_id], kind=kind, day=today,
            quantity=units, detail=detail,
        )  # fmt: skip
        if alert is not None:
            fresh.append(alert)
            done.low += kind == AlertKind.LOW
            done.expiry += kind == AlertKind.EXPIRY
    done.told = tell(fresh)
    return done


def periodic_alerts() -> Raised | None:
    """The worker's job: raise_alerts at most every EVERY_SECONDS in this process (the
    claims keep it once a day across processes)."""
    if time.monotonic() - _last.get("run", -EVERY_SECONDS) < EVERY_SECONDS:
        return None
    _last["run"] = time.monotonic()
    return raise_alerts()


def alerts_today(warehouses: list[Warehouse], *, limit: int = 10) -> list[StockAlert]:
    """Today's alerts of these warehouses (the keeper's home card)."""
    return list(
        StockAlert.objects.filter(day=timezone.localdate(), warehouse__in=warehouses)
        .select_related("warehouse", "item")
        .order_by("kind", "warehouse__name", "item__name")[:limit]
    )
