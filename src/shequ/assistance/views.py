"""Pages of help requests: the queue (with a form for a new one), one request with its
timeline and its buttons, my tasks by building, the figures with a chart; Excel of each list."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from shequ.assistance import exports, figures, selectors, services
from shequ.assistance.forms import OpenForm, PurchaseForm, ReasonForm
from shequ.assistance.models import HelpKind, HelpStatus
from shequ.assistance.poster import help_poster
from shequ.assistance.receipts import read_receipt
from shequ.core.errors import ValidationError
from shequ.core.exports import xlsx_response
from shequ.core.roles import Capability
from shequ.places.models import PlaceKind
from shequ.supplies import help_stock
from shequ.supplies.requisition_forms import HelpIssueForm


def _id(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 12 else None


def _filters(request: HttpRequest) -> selectors.QueueFilter:
    status = request.GET.get("status", "open")
    return selectors.QueueFilter(
        community=_id(request.GET.get("community")),
        grid=_id(request.GET.get("grid")),
        compound=_id(request.GET.get("compound")),
        kind=request.GET.get("kind", ""),
        status=status if status in selectors.STATUS_FILTERS else "open",
    )


@login_required
def queue_page(request: HttpRequest) -> HttpResponse:
    """A community's queue: most urgent first, then oldest; filters by place, kind, status."""
    if not selectors.may_see_help(request.user):
        raise PermissionDenied(_("Your role sees no help requests."))
    filters = _filters(request)
    rows = selectors.queue(request.user, filters)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(exports.requests_xlsx(rows[:10_000]), "help-requests.xlsx")
    page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "assistance/queue.html",
        {
            "page": page,
            "filters": filters,
            "communities": selectors.filter_places(request.user, PlaceKind.COMMUNITY),
            "grids": selectors.filter_places(request.user, PlaceKind.GRID),
            "compounds": selectors.filter_places(request.user, PlaceKind.COMPOUND),
            "kinds": HelpKind.choices,
            "statuses": [
                ("open", pgettext("help requests", "Open")),
                ("overdue", _("Overdue")),
                ("all", _("All")),
                *list(HelpStatus.choices),
            ],
            "now": timezone.now(),
            "query": request.GET.urlencode(),
        },
    )


@login_required
def new_page(request: HttpRequest) -> HttpResponse:
    """Open a request for a household: staff at the hotline or office, a cadre at the door.
    Who needs help is searched (name, flat, code) and picked; without JavaScript the Search
    button shows the matches (keeping what was typed), with htmx they refresh as one types."""
    user = request.user
    if not selectors.may_open_help(user):
        raise PermissionDenied(_("Only community staff and its cadres open help requests."))
    data = request.POST if request.method == "POST" else request.GET
    text = data.get("household", "")[:60]
    picked = data.get("pick", "")[:12]
    matches = selectors.household_matches(user, text)
    if request.htmx and request.method == "GET":
        return render(
            request,
            "assistance/new.html#matches",
            {"matches": matches, "text": text, "picked": picked},
        )
    if request.method == "POST" and request.POST.get("action") == "search":
        form = OpenForm(initial=request.POST.dict())  # what was typed, no errors yet
    else:
        initial = {"channel": request.GET.get("channel", ""), "household": text}
        form = OpenForm(request.POST or None, initial=initial)
    if request.method == "POST" and request.POST.get("action") != "search" and form.is_valid():
        fields = dict(form.cleaned_data)
        code, pick = fields.pop("household"), fields.pop("pick")
        household, resident = selectors.open_target(user, pick)
        if household is None and not pick:
            household = selectors.household_for(user, code)
        if household is None:
            if pick or not matches:
                message = _("No household with this code where you may open help requests.")
            else:
                message = _("Pick who needs help from the list below.")
            form.add_error("household", message)
        else:
            try:
                created = services.help_open(
                    actor=user, household=household, resident=resident, **fields
                )
            except ValidationError as exc:
                exc.apply_to_form(form)
            else:
                messages.success(request, _("Request #%d opened.") % created.pk)
                return redirect("assistance:request", created.pk)
    return render(
        request,
        "assistance/new.html",
        {"form": form, "matches": matches, "text": text, "picked": picked},
    )


STEPS = {
    "claim": services.help_claim,
    "set_off": services.help_set_off,
    "release": services.help_release,
}
NOTED = {"deliver": services.help_deliver, "confirm": services.help_confirm}


def _act(request: HttpRequest, help_request: object, purchase: PurchaseForm) -> str | None:
    """Take the step the button names; a success message, or None if the form shows why."""
    action = request.POST.get("do", "")
    actor = request.user
    note = request.POST.get("reason", "")[:200]
    if action in STEPS:
        STEPS[action](actor=actor, request=help_request)
    elif action in NOTED:
        NOTED[action](actor=actor, request=help_request, note=note)
    elif action == "close":
        services.help_close(actor=actor, request=help_request, reason=note)
    elif action == "cancel":
        services.help_cancel(actor=actor, request=help_request, reason=note)
    elif action == "repaid":
        services.repaid_mark(actor=actor, request=help_request)
    elif action == "ledger":
        services.ledger_mark(
            actor=actor, request=help_request, for_ledger=request.POST.get("on") == "1"
        )
    elif action == "purchase":
        if not purchase.is_valid():
            return None
        services.purchase_record(
            actor=actor,
            request=help_request,
            amount=purchase.cleaned_data["amount"],
            receipt=purchase.cleaned_data["receipt"],
        )
    else:
        raise ValidationError({"do": _("Unknown action.")})
    return _("Saved.")


@login_required
def request_page(request: HttpRequest, request_id: int) -> HttpResponse:
    """One request: what, where, due; its timeline; the buttons the user may press."""
    help_request = selectors.get_request_for(request.user, request_id)
    purchase = PurchaseForm(
        request.POST if request.POST.get("do") == "purchase" else None,
        request.FILES if request.POST.get("do") == "purchase" else None,
    )
    reason = ReasonForm(request.POST or None)
    user = request.user
    may_claim = selectors.may(user, Capability.CLAIM_HELP, help_request)
    may_manage = selectors.may(user, Capability.MANAGE_HELP, help_request)
    if request.method == "POST" and not (may_claim or may_manage):
        raise PermissionDenied(_("Your role sees this request but may not change it."))
    if request.method == "POST":
        try:
            done = _act(request, help_request, purchase)
        except ValidationError as exc:
            if request.POST.get("do") == "purchase":
                exc.apply_to_form(purchase)
            else:
                exc.apply_to_form(reason)
        else:
            if done:
                messages.success(request, done)
                return redirect("assistance:request", help_request.pk)
        help_request = selectors.get_request_for(request.user, request_id)
    return render(
        request,
        "assistance/request.html",
        {
            "r": help_request,
            "events": selectors.timeline(help_request),
            "purchase": purchase,
            "reason": reason,
            "mine": help_request.claimed_by_id == user.pk,
            "may_claim": may_claim,
            "may_manage": may_manage,
            "overdue": help_request.is_overdue(),
            # One tap from stock, for who keeps a store serving the community (supplies).
            "stock_form": HelpIssueForm(stock=help_stock.stock_for_request(user, help_request))
            if help_stock.may_issue_to(user, help_request)
            else None,
        },
    )


@login_required
def receipt_page(request: HttpRequest, request_id: int) -> HttpResponse:
    """The receipt photo, for those who see the request."""
    help_request = selectors.get_request_for(request.user, request_id)
    try:
        data = read_receipt(help_request.pk, help_request.receipt_path)
    except (FileNotFoundError, ValueError):
        raise Http404("No receipt") from None
    response = HttpResponse(data, content_type=help_request.receipt_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def mine_page(request: HttpRequest) -> HttpResponse:
    """My claimed and on-the-way requests, by building: one trip, several doors."""
    groups = selectors.my_tasks(request.user)
    if request.GET.get("format") == "xlsx":
        rows = [r for g in groups for r in g.requests]
        return xlsx_response(exports.requests_xlsx(rows), "my-help-tasks.xlsx")
    return render(
        request,
        "assistance/mine.html",
        {"groups": groups, "may_claim": selectors.may_claim_somewhere(request.user)},
    )


@login_required
def figures_page(request: HttpRequest) -> HttpResponse:
    """Opened, delivered, overdue, median and p90 hours to delivery, by kind, per place."""
    if not selectors.may_see_help(request.user):
        raise PermissionDenied(_("Your role sees no help requests."))
    level = request.GET.get("level", "community")
    level = level if level in figures.LEVELS else "community"
    days = _id(request.GET.get("days")) or 30
    days = min(max(days, 1), 366)
    rows = figures.help_figures(request.user, days=days, level=level)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(exports.figures_xlsx(rows), "help-figures.xlsx")
    return render(
        request,
        "assistance/figures.html",
        {"rows": rows, "level": level, "days": days, "chart": exports.chart(rows)},
    )


@login_required
def poster_pdf(request: HttpRequest, place_id: int) -> HttpResponse:
    """The A4 poster with the QR code of a compound's public help page (community staff)."""
    compound = selectors.poster_compound_for(request.user, place_id)
    url = request.build_absolute_uri(reverse("help:page", args=[compound.code]))
    response = HttpResponse(
        help_poster(compound=compound.name, url=url), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="help-{compound.code}.pdf"'
    return response
