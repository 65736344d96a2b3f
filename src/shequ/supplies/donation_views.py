"""Pages of donations: the register (filters, pages, Excel), one donation with its trace and
its thank-you receipt (PDF), the trace of the register's cash donations on one page, and the
forms: a donor, a donation in kind, one in cash, a purchase paid from it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from shequ.core.errors import ValidationError
from shequ.core.exports import Sheet, xlsx_response, xlsx_workbook
from shequ.supplies import donation_reads as reads
from shequ.supplies import donations as services
from shequ.supplies import selectors
from shequ.supplies.donation_forms import (
    CashDonationForm,
    DonationPurchaseForm,
    DonorForm,
    GoodsDonationForm,
)
from shequ.supplies.donation_pdf import receipt_pdf
from shequ.supplies.donations import fen_to_yuan
from shequ.supplies.models import DonationKind


def _seeing(request: HttpRequest) -> None:
    if not selectors.may_see_supplies(request.user):
        raise PermissionDenied(_("Your role sees no warehouse."))


def _keeping(request: HttpRequest) -> None:
    if not selectors.may_move_stock(request.user):
        raise PermissionDenied(_("Only the warehouse's keepers record donations."))


def _date(value: str | None) -> dt.date | None:
    try:
        return parse_date(value or "")
    except ValueError:
        return None


def _filters(request: HttpRequest) -> reads.DonationFilter:
    place = request.GET.get("place", "")
    return reads.DonationFilter(
        kind=request.GET.get("kind", ""),
        place=int(place) if place.isdigit() and len(place) < 12 else None,
        q=request.GET.get("q", "")[:60],
        since=_date(request.GET.get("since")),
        until=_date(request.GET.get("until")),
    )


@login_required
def donations_page(request: HttpRequest) -> HttpResponse:
    """The donation register: filter by kind, place, donor or receipt no., dates."""
    _seeing(request)
    filters = _filters(request)
    rows = reads.donations_for(request.user, filters)
    page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "supplies/donation_list.html",
        {
            "page": page,
            "rows": [(d, reads.goods_text(d)) for d in page.object_list],
            "filters": filters,
            "totals": reads.donation_totals(rows),
            "places": reads.register_places(request.user),
            "kinds": DonationKind.choices,
            "keeper": selectors.may_move_stock(request.user),
            "query": request.GET.urlencode(),
        },
    )


EXPORT_HEADER = [
    "受赠日期", "编号", "捐赠方", "类型", "受赠单位", "金额（元）", "已用（元）", "结余（元）",
    "支付方式", "收据号", "物资", "备注",
]  # fmt: skip


@login_required
def donations_export(request: HttpRequest) -> HttpResponse:
    """The register as filtered, to Excel (Chinese headers, a totals line)."""
    _seeing(request)
    rows = reads.donations_for(request.user, _filters(request))
    totals = reads.donation_totals(rows)

    def lines() -> Any:
        for d in rows.iterator(chunk_size=500):
            cash = d.kind == DonationKind.CASH
            yield [
                d.received_on, d.number, d.donor.name, d.get_kind_display(), d.place.name,
                fen_to_yuan(d.amount_fen) if cash else "", fen_to_yuan(d.spent_fen) if cash else "",
                fen_to_yuan(d.remaining_fen) if cash else "",
                d.get_channel_display() if cash else "", d.receipt_no, reads.goods_text(d), d.note,
            ]  # fmt: skip
        yield ["合计", totals["count"], "", "", "", fen_to_yuan(totals["amount_fen"]),
               fen_to_yuan(totals["spent_fen"]),
               fen_to_yuan(totals["amount_fen"] - totals["spent_fen"])]  # fmt: skip

    sheet = Sheet("捐赠登记", EXPORT_HEADER, lines(), widths=[12, 14, 24, 8, 20, 12, 12, 12])
    return xlsx_response(xlsx_workbook(sheet), "donations.xlsx")


@login_required
def donation_page(request: HttpRequest, donation_id: int) -> HttpResponse:
    """One donation: its donor (contact masked unless the role sees it in full), what was
    given, the purchases paid from it, and where every unit went."""
    donation = reads.get_donation_for(request.user, donation_id)
    shown = reads.donors_shown(request.user, [donation.donor], where="donation page")
    return render(
        request,
        "supplies/donation_detail.html",
        {
            "donation": donation,
            "contact": shown[donation.donor.pk],
            "purchases": reads.purchases_of(donation),
            "trace": reads.trace(request.user, [donation]),
            "may_buy": reads.may_buy(request.user, donation),
        },
    )


@login_required
def donations_trace_page(request: HttpRequest) -> HttpResponse:
    """The register's donations as filtered (cash and in kind) traced on one page:
    "5,450 yuan → these items → issued to these posts and households"."""
    _seeing(request)
    filters = _filters(request)
    rows = reads.donations_for(request.user, filters)[:500]
    return render(
        request,
        "supplies/donation_trace.html",
        {"trace": reads.trace(request.user, rows), "filters": filters},
    )


@login_required
def donation_receipt(request: HttpRequest, donation_id: int) -> HttpResponse:
    """The donation's thank-you receipt, A4 PDF in Chinese."""
    donation = reads.get_donation_for(request.user, donation_id)
    response = HttpResponse(receipt_pdf(donation), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{donation.number}.pdf"'
    return response


def _form_page(request: HttpRequest, form: Form, title: str, act: Any) -> HttpResponse:
    if request.method == "POST" and form.is_valid():
        try:
            target = act(dict(form.cleaned_data))
        except ValidationError as exc:
            exc.apply_to_form(form)
        else:
            return target
    return render(request, "supplies/donation_form.html", {"form": form, "title": title})


@login_required
def donor_new_page(request: HttpRequest) -> HttpResponse:
    """Register a donor: a person or an organisation, the contact's details encrypted."""
    _keeping(request)
    form = DonorForm(request.POST or None, places=reads.donation_places(request.user))

    def act(data: dict[str, Any]) -> HttpResponse:
        donor = services.donor_register(actor=request.user, **data)
        messages.success(request, _("Donor %(name)s registered.") % {"name": donor.name})
        return redirect("supplies:donation_goods" if request.GET.get("next") == "goods" else
                        "supplies:donation_cash")  # fmt: skip

    return _form_page(request, form, _("New donor"), act)


@login_required
def donation_goods_page(request: HttpRequest) -> HttpResponse:
    """A donation in kind: each item becomes a receipt into the warehouse."""
    _keeping(request)
    form = GoodsDonationForm(
        request.POST or None,
        donors=reads.donor_choices(request.user),
        warehouses=selectors.stocked_warehouses_for(request.user),
        items=selectors.items(),
    )

    def act(data: dict[str, Any]) -> HttpResponse:
        lines = [services.GoodsLine(**row) for row in form.lines()]
        donation = services.donation_receive_goods(
            actor=request.user, donor=data["donor"], warehouse=data["warehouse"],
            received_on=data["received_on"], lines=lines, note=data["note"],
        )  # fmt: skip
        messages.success(request, _("Donation received into %(w)s.") % {"w": donation.warehouse})
        return redirect("supplies:donation", donation.pk)

    return _form_page(request, form, _("Donation in kind"), act)


@login_required
def donation_cash_page(request: HttpRequest) -> HttpResponse:
    """A donation in cash: the amount, how it was paid, the receipt number."""
    _keeping(request)
    form = CashDonationForm(
        request.POST or None,
        donors=reads.donor_choices(request.user),
        places=reads.donation_places(request.user),
    )

    def act(data: dict[str, Any]) -> HttpResponse:
        fen = services.yuan_to_fen(data["amount"])
        donation = services.donation_receive_cash(
            actor=request.user, donor=data["donor"], place=data["place"],
            received_on=data["received_on"], amount_fen=fen if fen is not None else -1,
            channel=data["channel"], receipt_no=data["receipt_no"], note=data["note"],
        )  # fmt: skip
        messages.success(request, _("Donation of %(yuan)s yuan recorded.") % {
            "yuan": fen_to_yuan(donation.amount_fen)})  # fmt: skip
        return redirect("supplies:donation", donation.pk)

    return _form_page(request, form, _("Donation in cash"), act)


@login_required
def purchase_page(request: HttpRequest, donation_id: int) -> HttpResponse:
    """A purchase paid from a cash donation; refused when it costs more than is left."""
    donation = reads.get_donation_for(request.user, donation_id)
    _keeping(request)
    form = DonationPurchaseForm(
        request.POST or None,
        warehouses=reads.warehouses_under(request.user, donation.place),
        items=selectors.items(),
    )

    def act(data: dict[str, Any]) -> HttpResponse:
        lines = [services.BoughtLine(**row) for row in form.lines()]
        services.donation_purchase(
            actor=request.user, donation=donation, warehouse=data["warehouse"],
            supplier=data["supplier"], bought_on=data["bought_on"], lines=lines,
            invoice_no=data["invoice_no"],
        )  # fmt: skip
        messages.success(request, _("Purchase recorded; the goods are in stock."))
        return redirect("supplies:donation", donation.pk)

    title = _("Purchase from donation %(no)s (%(left)s yuan left)") % {
        "no": donation.number, "left": fen_to_yuan(donation.remaining_fen),
    }  # fmt: skip
    return _form_page(request, form, title, act)
