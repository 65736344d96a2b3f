"""Writes on donations, each one transaction with its audit row: register a donor, receive a
donation in kind (each line a receipt, source=donation, of its own batch), receive one in
cash, spend it on a purchase (each line a receipt, source=purchase, of its own batch).

The cash never overspends: a purchase takes its total from the donation through one
conditional UPDATE (`WHERE spent + total <= amount`), whose row count says whether the money
was there, with a CheckConstraint (`spent <= amount`) behind it; no read-then-write."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit, pii
from shequ.core.access import require
from shequ.core.errors import ValidationError
from shequ.core.roles import Capability
from shequ.places.models import Place, PlaceKind
from shequ.supplies.models import (
    Batch,
    Donation,
    DonationKind,
    DonationLine,
    Donor,
    DonorKind,
    Item,
    PayChannel,
    Purchase,
    PurchaseLine,
    Source,
    Warehouse,
)
from shequ.supplies.services import MAX_QUANTITY, NOTE_MAX, receive_batch

if TYPE_CHECKING:
    from shequ.core.models import User

MAX_FEN = 10**12  # ten billion yuan: more is a typing error
MAX_LINES = 50
DONOR_PLACES = (PlaceKind.CITY, PlaceKind.DISTRICT, PlaceKind.STREET, PlaceKind.COMMUNITY)


@dataclass(frozen=True)
class GoodsLine:
    """One item given in kind: how many, and the expiry printed on the box when it has one."""

    item: Item
    quantity: int
    expires_on: dt.date | None = None


@dataclass(frozen=True)
class BoughtLine:
    """One item bought: how many, at what unit price (fen), its expiry when it has one."""

    item: Item
    quantity: int
    unit_price_fen: int
    expires_on: dt.date | None = None


def yuan_to_fen(value: Any) -> int | None:
    """'5450', '5,450.5' or Decimal('12.34') → fen (545000, 545050, 1234); None when the
    text is no amount or has more than two decimals."""
    try:
        amount = Decimal(str(value).replace(",", "").replace("，", "").strip())
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        return None
    return int(amount * 100)


def fen_to_yuan(fen: int) -> Decimal:
    """545000 → Decimal('5450.00')."""
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def _text(value: str, field: str, limit: int, errors: dict[str, str], *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[field] = _("This is required.")
    elif len(value) > limit:
        errors[field] = _("Keep it under %d characters.") % limit
    return value


def _check_lines(lines: list[Any], errors: dict[str, str], *, priced: bool) -> None:
    if not lines:
        errors["lines"] = _("Add at least one item with its quantity.")
        return
    if len(lines) > MAX_LINES:
        errors["lines"] = _("At most %d items at once.") % MAX_LINES
        return
    for n, line in enumerate(lines, 1):
        q = line.quantity
        if isinstance(q, bool) or not isinstance(q, int) or not 1 <= q <= MAX_QUANTITY:
            errors[f"quantity_{n}"] = _("Give the quantity as a whole number from 1 to %d.") % (
                MAX_QUANTITY
            )
        if line.item.tracks_expiry and line.expires_on is None:
            errors[f"expires_on_{n}"] = _("Give the expiry date printed on the box.")
        if priced:
            p = line.unit_price_fen
            if isinstance(p, bool) or not isinstance(p, int) or not 0 < p <= MAX_FEN:
                errors[f"unit_price_{n}"] = _("Give the unit price in yuan, more than 0.")


def _own_batch(line: GoodsLine | BoughtLine, code: str) -> Batch:
    """A new batch for the line's units alone (its code is reserved: stock_receive refuses
    it), so every movement of it is a movement of these units."""
    if Batch.objects.filter(item=line.item, code=code).exists():
        raise ValidationError(
            {"lines": _("Batch %s exists already; ask the administrator.") % code}
        )
    return Batch.objects.create(item=line.item, code=code, expires_on=line.expires_on)


@transaction.atomic
def donor_register(
    *,
    actor: User,
    place: Place,
    kind: str,
    name: str,
    contact_name: str = "",
    phone: str = "",
    document_number: str = "",
) -> Donor:
    """A person or an organisation that gives to `place`; the contact's name, phone and ID
    number are stored encrypted (with blind indexes for the phone and the number)."""
    errors: dict[str, str] = {}
    if kind not in DonorKind.values:
        errors["kind"] = _("Say whether the donor is a person or an organisation.")
    name = _text(name, "name", 100, errors, required=True)
    contact_name = _text(contact_name, "contact_name", 50, errors, required=False)
    phone = pii.normalize_phone(phone or "")
    if phone and not 5 <= len(phone) <= 15:
        errors["phone"] = _("Give the phone as 5 to 15 digits (a mobile has 11).")
    document_number = pii.normalize_document(document_number or "")
    if len(document_number) > 30:
        errors["document_number"] = _("Keep the ID number under 30 characters.")
    if place.kind not in DONOR_PLACES:
        errors["place"] = _("Donors give to a city, district, street or community.")
    if errors:
        raise ValidationError(errors)
    require(actor, Capability.MOVE_STOCK, place)
    donor = Donor.objects.create(
        place=place, kind=kind, name=name, contact_name=contact_name, phone=phone,
        document_number=document_number, created_by=actor, created_at=timezone.now(),
    )  # fmt: skip
    # The audit row names what was given, never the numbers themselves.
    audit.record(
        actor=actor, action="supplies.donor.register", obj=donor, place=place,
        changes={"name": name, "kind": kind, "phone": bool(phone), "id": bool(document_number)},
    )  # fmt: skip
    return donor


def _check_donation(
    donor: Donor, place: Place, received_on: Any, note: str, errors: dict[str, str]
) -> str:
    if not isinstance(received_on, dt.date):
        errors["received_on"] = _("Give the date the donation was received.")
    elif received_on > timezone.localdate():
        errors["received_on"] = _("The date received cannot be in the future.")
    if not place.path.startswith(donor.place.path) and not donor.place.path.startswith(place.path):
        errors["donor"] = _("Choose a donor registered with this place or above it.")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        errors["note"] = _("Keep the note under %d characters.") % NOTE_MAX
    return note


@transaction.atomic
def donation_receive_goods(
    *,
    actor: User,
    donor: Donor,
    warehouse: Warehouse,
    received_on: dt.date,
    lines: list[GoodsLine],
    note: str = "",
) -> Donation:
    """Goods given in kind: each line becomes a receipt (source=donation) into `warehouse`,
    of a batch of its own (JZ<donation>-<line>), linked to its line."""
    errors: dict[str, str] = {}
    note = _check_donation(donor, warehouse.place, received_on, note, errors)
    _check_lines(lines, errors, priced=False)
    if errors:
        raise ValidationError(errors)
    require(actor, Capability.MOVE_STOCK, warehouse.place)
    donation = Donation.objects.create(
        donor=donor, place=warehouse.place, kind=DonationKind.GOODS, received_on=received_on,
        warehouse=warehouse, note=note, recorded_by=actor, recorded_at=timezone.now(),
    )  # fmt: skip
    for n, line in enumerate(lines, 1):
        moved = receive_batch(
            actor=actor, warehouse=warehouse, batch=_own_batch(line, f"JZ{donation.pk}-{n}"),
            quantity=line.quantity, source=Source.DONATION, note=donor.name[:NOTE_MAX],
        )  # fmt: skip
        DonationLine.objects.create(
            donation=donation, item=line.item, quantity=line.quantity, movement=moved
        )
    audit.record(
        actor=actor, action="supplies.donation.goods", obj=donation, place=warehouse.place,
        changes={
            "donor": donor.name,
            "items": {line.item.name: line.quantity for line in lines},
        },
    )  # fmt: skip
    return donation


@transaction.atomic
def donation_receive_cash(
    *,
    actor: User,
    donor: Donor,
    place: Place,
    received_on: dt.date,
    amount_fen: int,
    channel: str,
    receipt_no: str,
    note: str = "",
) -> Donation:
    """Money given to `place`: the amount (fen), the channel and the receipt's number."""
    errors: dict[str, str] = {}
    note = _check_donation(donor, place, received_on, note, errors)
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen <= 0:
        errors["amount"] = _("Give the amount in yuan, more than 0 (for example 1450.00).")
    elif amount_fen > MAX_FEN:
        errors["amount"] = _("The amount is too large; check the digits.")
    if channel not in PayChannel.values:
        errors["channel"] = _("Choose how it was paid: bank transfer, WeChat, Alipay or cash.")
    receipt_no = _text(receipt_no, "receipt_no", 40, errors, required=True)
    if place.kind not in DONOR_PLACES:
        errors["place"] = _("Donations go to a city, district, street or community.")
    if errors:
        raise ValidationError(errors)
    require(actor, Capability.MOVE_STOCK, place)
    if Donation.objects.filter(place=place, receipt_no=receipt_no).exists():
        raise ValidationError({"receipt_no": _("This receipt number is already recorded here.")})
    donation = Donation.objects.create(
        donor=donor, place=place, kind=DonationKind.CASH, received_on=received_on,
        amount_fen=amount_fen, channel=channel, receipt_no=receipt_no, note=note,
        recorded_by=actor, recorded_at=timezone.now(),
    )  # fmt: skip
    audit.record(
        actor=actor, action="supplies.donation.cash", obj=donation, place=place,
        changes={"donor": donor.name, "amount": str(fen_to_yuan(amount_fen)), "channel": channel,
                 "receipt_no": receipt_no},
    )  # fmt: skip
    return donation


@transaction.atomic
def donation_purchase(
    *,
    actor: User,
    donation: Donation,
    warehouse: Warehouse,
    supplier: str,
    bought_on: dt.date,
    lines: list[BoughtLine],
    invoice_no: str = "",
) -> Purchase:
    """Goods bought with a cash donation. The total (sum of quantity × unit price) comes out
    of what is left of the donation or the purchase is refused naming `total`; each line is a
    receipt (source=purchase) into `warehouse` of a batch of its own (CG<purchase>-<line>)."""
    errors: dict[str, str] = {}
    if donation.kind != DonationKind.CASH:
        errors["donation"] = _("Only a donation in cash pays for purchases.")
    supplier = _text(supplier, "supplier", 100, errors, required=True)
    invoice_no = _text(invoice_no, "invoice_no", 40, errors, required=False)
    if not isinstance(bought_on, dt.date):
        errors["bought_on"] = _("Give the date of the purchase.")
    elif bought_on > timezone.localdate():
        errors["bought_on"] = _("The date of the purchase cannot be in the future.")
    _check_lines(lines, errors, priced=True)
    if not warehouse.place.path.startswith(donation.place.path):
        errors["warehouse"] = _("Choose a warehouse of the place that received the donation.")
    if errors:
        raise ValidationError(errors)
    require(actor, Capability.MOVE_STOCK, donation.place)
    require(actor, Capability.MOVE_STOCK, warehouse.place)
    total = sum(line.quantity * line.unit_price_fen for line in lines)
    # One conditional UPDATE: the money leaves only if it is there (no read-then-write).
    taken = Donation.objects.filter(
        pk=donation.pk, kind=DonationKind.CASH, spent_fen__lte=F("amount_fen") - total
    ).update(spent_fen=F("spent_fen") + total)
    if taken != 1:
        donation.refresh_from_db(fields=["amount_fen", "spent_fen"])
        raise ValidationError(
            {
                "total": _(
                    "The purchase costs %(total)s yuan but only %(left)s yuan of this "
                    "donation is left: buy less or pay it from another donation."
                )
                % {"total": fen_to_yuan(total), "left": fen_to_yuan(donation.remaining_fen)}
            }
        )
    donation.refresh_from_db(fields=["spent_fen"])
    purchase = Purchase.objects.create(
        donation=donation, warehouse=warehouse, supplier=supplier, bought_on=bought_on,
        total_fen=total, invoice_no=invoice_no, recorded_by=actor, recorded_at=timezone.now(),
    )  # fmt: skip
    for n, line in enumerate(lines, 1):
        moved = receive_batch(
            actor=actor, warehouse=warehouse, batch=_own_batch(line, f"CG{purchase.pk}-{n}"),
            quantity=line.quantity, source=Source.PURCHASE, note=supplier[:NOTE_MAX],
        )  # fmt: skip
        PurchaseLine.objects.create(
            purchase=purchase, item=line.item, quantity=line.quantity,
            unit_price_fen=line.unit_price_fen, movement=moved,
        )  # fmt: skip
    audit.record(
        actor=actor, action="supplies.donation.purchase", obj=purchase, place=donation.place,
        changes={"donation": donation.pk, "supplier": supplier, "total": str(fen_to_yuan(total)),
                 "left": str(fen_to_yuan(donation.remaining_fen))},
    )  # fmt: skip
    return purchase
