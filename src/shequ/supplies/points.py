"""Points of use: a post (a sampling site's, a gate's) that draws an item from a warehouse as
it works. The one caller today is testing: each sampling tube opened at a station of a site
whose post is a point of use for an item issues one unit of it (docs/supplies.md, "Sampling
tubes").

The coupling is one way and explicit: `testing.ingest` calls `record_use` after it opened
tubes; supplies never imports testing. Sampling is never blocked by stock: what the warehouse
has is issued (first expiry first out) and the rest is a shortfall alert to its keepers,
in a savepoint, so that nothing here can roll back the swabs."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.access import require
from shequ.core.errors import ValidationError
from shequ.core.roles import Capability
from shequ.supplies.alerts import claim, tell
from shequ.supplies.models import (
    AlertKind,
    Item,
    Movement,
    MovementKind,
    PointOfUse,
    Stock,
    Warehouse,
)

if TYPE_CHECKING:
    from shequ.core.models import User
    from shequ.duty.models import Post

logger = logging.getLogger(__name__)


@transaction.atomic
def point_set(*, actor: User, warehouse: Warehouse, post: Post, item: Item) -> PointOfUse:
    """The post draws `item` from `warehouse` as it works (a sampling site's tubes). The post
    must be in the warehouse's area (a community at or below its place); one warehouse per
    (post, item): setting another moves the point there."""
    require(actor, Capability.MOVE_STOCK, warehouse.place)
    if not post.community.path.startswith(warehouse.place.path):
        raise ValidationError(
            {"post": _("Choose a post of a community this warehouse serves (%(place)s).")
             % {"place": warehouse.place.name}}
        )  # fmt: skip
    point = PointOfUse.objects.select_for_update().filter(post=post, item=item).first()
    before = point.warehouse_id if point else None
    if point is None:
        point = PointOfUse.objects.create(post=post, warehouse=warehouse, item=item)
    elif before != warehouse.pk:
        require(actor, Capability.MOVE_STOCK, point.warehouse.place)
        point.warehouse = warehouse
        point.save(update_fields=["warehouse"])
    else:
        raise ValidationError({"item": _("This post already draws this item from here.")})
    audit.record(
        actor=actor, action="supplies.point.set", obj=point, place=warehouse.place,
        changes={"post": post.name, "item": item.name, "warehouse": [before, warehouse.pk]},
    )  # fmt: skip
    return point


@transaction.atomic
def point_remove(*, actor: User, point: PointOfUse) -> PointOfUse:
    """The post stops drawing the item: its use is no longer issued from stock."""
    require(actor, Capability.MOVE_STOCK, point.warehouse.place)
    audit.record(
        actor=actor, action="supplies.point.remove", obj=point, place=point.warehouse.place,
        changes={"post": point.post.name, "item": point.item.name},
    )  # fmt: skip
    removed = point.pk
    point.delete()
    point.pk = removed  # the caller names what was removed
    return point


def record_use(*, actor: User | None, uses: Mapping[int, int]) -> int:
    """`uses`: post id → units used there (tubes opened). Issues them from each post's
    warehouse, soonest expiry first; what is missing is a shortfall alert. Returns the units
    issued. Never raises for stock: a failure here is logged and the caller goes on."""
    uses = {post: n for post, n in uses.items() if post and n > 0}
    if not uses:
        return 0
    try:
        with transaction.atomic():
            return _record(actor, uses)
    except DatabaseError:
        logger.exception("supplies: recording use at posts %s failed", sorted(uses))
        return 0


def _issue(
    actor: User | None, warehouse: Warehouse, item: Item, wanted: int, now: Any, **where: Any
) -> tuple[list[Movement], int]:
    """Take up to `wanted` units of `item` from `warehouse`, soonest expiry first, each stock
    row by one conditional UPDATE: (the movements written, the units left short)."""
    left = wanted
    rows = (
        Stock.objects.select_for_update(of=("self",))
        .filter(warehouse=warehouse, item=item, quantity__gt=0)
        .order_by(F("batch__expires_on").asc(nulls_last=True), "batch_id")
    )
    movements = []
    for stock in rows:
        take = min(stock.quantity, left)
        if not Stock.objects.filter(pk=stock.pk, quantity__gte=take).update(
            quantity=F("quantity") - take
        ):
            continue
        movements.append(
            Movement(
                kind=MovementKind.ISSUE,
                warehouse=warehouse,
                item=item,
                batch_id=stock.batch_id,
                delta=-take,
                by=actor,
                at=now,
                **where,
            )
        )
        left -= take
        if not left:
            break
    Movement.objects.bulk_create(movements)
    return movements, left


def record_area_use(
    *, actor: User | None, warehouse: Warehouse, item: Item, quantity: int, detail: str
) -> int:
    """Units of an agent used at a disinfection area (patrols: a round recorded there),
    issued from `warehouse` soonest expiry first; what is missing is a shortfall alert.
    Returns the units issued. Never raises for stock, as `record_use`: disinfecting is never
    blocked by the store."""
    if quantity <= 0:
        return 0
    try:
        with transaction.atomic():
            now = timezone.now()
            note = (_("Disinfection: %s") % detail)[:200]
            movements, left = _issue(actor, warehouse, item, quantity, now, note=note)
            if movements:
                audit.record(
                    actor=actor, action="supplies.area.use", obj=movements[0],
                    place=warehouse.place,
                    changes={"item": item.name, "used": quantity, "issued": quantity - left},
                )  # fmt: skip
            if left:
                alert = claim(
                    warehouse=warehouse, item=item, kind=AlertKind.SHORTFALL,
                    day=timezone.localdate(now), quantity=left, detail=detail[:200],
                )  # fmt: skip
                if alert is not None:
                    tell([alert])
            return quantity - left
    except DatabaseError:
        logger.exception("supplies: recording use of %s at %s failed", item.pk, detail)
        return 0


def _record(actor: User | None, uses: Mapping[int, int]) -> int:
    points = list(
        PointOfUse.objects.filter(post_id__in=list(uses)).select_related(
            "warehouse__place", "item", "post"
        )
    )
    now = timezone.now()
    issued = 0
    short = []
    for point in points:
        wanted = uses[point.post_id]
        movements, left = _issue(
            actor, point.warehouse, point.item, wanted, now, post=point.post,
            note=_("Used at sampling"),
        )  # fmt: skip
        issued += wanted - left
        if movements:
            audit.record(
                actor=actor, action="supplies.point.use", obj=point, place=point.warehouse.place,
                changes={"item": point.item.name, "used": wanted, "issued": wanted - left},
            )  # fmt: skip
        if left:
            alert = claim(
                warehouse=point.warehouse, item=point.item, kind=AlertKind.SHORTFALL,
                day=timezone.localdate(now), quantity=left, detail=point.post.name,
            )  # fmt: skip
            if alert is not None:
                short.append(alert)
    tell(short)
    return issued
