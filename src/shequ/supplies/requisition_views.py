"""Pages of requisitions: the board (by state, totals per item, Excel), a new requisition, one
requisition with the step the user may take; and the one-tap issue to a help request."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shequ.assistance import selectors as help_selectors
from shequ.core.errors import ValidationError
from shequ.core.exports import Sheet, xlsx_response, xlsx_workbook
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.supplies import help_stock, selectors
from shequ.supplies import requisitions as reqs
from shequ.supplies.models import Requisition, RequisitionStatus
from shequ.supplies.requisition_forms import (
    CancelForm,
    CountForm,
    DecideForm,
    HelpIssueForm,
    RequisitionForm,
    ShipForm,
)


def _id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None


def _board_xlsx(rows: Iterable[Requisition], totals: list[reqs.ItemTotal]) -> bytes:
    lines = Sheet(
        _("Requisitions"),
        [
            _("No."),
            _("Asking place"),
            _("From"),
            _("Status"),
            _("Submitted"),
            _("Item"),
            _("Unit"),
            _("Asked"),
            _("Approved"),
            _("Why less"),
            _("Reason"),
        ],
        (
            [
                r.pk,
                r.place.name,
                r.supplier.name,
                r.get_status_display(),
                r.submitted_at or "",
                line.item.name,
                line.item.unit,
                line.quantity_asked,
                line.quantity_approved if line.quantity_approved is not None else "",
                line.approve_note,
                r.reason,
            ]
            for r in rows
            for line in r.lines.all()
        ),
        widths=(8, 16, 16, 10, 18, 14, 6, 8, 8, 20, 30),
    )
    per_item = Sheet(
        _("Totals per item"),
        [_("Item"), _("Unit"), _("Requisitions"), _("Asked"), _("Approved")],
        [[t.item, t.unit, t.requisitions, t.asked, t.approved] for t in totals],
        widths=(16, 6, 12, 10, 10),
    )
    return xlsx_workbook(lines, per_item)


@login_required
def board_page(request: HttpRequest) -> HttpResponse:
    """Requisitions by state: incoming from the places below (with totals per item) and one's
    own; filters by status, direction, place, item; Excel of what is filtered."""
    if not reqs.may_see_requisitions(request.user):
        raise PermissionDenied(_("Your role sees no requisitions."))
    direction = request.GET.get("direction", "")
    filters = reqs.BoardFilter(
        status=request.GET.get("status", ""),
        direction=direction if direction in reqs.DIRECTIONS else "",
        place=_id(request.GET.get("place")),
        item=_id(request.GET.get("item")),
    )
    rows = reqs.board(request.user, filters)
    totals = reqs.item_totals(rows)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(_board_xlsx(rows[:5000], totals), "requisitions.xlsx")
    page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "supplies/requisition_board.html",
        {
            "page": page,
            "filters": filters,
            "totals": totals,
            "statuses": [
                ("open", _("Under way (submitted to shipped)")),
                *RequisitionStatus.choices,
            ],
            "places": reqs.board_places(request.user),
            "items": selectors.items(),
            "may_request": reqs.may_request(request.user),
            "query": request.GET.urlencode(),
        },
    )


@login_required
def new_page(request: HttpRequest) -> HttpResponse:
    """Ask the level above for goods: the place, why, the items and quantities."""
    places = reqs.requesting_places(request.user)
    if not reqs.may_request(request.user):
        raise PermissionDenied(_("Only the staff and keepers of a place ask for its supplies."))
    form = RequisitionForm(request.POST or None, places=places, items=selectors.items())
    if request.method == "POST" and form.is_valid():
        lines = form.lines()
        if not form.errors:
            try:
                made = reqs.requisition_create(
                    actor=request.user, place=form.cleaned_data["place"], lines=lines,
                    reason=form.cleaned_data["reason"], submit=request.POST.get("do") == "submit",
                )  # fmt: skip
            except ValidationError as exc:
                exc.apply_to_form(form)
            else:
                messages.success(request, _("Requisition #%d saved.") % made.pk)
                return redirect("supplies:requisition", made.pk)
    return render(request, "supplies/requisition_new.html", {"form": form})


def _forms(request: HttpRequest, r: Requisition, data: object) -> dict[str, object]:
    user = request.user
    do = request.POST.get("do", "")
    transfers = [t for t in reqs.requisition_transfers(r) if t.status == "in_transit"]
    return {
        "decide": DecideForm(data if do == "decide" else None, lines=list(r.lines.all())),
        "ship": ShipForm(data if do == "ship" else None, sources=reqs.ship_sources(user, r)),
        "count": CountForm(data if do == "receive" else None, transfers=transfers),
        "cancel": CancelForm(data if do == "cancel" else None),
    }


def _act(request: HttpRequest, r: Requisition, forms: dict) -> str | None:
    """Take the step the button names; a success message, or None when a form shows why."""
    user, do = request.user, request.POST.get("do", "")
    if do == "submit":
        reqs.requisition_submit(actor=user, requisition=r)
        return _("Submitted to %s.") % r.supplier.name
    form = forms.get(
        {"decide": "decide", "ship": "ship", "receive": "count", "cancel": "cancel"}.get(do, "")
    )
    if form is None:
        raise ValidationError({"do": _("Unknown action.")})
    if not form.is_valid():
        return None
    try:
        if do == "decide":
            approved, notes = form.decisions()
            reqs.requisition_decide(
                actor=user, requisition=r, approved=approved, notes=notes,
                note=form.cleaned_data["note"],
            )  # fmt: skip
            return _("Decided: %s.") % r.get_status_display()
        if do == "ship":
            reqs.requisition_ship(actor=user, requisition=r, source=form.cleaned_data["source"])
            return _("Shipped from %s.") % r.source.name
        if do == "receive":
            reqs.requisition_receive(
                actor=user, requisition=r, counts=form.counts(), note=form.cleaned_data["note"]
            )
            return _("Received.")
        reqs.requisition_cancel(actor=user, requisition=r, reason=form.cleaned_data["reason"])
        return _("Cancelled.")
    except ValidationError as exc:
        exc.apply_to_form(form)
        return None


@login_required
def requisition_page(request: HttpRequest, requisition_id: int) -> HttpResponse:
    """One requisition: its lines, its steps (who, when), its transfers, the next step."""
    r = reqs.get_requisition_for(request.user, requisition_id)
    forms = _forms(request, r, request.POST or None)
    if request.method == "POST":
        try:
            done = _act(request, r, forms)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.errors.values()))
            return redirect("supplies:requisition", r.pk)
        if done:
            messages.success(request, done)
            return redirect("supplies:requisition", r.pk)
    user = request.user
    return render(
        request,
        "supplies/requisition.html",
        {
            "r": r,
            "transfers": reqs.requisition_transfers(r),
            **forms,
            "may_ask": scope_for(user, Capability.REQUEST_SUPPLIES).covers(r.place),
            "may_decide": scope_for(user, Capability.APPROVE_REQUISITIONS).covers(r.supplier),
            "may_ship": scope_for(user, Capability.MOVE_STOCK).covers(r.supplier),
            "may_receive": scope_for(user, Capability.MOVE_STOCK).covers(r.destination.place),
        },
    )


@login_required
def help_issue_page(request: HttpRequest, request_id: int) -> HttpResponse:
    """Issue from stock to a help request (the form shows on the request's page too)."""
    help_request = help_selectors.get_request_for(request.user, request_id)
    if not help_stock.may_issue_to(request.user, help_request):
        raise PermissionDenied(_("Only the keepers of a store serving this community issue to it."))
    form = HelpIssueForm(
        request.POST or None, stock=help_stock.stock_for_request(request.user, help_request)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            help_stock.help_issue_from_stock(
                actor=request.user, help_request=help_request, stock=data["stock"],
                quantity=data["quantity"], deliver=data["deliver"], note=data["note"],
            )  # fmt: skip
        except ValidationError as exc:
            exc.apply_to_form(form)
        else:
            messages.success(
                request,
                _("Issued %(n)d %(unit)s of %(item)s to request #%(no)d.")
                % {
                    "n": data["quantity"],
                    "unit": data["stock"].item.unit,
                    "item": data["stock"].item.name,
                    "no": help_request.pk,
                },
            )
            return redirect("assistance:request", help_request.pk)
    return render(
        request,
        "supplies/help_issue.html",
        {"r": help_request, "form": form, "issued": help_stock.issued_to(help_request)},
    )
