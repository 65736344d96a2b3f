"""Writes on stock, each one transaction with its audit row: receive, issue, transfer (send,
then receive at the other end), adjust.

Units leave a stock row only through one conditional UPDATE (`WHERE quantity >= n`): its row
count says whether they were there. Twenty keepers issuing the last ten units at once get ten
through and ten refusals naming `quantity`; no read-then-write. The CheckConstraint
`quantity >= 0` is the database's own guard behind it."""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.access import require
from shequ.core.errors import ValidationError
from shequ.core.roles import Capability
from shequ.places.models import Place, PlaceKind
from shequ.supplies.models import (
    AdjustReason,
    Batch,
    Item,
    Movement,
    MovementKind,
    Source,
    Stock,
    Transfer,
    TransferStatus,
    Warehouse,
)

if TYPE_CHECKING:
    from shequ.assistance.models import HelpRequest
    from shequ.core.models import User
    from shequ.duty.models import Post

MAX_QUANTITY = 1_000_000
# Batches of donations in kind (JZ<donation>-<line>) and purchases (CG<purchase>-<line>): their
# own, so that every movement of them is traced to the gift (supplies.donation_reads).
RESERVED_BATCH = re.compile(r"^(CG|JZ)\d+-\d+$", re.IGNORECASE)
NOTE_MAX = 200
BATCH_MAX = 40


def _check_quantity(quantity: Any, errors: dict[str, str]) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        errors["quantity"] = _("Give the quantity as a whole number of units.")
        return 0
    if quantity < 1:
        errors["quantity"] = _("The quantity must be at least 1.")
    elif quantity > MAX_QUANTITY:
        errors["quantity"] = _("The quantity must be at most %d.") % MAX_QUANTITY
    return quantity


def _check_note(note: str, errors: dict[str, str], *, required: bool = False) -> str:
    note = (note or "").strip()
    if required and not note:
        errors["note"] = _("Say why (for example: 3 boxes wet in the rain).")
    elif len(note) > NOTE_MAX:
        errors["note"] = _("Keep the note under %d characters.") % NOTE_MAX
    return note


def _check_batch(item: Item, batch: Batch | None, errors: dict[str, str]) -> None:
    if batch is not None and batch.item_id != item.pk:
        errors["batch"] = _("This batch is of another item.")


def _add(warehouse: Warehouse, batch: Batch, quantity: int) -> None:
    stock, _created = Stock.objects.get_or_create(
        warehouse=warehouse, batch=batch, defaults={"item_id": batch.item_id}
    )
    Stock.objects.filter(pk=stock.pk).update(quantity=F("quantity") + quantity)


def _take(warehouse: Warehouse, batch: Batch, quantity: int) -> None:
    """Take `quantity` units or refuse: one conditional UPDATE, its row count the answer."""
    taken = Stock.objects.filter(warehouse=warehouse, batch=batch, quantity__gte=quantity).update(
        quantity=F("quantity") - quantity
    )
    if taken != 1:
        left = (
            Stock.objects.filter(warehouse=warehouse, batch=batch)
            .values_list("quantity", flat=True)
            .first()
        )
        raise ValidationError(
            {
                "quantity": _("Only %(left)d %(unit)s of %(item)s left in %(warehouse)s.")
                % {
                    "left": left or 0,
                    "unit": batch.item.unit,
                    "item": batch.item.name,
                    "warehouse": warehouse.name,
                }
            }
        )


def _movement(
    *, kind: str, warehouse: Warehouse, batch: Batch, delta: int, by: User | None, **kw: Any
) -> Movement:
    return Movement.objects.create(
        kind=kind,
        warehouse=warehouse,
        item_id=batch.item_id,
        batch=batch,
        delta=delta,
        by=by,
        at=timezone.now(),
        **kw,
    )


def batch_for(*, item: Item, code: str = "", expires_on: dt.date | None = None) -> Batch:
    """The item's batch `code` (made on first receipt); its expiry is set once, when known."""
    batch, created = Batch.objects.get_or_create(
        item=item, code=code, defaults={"expires_on": expires_on}
    )
    if not created and batch.expires_on is None and expires_on is not None:
        Batch.objects.filter(pk=batch.pk, expires_on__isnull=True).update(expires_on=expires_on)
        batch.expires_on = expires_on
    return batch


@transaction.atomic
def stock_receive(
    *,
    actor: User,
    warehouse: Warehouse,
    item: Item,
    quantity: int,
    source: str,
    batch_code: str = "",
    expires_on: dt.date | None = None,
    note: str = "",
) -> Movement:
    """Units come in: an allocation from above, a purchase or a donation."""
    errors: dict[str, str] = {}
    quantity = _check_quantity(quantity, errors)
    if source not in Source.values:
        errors["source"] = _("Say where the goods came from: allocation, purchase or donation.")
    batch_code = (batch_code or "").strip()
    if len(batch_code) > BATCH_MAX:
        errors["batch_code"] = _("Keep the batch under %d characters.") % BATCH_MAX
    if item.tracks_expiry and expires_on is None:
        errors["expires_on"] = _("Give the expiry date printed on the box.")
    if RESERVED_BATCH.match(batch_code):
        errors["batch_code"] = _(
            "Batch codes like CG12-1 and JZ12-1 are given to purchases and donations; "
            "use the code printed on the box."
        )
    note = _check_note(note, errors)
    if errors:
        raise ValidationError(errors)
    require(actor, Capability.MOVE_STOCK, warehouse.place)
    batch = batch_for(item=item, code=batch_code, expires_on=expires_on)
    return receive_batch(
        actor=actor, warehouse=warehouse, batch=batch, quantity=quantity, source=source, note=note
    )


def receive_batch(
    *, actor: User, warehouse: Warehouse, batch: Batch, quantity: int, source: str, note: str = ""
) -> Movement:
    """Units of `batch` come in, inside the caller's transaction (checked by the caller):
    stock_receive, and the donations' own batches (supplies.donations)."""
    _add(warehouse, batch, quantity)
    movement = _movement(
        kind=MovementKind.RECEIVE, warehouse=warehouse, batch=batch, delta=quantity, by=actor,
        source=source, note=note,
    )  # fmt: skip
    audit.record(
        actor=actor, action="supplies.stock.receive", obj=movement, place=warehouse.place,
        changes={"item": batch.item.name, "batch": batch.code, "quantity": quantity,
                 "source": source},
    )  # fmt: skip
    return movement


@transaction.atomic
def stock_issue(
    *,
    actor: User,
    warehouse: Warehouse,
    batch: Batch,
    quantity: int,
    post: Post | None = None,
    household: Place | None = None,
    help_request: HelpRequest | None = None,
    team: str = "",
    note: str = "",
) -> Movement:
    """Units go out to a post, a team, a household or a help request (at least one)."""
    errors: dict[str, str] = {}
    quantity = _check_quantity(quantity, errors)
    team = (team or "").strip()
    if len(team) > 60:
        errors["team"] = _("Keep the team's name under 60 characters.")
    if household is not None and household.kind != PlaceKind.HOUSEHOLD:
        errors["household"] = _("Choose a household (a flat).")
    if help_request is not None and household is None:
        household = help_request.household
    if post is None and household is None and help_request is None and not team:
        errors["recipient"] = _("Say who receives: a post, a team, a household or a request.")
    note = _check_note(note, errors)
    if errors:
        raise ValidationError(errors)
    require(actor, Capability.MOVE_STOCK, warehouse.place)
    _take(warehouse, batch, quantity)
    movement = _movement(
        kind=MovementKind.ISSUE, warehouse=warehouse, batch=batch, delta=-quantity, by=actor,
        post=post, household=household, help_request=help_request, team=team, note=note,
    )  # fmt: skip
    audit.record(
        actor=actor, action="supplies.stock.issue", obj=movement, place=warehouse.place,
        changes={"item": batch.item.name, "batch": batch.code, "quantity": quantity},
    )  # fmt: skip
    return movement


@transaction.atomic
def transfer_send(
    *,
    actor: User,
    source: Warehouse,
    destination: Warehouse,
    batch: Batch,
    quantity: int,
    note: str = "",
) -> Transfer:
    """Units leave one warehouse for another; in transit until received there."""
    errors: dict[str, str] = {}
    quantity = _check_quantity(quantity, errors)
    if destination.pk == source.pk:
        errors["destination"] = _("Choose another warehouse to send to.")
    note = _check_note(note, errors)
    if errors:
        raise ValidationError(errors)
    require(actor, Capability.MOVE_STOCK, source.place)
    _take(source, batch, quantity)
    transfer = Transfer.objects.create(
        source=source, destination=destination, item_id=batch.item_id, batch=batch,
        quantity_sent=quantity, sent_by=actor, sent_at=timezone.now(), note=note,
    )  # fmt: skip
    _movement(
        kind=MovementKind.TRANSFER_OUT, warehouse=source, batch=batch, delta=-quantity, by=actor,
        transfer=transfer,
    )  # fmt: skip
    audit.record(
        actor=actor, action="supplies.transfer.send", obj=transfer, place=source.place,
        changes={"to": destination.name, "item": batch.item.name, "quantity": quantity},
    )  # fmt: skip
    return transfer


@transaction.atomic
def transfer_receive(
    *, actor: User, transfer: Transfer, quantity_received: int, note: str = ""
) -> Transfer:
    """The destination counts what arrived; a count other than sent is the discrepancy."""
    errors: dict[str, str] = {}
    if isinstance(quantity_received, bool) or not isinstance(quantity_received, int):
        errors["quantity_received"] = _("Give the count received as a whole number.")
    elif not 0 <= quantity_received <= MAX_QUANTITY:
        errors["quantity_received"] = _("The count received must be between 0 and %d.") % (
            MAX_QUANTITY
        )
    note = _check_note(note, errors)
    if errors:
        raise ValidationError(errors)
    require(actor, Capability.MOVE_STOCK, transfer.destination.place)
    now = timezone.now()
    done = Transfer.objects.filter(pk=transfer.pk, status=TransferStatus.IN_TRANSIT).update(
        status=TransferStatus.RECEIVED,
        quantity_received=quantity_received,
        received_by=actor,
        received_at=now,
        note=(f"{transfer.note} / {note}" if transfer.note and note else note or transfer.note)[
            :NOTE_MAX
        ],
    )
    if done != 1:
        raise ValidationError({"status": _("This transfer has already been received.")})
    transfer.refresh_from_db()
    if quantity_received:
        _add(transfer.destination, transfer.batch, quantity_received)
        _movement(
            kind=MovementKind.TRANSFER_IN, warehouse=transfer.destination, batch=transfer.batch,
            delta=quantity_received, by=actor, transfer=transfer,
        )  # fmt: skip
    audit.record(
        actor=actor, action="supplies.transfer.receive", obj=transfer,
        place=transfer.destination.place,
        changes={"received": quantity_received, "discrepancy": transfer.discrepancy},
    )  # fmt: skip
    return transfer


@transaction.atomic
def stock_adjust(
    *,
    actor: User,
    warehouse: Warehouse,
    batch: Batch,
    delta: int,
    reason: str,
    note: str,
) -> Movement:
    """A count correction (up or down), damage or expiry (down only), with the reason why."""
    errors: dict[str, str] = {}
    if isinstance(delta, bool) or not isinstance(delta, int) or delta == 0:
        errors["delta"] = _("Give the change as a whole number of units, not 0 (−5 takes 5 out).")
    elif abs(delta) > MAX_QUANTITY:
        errors["delta"] = _("The change must be at most %d units.") % MAX_QUANTITY
    if reason not in AdjustReason.values:
        errors["reason"] = _("Choose a reason: count correction, damaged or expired.")
    elif reason != AdjustReason.COUNT and isinstance(delta, int) and delta > 0:
        errors["delta"] = _("Damaged or expired goods only leave stock: give a negative number.")
    note = _check_note(note, errors, required=True)
    if errors:
        raise ValidationError(errors)
    require(actor, Capability.MOVE_STOCK, warehouse.place)
    if delta > 0:
        _add(warehouse, batch, delta)
    else:
        try:
            _take(warehouse, batch, -delta)
        except ValidationError as exc:
            raise ValidationError({"delta": exc.errors["quantity"]}) from None
    movement = _movement(
        kind=MovementKind.ADJUST, warehouse=warehouse, batch=batch, delta=delta, by=actor,
        reason=reason, note=note,
    )  # fmt: skip
    audit.record(
        actor=actor, action="supplies.stock.adjust", obj=movement, place=warehouse.place,
        changes={"item": batch.item.name, "batch": batch.code, "delta": delta, "reason": reason},
    )  # fmt: skip
    return movement


@transaction.atomic
def warehouse_create(*, actor: User, place: Place, name: str, low_stock: int = 10) -> Warehouse:
    """A warehouse at a city, district or street, or a community's store."""
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name or len(name) > 60:
        errors["name"] = _("Give the warehouse a name of 1 to 60 characters.")
    if place.kind not in (
        PlaceKind.CITY,
        PlaceKind.DISTRICT,
        PlaceKind.STREET,
        PlaceKind.COMMUNITY,
    ):
        errors["place"] = _("A warehouse belongs to a city, district, street or community.")
    if errors:
        raise ValidationError(errors)
    require(actor, Capability.MOVE_STOCK, place)
    if Warehouse.objects.filter(place=place, name=name).exists():
        raise ValidationError({"name": _("This place already has a warehouse of that name.")})
    warehouse = Warehouse.objects.create(place=place, name=name, low_stock=low_stock)
    audit.record(actor=actor, action="supplies.warehouse.create", obj=warehouse, place=place)
    return warehouse
