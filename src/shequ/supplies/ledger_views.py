"""Pages of the ledger (台账) and its Excel file, the stock-take sheet, and the barcode
lookup the movement forms' scanner uses."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from shequ.core.errors import ValidationError
from shequ.core.exports import xlsx_response
from shequ.supplies import ledger as ledgers
from shequ.supplies import selectors, stocktake
from shequ.supplies.ledger_forms import LedgerForm, StocktakeForm, ledger_defaults, read_counts


def _ledger_form(request: HttpRequest) -> LedgerForm:
    if not selectors.may_see_supplies(request.user):
        raise PermissionDenied(_("Your role sees no warehouse."))
    warehouses = selectors.warehouses_for(request.user)
    if "warehouse" in request.GET:
        # A link naming only the warehouse (`ledger.xlsx?warehouse=7`) means this month so far.
        data = {**ledger_defaults(), **request.GET.dict()}
        return LedgerForm(data, warehouses=warehouses)
    first = ledgers.first_warehouse(warehouses)
    initial = {**ledger_defaults(), "warehouse": first.pk if first else None}
    return LedgerForm(initial=initial, warehouses=warehouses, data=initial)


@login_required
def ledger_page(request: HttpRequest) -> HttpResponse:
    """One warehouse's ledger over a period: opening, movements by kind, closing."""
    form = _ledger_form(request)
    book = page = None
    if form.is_valid():
        data = form.cleaned_data
        book = ledgers.ledger(data["warehouse"], data["start"], data["end"])
        page = Paginator(book.lines, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "supplies/ledger.html",
        {"form": form, "book": book, "page": page, "query": request.GET.urlencode()},
    )


@login_required
def ledger_xlsx(request: HttpRequest) -> HttpResponse:
    """The same ledger as a workbook: a sheet per category, each with its totals row."""
    form = _ledger_form(request)
    if not form.is_valid():
        return redirect(f"{reverse('supplies:ledger')}?{request.GET.urlencode()}")
    data = form.cleaned_data
    book = ledgers.ledger(data["warehouse"], data["start"], data["end"])
    name = f"ledger-{data['warehouse'].pk}-{data['start']:%Y%m%d}-{data['end']:%Y%m%d}.xlsx"
    return xlsx_response(ledgers.ledger_xlsx(book), name)


@login_required
def stocktake_page(request: HttpRequest, warehouse_id: int) -> HttpResponse:
    """The stock-take sheet: count each batch; differences become count corrections."""
    warehouse = selectors.get_warehouse_for(request.user, warehouse_id)
    if not stocktake.keeps(request.user, warehouse):
        raise PermissionDenied(_("Only the warehouse's keepers move its stock."))
    rows = stocktake.sheet(warehouse)
    form = StocktakeForm(request.POST or None)
    changed: list[int] = []
    typed = request.POST if request.method == "POST" else {}
    if request.method == "POST" and form.is_valid():
        counts, wrong = read_counts(request.POST, [s.pk for s in rows])
        try:
            if wrong:
                changed = wrong
                raise ValidationError({"__all__": _("Give each count as a whole number ≥ 0.")})
            done = stocktake.stocktake_apply(
                actor=request.user, warehouse=warehouse, counts=counts,
                note=form.cleaned_data["note"],
            )  # fmt: skip
        except stocktake.StockChanged as exc:
            changed = exc.changed
            exc.apply_to_form(form)
            typed = {}  # the book quantities moved: show the sheet afresh
            rows = stocktake.sheet(warehouse)
        except ValidationError as exc:
            exc.apply_to_form(form)
        else:
            messages.success(
                request,
                _("Stock-take saved: %(n)d lines adjusted.") % {"n": len(done)},
            )
            return redirect("supplies:warehouse", warehouse.pk)
    lines = [
        {"stock": s, "typed": typed.get(f"count_{s.pk}", ""), "changed": s.pk in changed}
        for s in rows
    ]
    return render(
        request,
        "supplies/ledger_stocktake.html",
        {"warehouse": warehouse, "lines": lines, "form": form},
    )


@login_required
def barcode_lookup(request: HttpRequest) -> JsonResponse:
    """The item a scanned barcode names: {"id", "name", "unit"} or 404 {"error"}."""
    if not selectors.may_see_supplies(request.user):
        raise PermissionDenied(_("Your role sees no warehouse."))
    item = selectors.item_by_barcode(request.GET.get("code", "")[:40])
    if item is None:
        return JsonResponse({"error": _("No item with this barcode.")}, status=404)
    return JsonResponse({"id": item.pk, "name": item.name, "unit": item.unit})
