"""/api/v1/supplies/requisitions: the board (list, totals per item), one requisition, and its
steps (create, submit, decide, ship, receive, cancel); /api/v1/supplies/help-requests/{id}/issue:
a help request fulfilled from stock. A requisition outside the user's places is 404; a step the
role may not take there is 403; a refused step is 400 naming the field (`status`, `quantity`…)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from shequ.assistance import selectors as help_selectors
from shequ.core.errors import PermissionDenied
from shequ.core.pagination import Pages
from shequ.core.schemas import errors
from shequ.supplies import help_stock, selectors
from shequ.supplies import requisitions as reqs
from shequ.supplies.models import Movement, Requisition, RequisitionStatus
from shequ.supplies.schemas import MovementOut

router = Router(tags=["supplies"])
help_router = Router(tags=["supplies"])

Id = Annotated[int, Field(ge=1, le=2**63 - 1)]


class RequisitionLineOut(Schema):
    id: int
    item_id: int
    item: str = Field(..., alias="item.name")
    unit: str = Field(..., alias="item.unit")
    quantity_asked: int
    quantity_approved: int | None
    approve_note: str


class RequisitionOut(Schema):
    id: int
    place_id: int
    place: str = Field(..., alias="place.name")
    supplier_id: int
    supplier: str = Field(..., alias="supplier.name")
    destination_id: int
    source_id: int | None
    status: RequisitionStatus
    reason: str
    decision_note: str
    lines: list[RequisitionLineOut]
    created_by_id: int | None
    created_at: dt.datetime
    submitted_by_id: int | None
    submitted_at: dt.datetime | None
    decided_by_id: int | None
    decided_at: dt.datetime | None
    shipped_by_id: int | None
    shipped_at: dt.datetime | None
    received_by_id: int | None
    received_at: dt.datetime | None
    cancelled_by_id: int | None
    cancelled_at: dt.datetime | None

    @staticmethod
    def resolve_lines(obj: Requisition) -> list:
        return list(obj.lines.all())


class RequisitionItemTotalOut(Schema):
    item: str
    unit: str
    requisitions: int
    asked: int
    approved: int


class RequisitionLineIn(Schema):
    item_id: Id
    quantity: int


class RequisitionIn(Schema):
    place_id: Id
    lines: list[RequisitionLineIn] = Field(..., max_length=50)
    reason: str = Field("", max_length=200)
    # Send it at once (submitted) rather than keep a draft.
    submit: bool = False


class RequisitionLineDecisionIn(Schema):
    line_id: Id
    approved: int
    why: str = Field("", max_length=200)


class RequisitionDecideIn(Schema):
    # Lines not named are approved as asked.
    lines: list[RequisitionLineDecisionIn] = Field([], max_length=50)
    note: str = Field("", max_length=200)


class RequisitionShipIn(Schema):
    # The supplier's warehouse to ship from (its first when not given).
    source_id: Id | None = None


class RequisitionCountIn(Schema):
    transfer_id: Id
    count: int


class RequisitionReceiveIn(Schema):
    # Counts by transfer; a transfer not named is received as sent.
    counts: list[RequisitionCountIn] = Field([], max_length=200)
    note: str = Field("", max_length=200)


class RequisitionCancelIn(Schema):
    reason: str = Field("", max_length=200)


class HelpStockIssueIn(Schema):
    stock_id: Id
    quantity: int
    # Mark the request delivered by you (claimed first if new).
    deliver: bool = False
    note: str = Field("", max_length=200)


def _seeing(request: HttpRequest) -> None:
    if not reqs.may_see_requisitions(request.user):
        raise PermissionDenied(_("Your role sees no requisitions."))


def _filters(
    status: str, direction: str, place_id: int | None, item_id: int | None
) -> reqs.BoardFilter:
    return reqs.BoardFilter(
        status=status[:12],
        direction=direction if direction in reqs.DIRECTIONS else "",
        place=place_id,
        item=item_id,
    )


@router.get("", response={200: list[RequisitionOut], **errors(403)})
@paginate(Pages, page_size=50)
def list_requisitions(
    request: HttpRequest,
    status: str = "",
    direction: str = "",
    place_id: int | None = None,
    item_id: int | None = None,
) -> QuerySet[Requisition]:
    """The board: `status` (one, or `open`), `direction` (`incoming` from the places below,
    `outgoing` ours), a place (and below), an item."""
    _seeing(request)
    return reqs.board(request.user, _filters(status, direction, place_id, item_id))


@router.get("/totals", response={200: list[RequisitionItemTotalOut], **errors(403, 404)})
def requisition_totals(
    request: HttpRequest,
    status: str = "",
    direction: str = "",
    place_id: int | None = None,
    item_id: int | None = None,
) -> list[reqs.ItemTotal]:
    """Per item, what the filtered requisitions ask for and what was approved."""
    _seeing(request)
    return reqs.item_totals(
        reqs.board(request.user, _filters(status, direction, place_id, item_id))
    )


@router.get("/{int:requisition_id}", response={200: RequisitionOut, **errors(404)})
def get_requisition(request: HttpRequest, requisition_id: int) -> Requisition:
    return reqs.get_requisition_for(request.user, requisition_id)


@router.post("", response={201: RequisitionOut, **errors(403, 404)})
def create_requisition(request: HttpRequest, payload: RequisitionIn) -> Status[Requisition]:
    """Ask the level above: a draft, or submitted at once."""
    place = reqs.get_requesting_place(request.user, payload.place_id)
    lines = [(selectors.get_item(line.item_id), line.quantity) for line in payload.lines]
    made = reqs.requisition_create(
        actor=request.user, place=place, lines=lines, reason=payload.reason, submit=payload.submit
    )
    return Status(201, reqs.get_requisition_for(request.user, made.pk))


def _fresh(request: HttpRequest, r: Requisition) -> Requisition:
    return reqs.get_requisition_for(request.user, r.pk)


@router.post("/{int:requisition_id}/submit", response={200: RequisitionOut, **errors(403, 404)})
def submit_requisition(request: HttpRequest, requisition_id: int) -> Requisition:
    r = reqs.get_requisition_for(request.user, requisition_id)
    return _fresh(request, reqs.requisition_submit(actor=request.user, requisition=r))


@router.post("/{int:requisition_id}/decide", response={200: RequisitionOut, **errors(403, 404)})
def decide_requisition(
    request: HttpRequest, requisition_id: int, payload: RequisitionDecideIn
) -> Requisition:
    """Approve per line (≤ asked; `why` when less); none approved rejects (`note` says why)."""
    r = reqs.get_requisition_for(request.user, requisition_id)
    done = reqs.requisition_decide(
        actor=request.user, requisition=r,
        approved={line.line_id: line.approved for line in payload.lines},
        notes={line.line_id: line.why for line in payload.lines}, note=payload.note,
    )  # fmt: skip
    return _fresh(request, done)


@router.post("/{int:requisition_id}/ship", response={200: RequisitionOut, **errors(403, 404)})
def ship_requisition(
    request: HttpRequest, requisition_id: int, payload: RequisitionShipIn
) -> Requisition:
    """Issue and ship what was approved; all or nothing (400 naming `quantity` if short)."""
    r = reqs.get_requisition_for(request.user, requisition_id)
    source = None
    if payload.source_id:
        source = selectors.get_warehouse_for(request.user, payload.source_id)
    done = reqs.requisition_ship(actor=request.user, requisition=r, source=source)
    return _fresh(request, done)


@router.post("/{int:requisition_id}/receive", response={200: RequisitionOut, **errors(403, 404)})
def receive_requisition(
    request: HttpRequest, requisition_id: int, payload: RequisitionReceiveIn
) -> Requisition:
    """Count the shipment in; a different count is kept as the transfer's discrepancy."""
    r = reqs.get_requisition_for(request.user, requisition_id)
    done = reqs.requisition_receive(
        actor=request.user, requisition=r,
        counts={c.transfer_id: c.count for c in payload.counts}, note=payload.note,
    )  # fmt: skip
    return _fresh(request, done)


@router.post("/{int:requisition_id}/cancel", response={200: RequisitionOut, **errors(403, 404)})
def cancel_requisition(
    request: HttpRequest, requisition_id: int, payload: RequisitionCancelIn
) -> Requisition:
    r = reqs.get_requisition_for(request.user, requisition_id)
    done = reqs.requisition_cancel(actor=request.user, requisition=r, reason=payload.reason)
    return _fresh(request, done)


@help_router.post("/{int:request_id}/issue", response={201: MovementOut, **errors(403, 404)})
def issue_to_help_request(
    request: HttpRequest, request_id: int, payload: HelpStockIssueIn
) -> Status[Movement]:
    """Issue from stock to a help request, in one tap; `deliver` marks it delivered."""
    help_request = help_selectors.get_request_for(request.user, request_id)
    if not help_stock.may_issue_to(request.user, help_request):
        raise PermissionDenied(_("Only the keepers of a store serving this community issue to it."))
    stock = help_stock.get_stock_for_request(request.user, help_request, payload.stock_id)
    moved = help_stock.help_issue_from_stock(
        actor=request.user, help_request=help_request, stock=stock,
        quantity=payload.quantity, deliver=payload.deliver, note=payload.note,
    )  # fmt: skip
    return Status(201, moved)
