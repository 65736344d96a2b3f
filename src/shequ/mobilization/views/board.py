"""Pages: the mobilization board, issuing an order, a cadre's own page and QR, the report-in
link and check-in, needs, and the reported-in list as Excel."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from shequ.core.charts import Chart, Series
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.exports import xlsx_response, xlsx_table
from shequ.core.qr import qr_svg_response
from shequ.mobilization import board as counts
from shequ.mobilization import selectors, services
from shequ.mobilization.forms import EnlistmentForm, NeedForm, OrderForm
from shequ.mobilization.models import ACTIVE_STATES, EnlistmentState
from shequ.mobilization.views._common import current_order
from shequ.places.models import PlaceKind

BOARD_LEVELS = (PlaceKind.COMMUNITY, PlaceKind.STREET, PlaceKind.DISTRICT)


def _chart(series: dict[str, int], signups: dict[str, int] | None = None) -> Chart | None:
    """Report-ins per hour with sign-ups beside them (the last 24 hours that have any), drawn
    by ECharts (core/charts.py); the numbers stand in a table under it without JavaScript."""
    signups = signups or {}
    hours = sorted(set(series) | set(signups))[-24:]
    if not hours:
        return None
    return Chart(
        "chart-per-hour",
        _("Sign-ups and report-ins per hour"),
        hours,  # "11-28 09:00"
        [
            Series(_("signed up"), [signups.get(h, 0) for h in hours], "green", faint=True),
            Series(_("reported in"), [series.get(h, 0) for h in hours], "green"),
        ],
    )


@login_required
def board_page(request: HttpRequest) -> HttpResponse:
    """Need vs. reported, per community (or street, district), and report-ins per hour."""
    order, orders = current_order(request)
    level = request.GET.get("level", PlaceKind.COMMUNITY)
    if level not in BOARD_LEVELS:
        level = PlaceKind.COMMUNITY
    context = {
        "order": order,
        "orders": orders,
        "level": level,
        "may_issue": selectors.may_issue_orders(request.user),
        "may_check_in": selectors.may_check_in_somewhere(request.user),
        "coordinator": selectors.is_coordinator(request.user),
    }
    if order is not None:
        result = counts.board(request.user, order=order, level=level)
        chart = _chart(
            counts.hour_labels(result.per_hour), counts.signups_by_hour(request.user, order)
        )
        context.update(board=result, chart=chart)
    template = "mobilization/board.html#counts" if request.htmx else "mobilization/board.html"
    return render(request, template, context)


@login_required
def order_new(request: HttpRequest) -> HttpResponse:
    places = selectors.order_scopes(request.user)
    if not places:
        raise PermissionDenied(_("Only the HQ or a district may issue orders."))
    form = OrderForm(request.POST or None, places=places)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = services.order_issue(
                actor=request.user,
                title=data["title"],
                scope=data["scope"],
                deadline=data["deadline"],
                message=data["message"],
            )
        except ValidationError as exc:
            exc.apply_to_form(form)
        else:
            messages.success(request, _("Order issued."))
            return redirect(f"{reverse('mobilization:board')}?order={order.pk}")
    return render(request, "mobilization/order_form.html", {"form": form})


@login_required
def me(request: HttpRequest) -> HttpResponse:
    """A cadre's or volunteer's own page: orders, community, the QR to show at arrival."""
    enlistments = selectors.my_duty(request.user)
    if request.method == "POST":
        answered = EnlistmentForm(request.POST)
        wanted = answered.cleaned_data["enlistment"] if answered.is_valid() else None
        target = next((e for e in enlistments if e.pk == wanted), None)
        if target is None:
            raise Http404("No such enlistment")
        try:
            services.sign_up(actor=request.user, enlistment=target)
        except ValidationError as exc:
            messages.error(request, next(iter(exc.errors.values())))
        else:
            messages.success(request, _("You signed up. Show your QR code when you arrive."))
        return redirect("mobilization:me")
    staff = getattr(request.user, "staff", None)
    return render(request, "mobilization/me.html", {"enlistments": enlistments, "staff": staff})


@login_required
def qr_svg(request: HttpRequest, token: str) -> HttpResponse:
    enlistment = selectors.enlistment_by_token(request.user, token)
    url = request.build_absolute_uri(reverse("mobilization:report_in", args=[enlistment.token]))
    return qr_svg_response(url, scale=6)


@login_required
def report_in_page(request: HttpRequest, token: str) -> HttpResponse:
    """Where the QR code leads: the owner sees their code; community staff confirm arrival."""
    enlistment = selectors.enlistment_by_token(request.user, token)
    may_check_in = selectors.may_check_in(request.user, enlistment)
    error = ""
    if request.method == "POST":
        if not may_check_in:
            raise PermissionDenied(_("You may not check people in here."))
        try:
            services.report_in(actor=request.user, enlistment=enlistment)
        except ValidationError as exc:
            error = next(iter(exc.errors.values()))
        else:
            messages.success(request, _("%s reported in.") % enlistment.staff.name)
            target_url = request.POST.get("next") or ""
            if not url_has_allowed_host_and_scheme(target_url, {request.get_host()}):
                target_url = request.path
            return redirect(target_url)
    return render(
        request,
        "mobilization/report_in.html",
        {
            "enlistment": enlistment,
            "target": selectors.check_in_target(enlistment),
            "may_check_in": may_check_in,
            "active": enlistment.state in ACTIVE_STATES,
            "error": error,
        },
    )


@login_required
def check_in_page(request: HttpRequest) -> HttpResponse:
    """Community staff: find an arriving person by name or phone and confirm them."""
    if not selectors.checks_in_people(request.user):
        raise PermissionDenied(_("Your role does not check people in."))
    text = request.GET.get("q", "").strip()[:50]
    found, arrived = selectors.arrivals(request.user, text)
    page = Paginator(found, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "mobilization/check_in.html",
        {"page": page, "q": text, "arrived": arrived, "states": EnlistmentState},
    )


@login_required
def needs_page(request: HttpRequest) -> HttpResponse:
    communities = list(selectors.managed_communities(request.user)[:500])
    form = NeedForm(request.POST or None, communities=communities)
    if request.method == "POST":
        if not communities:
            raise PermissionDenied(_("You may not declare needs."))
        if form.is_valid():
            try:
                services.need_declare(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                exc.apply_to_form(form)
            else:
                messages.success(request, _("Need declared."))
                return redirect("mobilization:needs")
    page = Paginator(selectors.needs_listed(request.user), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "mobilization/needs.html",
        {"form": form, "page": page, "may_declare": bool(communities)},
    )


@login_required
def reported_export(request: HttpRequest, order_id: int) -> HttpResponse:
    """The reported-in list as Excel (台账)."""
    order = selectors.get_order_for(request.user, order_id)
    heads = [_("Name"), _("Agency"), _("Rank"), _("Community"), _("State"), _("Reported at")]
    rows = (
        [
            e.staff.name,
            e.staff.agency.name if e.staff.agency else _("Volunteer"),
            e.staff.get_rank_display(),
            e.community.name if e.community else "",
            e.get_state_display(),
            e.reported_at,
        ]
        for e in selectors.reported(request.user, order).iterator(chunk_size=1000)
    )
    content = xlsx_table(_("Reported in"), heads, rows)
    return xlsx_response(content, f"reported-in-{order.pk}.xlsx")
