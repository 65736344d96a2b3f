"""Pages of supplies: stock with filters, one warehouse with its movements, the four movement
forms (each keeps the input and names the wrong field), transfers and receiving one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shequ.core.errors import ValidationError
from shequ.supplies import scanning, selectors, services
from shequ.supplies.forms import (
    AdjustForm,
    IssueForm,
    ReceiveForm,
    TransferForm,
    TransferReceiveForm,
)
from shequ.supplies.models import Category


def _id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None


def _seeing(request: HttpRequest) -> None:
    if not selectors.may_see_supplies(request.user):
        raise PermissionDenied(_("Your role sees no warehouse."))


def _keeping(request: HttpRequest) -> None:
    if not selectors.may_move_stock(request.user):
        raise PermissionDenied(_("Only the warehouse's keepers move its stock."))


@login_required
def stock_page(request: HttpRequest) -> HttpResponse:
    """Stock of the user's warehouses: filter by warehouse, category, name or barcode, low."""
    _seeing(request)
    filters = selectors.StockFilter(
        warehouse=_id(request.GET.get("warehouse")),
        category=request.GET.get("category", ""),
        q=request.GET.get("q", "")[:40],
        low=request.GET.get("low") == "1",
    )
    rows = selectors.stock_for(request.user, filters)
    page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "supplies/stock.html",
        {
            "page": page,
            "filters": filters,
            "warehouses": selectors.warehouses_for(request.user),
            "categories": Category.choices,
            "keeper": selectors.may_move_stock(request.user),
            "incoming": selectors.incoming_for(request.user)[:20],
        },
    )


@login_required
def warehouse_page(request: HttpRequest, warehouse_id: int) -> HttpResponse:
    """One warehouse: its stock and its movements, newest first."""
    warehouse = selectors.get_warehouse_for(request.user, warehouse_id)
    rows = selectors.movements_for(request.user, warehouse)
    page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    stock = selectors.stock_for(request.user, selectors.StockFilter(warehouse=warehouse.pk))
    return render(
        request,
        "supplies/warehouse.html",
        {
            "warehouse": warehouse,
            "page": page,
            "stock": stock[:200],
            "keeper": selectors.keeps(request.user, warehouse),
        },
    )


def scanned(request: HttpRequest) -> scanning.Scanned:
    """The barcode typed in the form's barcode box (supplies/scanning.py)."""
    scan = scanning.scanned(request.GET)
    request.scan = scan  # shown by the movement page
    return scan


def _movement_page(
    request: HttpRequest, form: Form, title: str, act: Callable[[dict[str, Any]], str]
) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            done = act(dict(form.cleaned_data))
        except ValidationError as exc:
            exc.apply_to_form(form)
        else:
            messages.success(request, done)
            return redirect("supplies:stock")
    scan = getattr(request, "scan", None)
    return render(request, "supplies/movement.html", {"form": form, "title": title, "scan": scan})


@login_required
def receive_page(request: HttpRequest) -> HttpResponse:
    """Goods come in: allocation, purchase or donation; a scanned barcode names the item."""
    _keeping(request)
    scan = scanned(request)
    form = ReceiveForm(
        request.POST or None,
        initial={"item": scan.item.pk, "barcode": scan.code} if scan.item else {},
        warehouses=selectors.stocked_warehouses_for(request.user),
        items=selectors.items(),
    )

    def act(data: dict[str, Any]) -> str:
        item = data["item"] or selectors.item_by_barcode(data["barcode"])
        if item is None:
            field = "barcode" if data["barcode"] else "item"
            raise ValidationError({field: _("No item with this barcode; choose the item.")})
        moved = services.stock_receive(
            actor=request.user, warehouse=data["warehouse"], item=item,
            quantity=data["quantity"], source=data["source"], batch_code=data["batch_code"],
            expires_on=data["expires_on"], note=data["note"],
        )  # fmt: skip
        return _("Received %(n)d %(unit)s of %(item)s.") % {
            "n": moved.delta, "unit": item.unit, "item": item.name,
        }  # fmt: skip

    return _movement_page(request, form, _("Receive goods"), act)


@login_required
def issue_page(request: HttpRequest) -> HttpResponse:
    """Goods go out to a household, a help request, a team or a post."""
    _keeping(request)
    stock, chosen = scanning.narrow(selectors.stock_choices(request.user), scanned(request))
    form = IssueForm(
        request.POST or None,
        stock=stock,
        initial={"help_request": _id(request.GET.get("help_request")), **chosen},
    )

    def act(data: dict[str, Any]) -> str:
        stock = data["stock"]
        errors: dict[str, str] = {}
        household = help_request = None
        if data["household"]:
            household = selectors.household_near(stock.warehouse, data["household"])
            if household is None:
                errors["household"] = _("No household with this code this warehouse serves.")
        if data["help_request"]:
            help_request = selectors.request_near(stock.warehouse, data["help_request"])
            if help_request is None:
                errors["help_request"] = _("No help request with this number here.")
        if errors:
            raise ValidationError(errors)
        services.stock_issue(
            actor=request.user, warehouse=stock.warehouse, batch=stock.batch,
            quantity=data["quantity"], household=household, help_request=help_request,
            team=data["team"], note=data["note"],
        )  # fmt: skip
        return _("Issued %(n)d %(unit)s of %(item)s.") % {
            "n": data["quantity"], "unit": stock.item.unit, "item": stock.item.name,
        }  # fmt: skip

    return _movement_page(request, form, _("Issue goods"), act)


@login_required
def transfer_page(request: HttpRequest) -> HttpResponse:
    """Goods leave for another warehouse; in transit until received there."""
    _keeping(request)
    stock, chosen = scanning.narrow(selectors.stock_choices(request.user), scanned(request))
    form = TransferForm(
        request.POST or None,
        stock=stock,
        destinations=selectors.destinations_for(request.user),
        initial=chosen,
    )

    def act(data: dict[str, Any]) -> str:
        stock = data["stock"]
        services.transfer_send(
            actor=request.user, source=stock.warehouse, destination=data["destination"],
            batch=stock.batch, quantity=data["quantity"], note=data["note"],
        )  # fmt: skip
        return _("Sent %(n)d %(unit)s of %(item)s to %(to)s.") % {
            "n": data["quantity"], "unit": stock.item.unit, "item": stock.item.name,
            "to": data["destination"].name,
        }  # fmt: skip

    return _movement_page(request, form, _("Send to another warehouse"), act)


@login_required
def adjust_page(request: HttpRequest) -> HttpResponse:
    """A count correction, damage or expiry, with the reason."""
    _keeping(request)
    stock, chosen = scanning.narrow(selectors.stock_choices(request.user), scanned(request))
    form = AdjustForm(request.POST or None, stock=stock, initial=chosen)

    def act(data: dict[str, Any]) -> str:
        stock = data["stock"]
        services.stock_adjust(
            actor=request.user, warehouse=stock.warehouse, batch=stock.batch,
            delta=data["delta"], reason=data["reason"], note=data["note"],
        )  # fmt: skip
        return _("Stock of %(item)s adjusted.") % {"item": stock.item.name}

    return _movement_page(request, form, _("Adjust stock"), act)


@login_required
def transfers_page(request: HttpRequest) -> HttpResponse:
    """Transfers from and to the user's warehouses, newest first."""
    _seeing(request)
    rows = selectors.transfers_for(request.user)
    page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "supplies/transfers.html", {"page": page})


@login_required
def transfer_receive_page(request: HttpRequest, shipment_id: int) -> HttpResponse:
    """One transfer; its destination's keeper counts what arrived."""
    transfer = selectors.get_transfer_for(request.user, shipment_id)
    form = TransferReceiveForm(
        request.POST or None, initial={"quantity_received": transfer.quantity_sent}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.transfer_receive(actor=request.user, transfer=transfer, **form.cleaned_data)
        except ValidationError as exc:
            exc.apply_to_form(form)
        else:
            messages.success(request, _("Transfer received."))
            return redirect("supplies:transfer_receive", transfer.pk)
    return render(request, "supplies/transfer.html", {"transfer": transfer, "form": form})
