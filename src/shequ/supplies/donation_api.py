"""/api/v1/supplies/donations: donors (contacts masked unless the role sees them in full),
the register, one donation, its trace; receive a donation in kind or in cash, record a
purchase paid from one. Donations and donors outside the user's places are 404; a role that
keeps no warehouse is 403; a purchase costing more than is left is 400 naming `total`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from ninja.pagination import paginate

from shequ.core.errors import PermissionDenied
from shequ.core.pagination import Pages
from shequ.core.schemas import errors
from shequ.supplies import donation_reads as reads
from shequ.supplies import donations as services
from shequ.supplies import selectors
from shequ.supplies.donation_schemas import (
    DonationCashIn,
    DonationGoodsIn,
    DonationOut,
    DonationPurchaseIn,
    DonationPurchaseOut,
    DonationTraceOut,
    DonorIn,
    DonorOut,
)
from shequ.supplies.donations import fen_to_yuan
from shequ.supplies.models import Donation, Donor, Purchase

router = Router(tags=["supplies"])


def _seeing(request: HttpRequest) -> None:
    if not selectors.may_see_supplies(request.user):
        raise PermissionDenied(_("Your role sees no warehouse."))


def _keeping(request: HttpRequest) -> None:
    if not selectors.may_move_stock(request.user):
        raise PermissionDenied(_("Only the warehouse's keepers record donations."))


def _date(text: str) -> dt.date | None:
    """An ISO date from a query parameter (YYYY-MM-DD); None when empty or no date."""
    try:
        return dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _donors_out(request: HttpRequest, donors: list[Donor]) -> list[dict[str, Any]]:
    shown = reads.donors_shown(request.user, donors, where="api")
    return [
        {
            "id": d.pk,
            "kind": d.kind,
            "name": d.name,
            "place_id": d.place_id,
            "contact_name": shown[d.pk].contact_name,
            "phone": shown[d.pk].phone,
            "document_number": shown[d.pk].document,
            "masked": not shown[d.pk].full,
        }
        for d in donors
    ]


def _line(ln: Any, price: int | None = None) -> dict[str, Any]:
    return {
        "item_id": ln.item_id, "item": ln.item.name, "unit": ln.item.unit,
        "quantity": ln.quantity, "batch_id": ln.movement.batch_id, "movement_id": ln.movement_id,
        "unit_price": fen_to_yuan(price) if price is not None else None,
    }  # fmt: skip


def _donation_out(d: Donation) -> dict[str, Any]:
    return {
        "id": d.pk, "number": d.number, "kind": d.kind, "donor_id": d.donor_id,
        "donor": d.donor.name, "place_id": d.place_id, "warehouse_id": d.warehouse_id,
        "received_on": d.received_on, "amount": fen_to_yuan(d.amount_fen),
        "spent": fen_to_yuan(d.spent_fen), "remaining": fen_to_yuan(d.remaining_fen),
        "channel": d.channel, "receipt_no": d.receipt_no, "note": d.note,
        "lines": [_line(ln) for ln in d.lines.all()],
    }  # fmt: skip


def _purchase_out(p: Purchase) -> dict[str, Any]:
    return {
        "id": p.pk, "donation_id": p.donation_id, "warehouse_id": p.warehouse_id,
        "supplier": p.supplier, "bought_on": p.bought_on, "invoice_no": p.invoice_no,
        "total": fen_to_yuan(p.total_fen),
        "lines": [_line(ln, ln.unit_price_fen) for ln in p.lines.all()],
    }  # fmt: skip


@router.get("/donors", response={200: list[DonorOut], **errors(403)})
@paginate(Pages, page_size=100)
def list_donors(request: HttpRequest) -> list[dict[str, Any]]:
    """Donors registered at or below your places; contacts as your role may see them."""
    _seeing(request)
    return _donors_out(request, list(reads.donors_for(request.user)[:2000]))


@router.post("/donors", response={201: DonorOut, **errors(403, 404)})
def register_donor(request: HttpRequest, payload: DonorIn) -> Status[dict[str, Any]]:
    """A person or an organisation that gives to one of your places."""
    _keeping(request)
    place = reads.get_donation_place(request.user, payload.place_id)
    donor = services.donor_register(
        actor=request.user, place=place, kind=payload.kind, name=payload.name,
        contact_name=payload.contact_name, phone=payload.phone,
        document_number=payload.document_number,
    )  # fmt: skip
    return Status(201, _donors_out(request, [donor])[0])


@router.get("", response={200: list[DonationOut], **errors(403)})
@paginate(Pages, page_size=100)
def list_donations(
    request: HttpRequest,
    kind: str = "",
    place_id: int | None = None,
    q: str = "",
    since: str = "",
    until: str = "",
) -> list[dict[str, Any]]:
    """The donation register of your places; filters: kind, place, donor or receipt no.,
    `since` and `until` (YYYY-MM-DD)."""
    _seeing(request)
    rows = reads.donations_for(
        request.user,
        reads.DonationFilter(kind, place_id, q[:60], _date(since), _date(until)),
    )
    return [_donation_out(d) for d in rows[:5000]]


@router.get("/{int:donation_id}", response={200: DonationOut, **errors(404)})
def get_donation(request: HttpRequest, donation_id: int) -> dict[str, Any]:
    return _donation_out(reads.get_donation_for(request.user, donation_id))


@router.get(
    "/{int:donation_id}/purchases", response={200: list[DonationPurchaseOut], **errors(404)}
)
def list_purchases(request: HttpRequest, donation_id: int) -> list[dict[str, Any]]:
    """The purchases paid from a cash donation, with their lines."""
    donation = reads.get_donation_for(request.user, donation_id)
    return [_purchase_out(p) for p in reads.purchases_of(donation)]


@router.get("/{int:donation_id}/trace", response={200: DonationTraceOut, **errors(404)})
def get_trace(request: HttpRequest, donation_id: int) -> dict[str, Any]:
    """Money → items → where they went: every issue of the batches received from it."""
    donation = reads.get_donation_for(request.user, donation_id)
    trace = reads.trace(request.user, [donation])
    return {
        "donation_ids": [donation.pk],
        "amount": fen_to_yuan(trace.amount_fen),
        "spent": fen_to_yuan(trace.spent_fen),
        "remaining": fen_to_yuan(trace.remaining_fen),
        "lines": [
            {
                "item_id": line.item.pk,
                "item": line.item.name,
                "batch_id": line.batch.pk,
                "batch": line.batch.code,
                "how": line.how,
                "purchase_id": line.purchase.pk if line.purchase else None,
                "received": line.received,
                "issued": line.issued,
                "issued_elsewhere": line.issued_elsewhere,
                "adjusted": line.adjusted,
                "in_stock": line.in_stock,
                "in_transit": line.in_transit,
                "lost_in_transit": line.lost_in_transit,
                "cost": fen_to_yuan(line.cost_fen),
                "issues": [
                    {
                        "movement_id": m.pk,
                        "warehouse_id": m.warehouse_id,
                        "item_id": m.item_id,
                        "batch_id": m.batch_id,
                        "quantity": -m.delta,
                        "post_id": m.post_id,
                        "household_id": m.household_id,
                        "help_request_id": m.help_request_id,
                        "team": m.team,
                        "at": m.at,
                    }
                    for m in line.issues
                ],
            }
            for line in trace.lines
        ],
    }


@router.post("/goods", response={201: DonationOut, **errors(403, 404)})
def receive_goods(request: HttpRequest, payload: DonationGoodsIn) -> Status[dict[str, Any]]:
    """A donation in kind: each line a receipt (source=donation) into the warehouse."""
    _keeping(request)
    warehouse = reads.get_keeper_warehouse(request.user, payload.warehouse_id)
    donation = services.donation_receive_goods(
        actor=request.user,
        donor=reads.get_donor_choice(request.user, payload.donor_id),
        warehouse=warehouse,
        received_on=payload.received_on,
        lines=[
            services.GoodsLine(selectors.get_item(ln.item_id), ln.quantity, ln.expires_on)
            for ln in payload.lines
        ],
        note=payload.note,
    )
    return Status(201, _donation_out(donation))


@router.post("/cash", response={201: DonationOut, **errors(403, 404)})
def receive_cash(request: HttpRequest, payload: DonationCashIn) -> Status[dict[str, Any]]:
    """A donation in cash: amount in yuan, channel, receipt number."""
    _keeping(request)
    donation = services.donation_receive_cash(
        actor=request.user,
        donor=reads.get_donor_choice(request.user, payload.donor_id),
        place=reads.get_donation_place(request.user, payload.place_id),
        received_on=payload.received_on,
        amount_fen=services.yuan_to_fen(payload.amount) or 0,
        channel=payload.channel,
        receipt_no=payload.receipt_no,
        note=payload.note,
    )
    return Status(201, _donation_out(donation))


@router.post(
    "/{int:donation_id}/purchases", response={201: DonationPurchaseOut, **errors(403, 404)}
)
def buy(
    request: HttpRequest, donation_id: int, payload: DonationPurchaseIn
) -> Status[dict[str, Any]]:
    """A purchase paid from a cash donation; 400 naming `total` if it costs more than is left."""
    donation = reads.get_donation_for(request.user, donation_id)
    _keeping(request)
    purchase = services.donation_purchase(
        actor=request.user,
        donation=donation,
        warehouse=reads.get_purchase_warehouse(request.user, donation, payload.warehouse_id),
        supplier=payload.supplier,
        bought_on=payload.bought_on,
        invoice_no=payload.invoice_no,
        lines=[
            services.BoughtLine(
                selectors.get_item(ln.item_id),
                ln.quantity,
                services.yuan_to_fen(ln.unit_price) or 0,
                ln.expires_on,
            )
            for ln in payload.lines
        ],
    )
    return Status(201, _purchase_out(purchase))
