"""Pages: the mobilization board, a cadre's own page and QR, check-in, needs, staff, orders."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core import import_views, imports
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.exports import xlsx_response, xlsx_table
from shequ.core.qr import qr_svg_response
from shequ.core.roles import Capability
from shequ.core.scopes import agency_scope_for, scope_for
from shequ.mobilization import dispatch, formation, selectors, services
from shequ.mobilization.forms import NeedForm, OrderForm, StaffImportForm
from shequ.mobilization.models import (
    ACTIVE_STATES,
    Batch,
    EnlistmentState,
    Pairing,
    Rank,
    Staff,
    TeamDraft,
    TeamMember,
)
from shequ.places.models import Place, PlaceKind


def _current_order(request: HttpRequest):  # type: ignore[no-untyped-def]
    orders = selectors.orders_for(request.user)
    chosen = request.GET.get("order", "")
    order = orders.filter(pk=chosen).first() if chosen.isdigit() else None
    return order or orders.first(), orders[:20]


def _bars(series: dict[str, int], signups: dict[str, int] | None = None) -> list[dict]:
    """Bars (0–100 high) per hour for report-ins, with sign-ups as a paler bar beside each,
    drawn as inline SVG (works without JS)."""
    signups = signups or {}
    hours = sorted(set(series) | set(signups))[-24:]
    top = max([*series.values(), *signups.values(), 1])
    bars = []
    for i, label in enumerate(hours):
        n, s = series.get(label, 0), signups.get(label, 0)
        h, hs = round(100 * n / top), round(100 * s / top)
        bars.append(
            {
                "label": label,
                "n": n,
                "x": i * 10 + 5,
                "y": 100 - h,
                "h": h,
                "s": s,
                "xs": i * 10 + 1,
                "ys": 100 - hs,
                "hs": hs,
            }
        )
    return bars


def _chart_width(bars: list[dict]) -> int:
    return max(len(bars), 12) * 10


@login_required
def board_page(request: HttpRequest) -> HttpResponse:
    """Need vs. reported, per community (or street, district), and report-ins per hour."""
    order, orders = _current_order(request)
    level = request.GET.get("level", PlaceKind.COMMUNITY)
    if level not in (PlaceKind.COMMUNITY, PlaceKind.STREET, PlaceKind.DISTRICT):
        level = PlaceKind.COMMUNITY
    context = {
        "order": order,
        "orders": orders,
        "level": level,
        "may_issue": not scope_for(request.user, Capability.ISSUE_ORDERS).is_empty,
        "may_check_in": not scope_for(request.user, Capability.CHECK_IN).is_empty,
        "coordinator": not agency_scope_for(request.user, Capability.VIEW_STAFF).is_empty,
    }
    if order is not None:
        result = selectors.board(request.user, order=order, level=level)
        bars = _bars(
            selectors.hour_labels(result.per_hour), selectors.signups_by_hour(request.user, order)
        )
        context.update(board=result, bars=bars, chart_width=_chart_width(bars))
    template = "mobilization/board.html#counts" if request.htmx else "mobilization/board.html"
    return render(request, template, context)


@login_required
def order_new(request: HttpRequest) -> HttpResponse:
    places = Place.objects.filter(
        scope_for(request.user, Capability.ISSUE_ORDERS).q(),
        kind__in=[PlaceKind.CITY, PlaceKind.DISTRICT, PlaceKind.STREET],
    ).order_by("path")[:200]
    if not places:
        raise PermissionDenied(_("Only the HQ or a district may issue orders."))
    form = OrderForm(request.POST or None, places=places)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = services.order_issue(
                actor=request.user,
                title=data["title"],
                scope=Place.objects.get(pk=data["scope"]),
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
    enlistments = list(selectors.my_enlistments(request.user)[:10])
    if request.method == "POST":
        target = next((e for e in enlistments if str(e.pk) == request.POST.get("enlistment")), None)
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
    teammates = Prefetch(
        "team__members",
        queryset=TeamMember.objects.select_related("staff").defer(
            "staff__id_number", "staff__phone"
        ),
    )
    memberships = {
        m.order_id: m.team
        for m in TeamMember.objects.filter(staff__user=request.user)
        .select_related("team", "team__community", "team__leader")
        .prefetch_related(teammates)
    }
    for e in enlistments:
        e.my_team = memberships.get(e.order_id)
        e.teammates = list(e.my_team.members.all()) if e.my_team else []
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
    target = enlistment.community or enlistment.staff.residence_community
    may_check_in = target is not None and scope_for(request.user, Capability.CHECK_IN).covers(
        target
    )
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
            "target": target,
            "may_check_in": may_check_in,
            "active": enlistment.state in ACTIVE_STATES,
            "error": error,
        },
    )


@login_required
def check_in_page(request: HttpRequest) -> HttpResponse:
    """Community staff: find an arriving person by name or phone and confirm them."""
    communities = selectors.check_in_communities(request.user)
    if not communities.exists():
        raise PermissionDenied(_("Your role does not check people in."))
    text = request.GET.get("q", "").strip()[:50]
    scope = scope_for(request.user, Capability.CHECK_IN)
    qs = (
        selectors.enlistments_for(request.user)
        .filter(scope.q("community") | scope.q("staff__residence_community"))
        .filter(order__closed_at__isnull=True)
        .order_by("state", "staff__name")
    )
    if text:
        from shequ.core import pii

        phone = pii.normalize_phone(text)
        if len(phone) == 11:
            qs = qs.filter(staff__phone_hmac=pii.blind_index(phone, kind="phone"))
        else:
            qs = qs.filter(staff__name__icontains=text)
    page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    arrived = qs.filter(state__in=ACTIVE_STATES).count()
    return render(
        request,
        "mobilization/check_in.html",
        {"page": page, "q": text, "arrived": arrived, "states": EnlistmentState},
    )


@login_required
def needs_page(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user, Capability.MANAGE_NEEDS)
    communities = Place.objects.filter(scope.q(), kind=PlaceKind.COMMUNITY).order_by("path")[:500]
    form = NeedForm(request.POST or None, communities=communities)
    if request.method == "POST":
        if not communities:
            raise PermissionDenied(_("You may not declare needs."))
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.need_declare(
                    actor=request.user,
                    community=Place.objects.get(pk=data["community"]),
                    people_per_day=data["people_per_day"],
                    starts_on=data["starts_on"],
                    ends_on=data["ends_on"],
                    skills=data["skills"],
                    note=data["note"],
                )
            except ValidationError as exc:
                exc.apply_to_form(form)
            else:
                messages.success(request, _("Need declared."))
                return redirect("mobilization:needs")
    needs = selectors.needs_for(request.user)
    page = Paginator(needs.order_by("-starts_on", "community__path"), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "mobilization/needs.html",
        {"form": form, "page": page, "may_declare": bool(communities)},
    )


@login_required
def staff_page(request: HttpRequest) -> HttpResponse:
    """An agency coordinator's staff, and putting them under the open order."""
    order, _orders = _current_order(request)
    qs = selectors.staff_for(request.user).order_by("name")
    if request.method == "POST":
        if order is None:
            raise Http404("No order")
        chosen = list(qs.filter(pk__in=_ids(request.POST.getlist("staff"))))
        try:
            made = services.enlist(actor=request.user, order=order, staff=chosen)
        except ValidationError as exc:
            messages.error(request, next(iter(exc.errors.values())))
        else:
            messages.success(request, _("%d signed up for the order.") % len(made))
        return redirect("mobilization:staff")
    enlisted = set()
    if order is not None:
        enlisted = set(
            selectors.enlistments_for(request.user, order=order).values_list("staff_id", flat=True)
        )
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "mobilization/staff.html",
        {
            "page": page,
            "order": order,
            "enlisted": enlisted,
            "may_import": selectors.may_import_staff(request.user),
        },
    )


STAFF_IMPORT = import_views.ImportPage(
    kind="staff",
    title=gettext_lazy("Import staff"),
    intro=gettext_lazy(
        "Upload your agency's staff list as .xlsx or .csv (UTF-8 or GB18030): one row per "
        "person with their name and ID number. Every row is checked first; if any row is wrong "
        "nothing is imported and you get the list of problems. Importing the same file again "
        "changes nothing."
    ),
    upload_url="mobilization:staff_import",
    job_url="mobilization:staff_import_job",
    errors_url="mobilization:staff_import_errors",
    errors_filename="staff-errors",
    back=(gettext_lazy("Staff"), "mobilization:staff"),
)


@login_required
def staff_import(request: HttpRequest) -> HttpResponse:
    """Upload a staff list (.xlsx / .csv); it is checked and imported in the background."""
    selectors.require_staff_importer(request.user)
    form = StaffImportForm(request.POST or None, request.FILES or None)
    return import_views.upload_page(
        request,
        STAFF_IMPORT,
        form,
        job_args=lambda data: {
            "options": {"skip_invalid": data["skip_invalid"], "dry_run": data["dry_run"]}
        },
    )


@login_required
def staff_import_job(request: HttpRequest, job_id: str) -> HttpResponse:
    """Progress while running (htmx polls the partial), then the summary and the bad rows."""
    job = imports.get_import_job_for(request.user, job_id)
    done = [import_views.Link(_("See the staff"), reverse("mobilization:staff"))]
    return import_views.job_page(request, STAFF_IMPORT, job, done=done)


@login_required
def staff_import_errors(request: HttpRequest, job_id: str) -> HttpResponse:
    return import_views.errors_download(request, STAFF_IMPORT, job_id)


@login_required
def reported_export(request: HttpRequest, order_id: int) -> HttpResponse:
    """The reported-in list as Excel (台账)."""
    order = selectors.get_order_for(request.user, order_id)
    enlistments = selectors.enlistments_for(request.user, order=order).filter(
        state__in=[*ACTIVE_STATES, EnlistmentState.RELEASED]
    )
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
        for e in enlistments.iterator(chunk_size=1000)
    )
    content = xlsx_table(_("Reported in"), heads, rows)
    return xlsx_response(content, f"reported-in-{order.pk}.xlsx")


def _staff_map(ids) -> dict[int, Staff]:  # type: ignore[no-untyped-def]
    return {s.pk: s for s in Staff.objects.filter(pk__in=ids).defer("id_number", "phone")}


@login_required
def teams_page(request: HttpRequest) -> HttpResponse:
    """Confirmed teams of an order; forming a new draft from who reported in."""
    order, orders = _current_order(request)
    if order is None:
        raise Http404("No order")
    may_form = scope_for(request.user, Capability.ISSUE_ORDERS).covers(order.scope)
    if request.method == "POST":
        if not may_form:
            raise PermissionDenied(
                _("Only the HQ or the district that issued the order forms teams.")
            )
        try:
            rules = formation.rules_from(
                size=int(request.POST.get("size") or 3),
                leader_rank=request.POST.get("leader_rank") or Rank.CHU,
                agency_mode=request.POST.get("agency_mode") or "any",
                team_count=int(request.POST["team_count"])
                if request.POST.get("team_count")
                else None,
            )
            draft = formation.team_draft_create(actor=request.user, order=order, rules=rules)
        except (ValidationError, ValueError) as exc:
            messages.error(
                request,
                next(iter(exc.errors.values())) if isinstance(exc, ValidationError) else str(exc),
            )
            return redirect(f"{reverse('mobilization:teams')}?order={order.pk}")
        return redirect("mobilization:draft", draft_id=draft.pk)
    teams = (
        selectors.teams_for(request.user, order)
        .select_related("leader", "community")
        .prefetch_related("members__staff")
        .order_by("number")
    )
    page = Paginator(teams, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "mobilization/teams.html",
        {
            "order": order,
            "orders": orders,
            "page": page,
            "may_form": may_form,
            "pool": formation.pool_of(request.user, order).count(),
            "ranks": Rank.choices,
        },
    )


@login_required
def draft_page(request: HttpRequest, draft_id: int) -> HttpResponse:
    """Preview a formation, swap two people, confirm."""
    draft = TeamDraft.objects.select_related("order").filter(pk=draft_id).first()
    if draft is None or not scope_for(request.user, Capability.ISSUE_ORDERS).covers(
        draft.order.scope
    ):
        raise Http404("No such draft")
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "confirm":
                made = formation.team_draft_confirm(actor=request.user, draft=draft)
                messages.success(request, _("%d teams confirmed.") % len(made))
                return redirect(f"{reverse('mobilization:teams')}?order={draft.order_id}")
            formation.team_draft_swap(
                actor=request.user,
                draft=draft,
                first=int(request.POST.get("first") or 0),
                second=int(request.POST.get("second") or 0),
            )
        except ValidationError as exc:
            error = next(iter(exc.errors.values()))
        except ValueError:
            error = _("Choose two people to swap.")
        draft.refresh_from_db()
    ids = {t["leader"] for t in draft.teams} | {m for t in draft.teams for m in t["members"]}
    people = _staff_map(ids)
    places = Place.objects.in_bulk({t["community"] for t in draft.teams if t["community"]})
    year = timezone.localdate().year
    rows = [
        {
            "number": n,
            "community": places.get(t["community"]),
            "people": [
                (people[p], p == t["leader"], year - people[p].birth_year)
                for p in (t["leader"], *t["members"])
            ],
        }
        for n, t in enumerate(draft.teams, 1)
    ]
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "mobilization/draft.html",
        {
            "draft": draft,
            "page": page,
            "error": error,
            "everyone": sorted(people.values(), key=lambda s: s.name),
        },
    )


@login_required
def teams_export(request: HttpRequest, order_id: int) -> HttpResponse:
    """Confirmed teams as Excel: one row per person."""
    order = selectors.get_order_for(request.user, order_id)
    members = (
        TeamMember.objects.filter(team__in=selectors.teams_for(request.user, order))
        .select_related("team", "team__community", "staff", "staff__agency")
        .defer("staff__id_number", "staff__phone")
        .order_by("team__number", "-is_leader", "staff__name")
    )
    header = [
        _("Team"),
        _("Role"),
        _("Name"),
        _("Agency"),
        _("Rank"),
        _("Party member"),
        _("Community"),
    ]
    rows = (
        [
            m.team.number,
            _("Leader") if m.is_leader else _("Member"),
            m.staff.name,
            m.staff.agency.name if m.staff.agency else "",
            m.staff.get_rank_display(),
            _("yes") if m.staff.party_member else "",
            m.team.community.name if m.team.community else "",
        ]
        for m in members.iterator(chunk_size=1000)
    )
    content = xlsx_table(_("Teams"), header, rows)
    return xlsx_response(content, f"teams-{order.pk}.xlsx")


@login_required
def batches_page(request: HttpRequest) -> HttpResponse:
    """Batches (第一批, 第二批…) sent to communities or compounds, rotation, and pairings."""
    order, _orders = _current_order(request)
    if order is None:
        raise Http404("No order")
    manage = scope_for(request.user, Capability.MANAGE_NEEDS)
    on_duty = (
        selectors.enlistments_for(request.user, order=order)
        .filter(state__in=ACTIVE_STATES)
        .filter(manage.q("community"))
        .select_related("staff", "community")
        .defer("staff__id_number", "staff__phone")
        .order_by("community__path", "staff__name")[:300]
    )
    error = ""
    if request.method == "POST":
        people = list(
            Staff.objects.filter(pk__in=_ids(request.POST.getlist("staff"))).filter(
                pk__in=[e.staff_id for e in on_duty]
            )
        )
        try:
            ends_at = parse_datetime_local(request.POST.get("ends_at", ""))
            if request.POST.get("current"):
                current = Batch.objects.filter(
                    pk__in=_ids([request.POST["current"]]), order=order
                ).first()
                if current is None or not manage.covers(current.place):
                    raise Http404("No such batch")
                dispatch.batch_rotate(
                    actor=request.user,
                    current=current,
                    name=request.POST.get("name", ""),
                    staff=people,
                    ends_at=ends_at,
                    handover_note=request.POST.get("handover_note", ""),
                )
            else:
                place = Place.objects.filter(code=request.POST.get("place", "").strip()).first()
                if place is None:
                    raise ValidationError({"place": _("No place with this code.")})
                dispatch.batch_dispatch(
                    actor=request.user,
                    order=order,
                    name=request.POST.get("name", ""),
                    place=place,
                    staff=people,
                    starts_at=parse_datetime_local(request.POST.get("starts_at", ""), "starts_at"),
                    ends_at=ends_at,
                )
        except ValidationError as exc:
            error = next(iter(exc.errors.values()))
        else:
            messages.success(request, _("Batch sent."))
            return redirect(f"{reverse('mobilization:batches')}?order={order.pk}")
    batches = (
        Batch.objects.filter(
            manage.q("place") | scope_for(request.user, Capability.VIEW_MOBILIZATION).q("place"),
            order=order,
        )
        .select_related("place", "previous")
        .prefetch_related("members")
        .order_by("place__path", "starts_at")
    )
    pairings = Pairing.objects.filter(
        scope_for(request.user, Capability.VIEW_MOBILIZATION).q("place")
    ).select_related("agency", "place")
    return render(
        request,
        "mobilization/batches.html",
        {
            "order": order,
            "batches": batches,
            "pairings": pairings,
            "on_duty": on_duty,
            "error": error,
            "post": request.POST,
        },
    )


def parse_datetime_local(text: str, field: str = "ends_at"):  # type: ignore[no-untyped-def]
    """A datetime-local form value (city time), or a ValidationError naming the field."""
    import datetime as dt

    try:
        return timezone.make_aware(dt.datetime.strptime(text, "%Y-%m-%dT%H:%M"))
    except ValueError:
        raise ValidationError(
            {field: _("Give the dates as shown, e.g. 2026-12-01 08:00.")}
        ) from None


def _ids(values: list[str]) -> list[int]:
    """Ids from form values, ignoring anything that is not a number (tampered forms)."""
    return [int(v) for v in values if str(v).isdigit()]


@login_required
def moves_page(request: HttpRequest) -> HttpResponse:
    """Move people on duty from a community with a surplus to one with a gap (audited)."""
    order, _orders = _current_order(request)
    if order is None:
        raise Http404("No order")
    manage = scope_for(request.user, Capability.MANAGE_NEEDS)
    if manage.is_empty:
        raise PermissionDenied(_("You may not move people between communities."))
    source = request.GET.get("from", "")
    communities = Place.objects.filter(manage.q(), kind=PlaceKind.COMMUNITY).order_by("path")
    rows = {r.place.pk: r for r in selectors.board(request.user, order=order).rows}
    people = (
        selectors.enlistments_for(request.user, order=order)
        .filter(state__in=ACTIVE_STATES, community_id=source if source.isdigit() else None)
        .select_related("staff", "community")
        .defer("staff__id_number", "staff__phone")
        .order_by("staff__name")[:300]
    )
    error = ""
    if request.method == "POST":
        chosen = list(
            selectors.enlistments_for(request.user, order=order)
            .filter(pk__in=_ids(request.POST.getlist("enlistment")), state__in=ACTIVE_STATES)
            .select_related("staff", "community")
        )
        target = communities.filter(pk__in=_ids([request.POST.get("to", "")])).first()
        try:
            if target is None:
                raise ValidationError({"to": _("Choose the community that needs them.")})
            if not chosen:
                raise ValidationError({"enlistment": _("Tick who moves.")})
            moved = services.redistribute(
                actor=request.user,
                enlistments=chosen,
                to_community=target,
                note=request.POST.get("note", ""),
            )
        except ValidationError as exc:
            error = next(iter(exc.errors.values()))
        else:
            messages.success(
                request, _("%(n)d moved to %(c)s.") % {"n": len(moved), "c": target.name}
            )
            return redirect(f"{reverse('mobilization:moves')}?order={order.pk}&from={source}")
    return render(
        request,
        "mobilization/moves.html",
        {
            "order": order,
            "communities": [(c, rows.get(c.pk)) for c in communities],
            "source": int(source) if source.isdigit() else None,
            "people": people,
            "error": error,
        },
    )
