"""Pages: duty set-up (posts, rules), the roster grid and its edits, Excel roster."""

from __future__ import annotations

import datetime as dt

import icalendar
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.exports import xlsx_response, xlsx_table
from shequ.core.qr import qr_svg_response
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.duty import attendance, calls, changes, planning, reports, selectors, services
from shequ.duty.forms import CallForm, GenerateForm, PostForm, RequirementForm, RulesForm
from shequ.duty.models import (
    Assignment,
    Attendance,
    AttendanceSource,
    ChangeStatus,
    RosterStatus,
    Shift,
    ShiftRequirement,
)
from shequ.mobilization.models import SKILL_SET, Staff
from shequ.places.models import Place, PlaceKind


def _int(value: str | None, default: int = 0) -> int:
    """A whole number from a form or query string, or `default` for anything else."""
    try:
        number = int(value or "")
    except ValueError:
        return default
    return number if -(2**62) < number < 2**62 else default


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Planners: their communities, recent rosters and a 'make a roster' form."""
    places = selectors.planning_places(request.user)
    rosters = selectors.rosters_for(request.user).exclude(status=RosterStatus.DISCARDED)
    if not places.exists() and not rosters.exists():
        if selectors.my_staff(request.user) is not None:
            return redirect("duty:me")
        raise PermissionDenied(_("Your role has no duty pages."))
    form = GenerateForm(places=places[:500])
    page = Paginator(rosters.order_by("-starts_on", "-created_at"), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    communities = places.filter(kind=PlaceKind.COMMUNITY)[:50]
    return render(
        request,
        "duty/home.html",
        {"form": form, "page": page, "communities": communities, "may_plan": places.exists()},
    )


@login_required
@require_POST
def roster_new(request: HttpRequest) -> HttpResponse:
    """Make a draft roster from the home page's form (planners only)."""
    services.require_plans_somewhere(request.user)
    places = selectors.planning_places(request.user)
    form = GenerateForm(request.POST, places=places[:500])
    if form.is_valid():
        place = places.filter(pk=form.cleaned_data["place"]).first()
        if place is None:
            raise Http404("place")
        try:
            roster = planning.roster_generate(
                actor=request.user,
                place=place,
                starts_on=form.cleaned_data["starts_on"],
                days=form.cleaned_data["days"],
            )
        except ValidationError as exc:
            exc.apply_to_form(form)
        else:
            messages.success(request, _("Draft roster made; check it and publish."))
            return redirect("duty:roster", roster.pk)
    rosters = selectors.rosters_for(request.user).exclude(status=RosterStatus.DISCARDED)
    page = Paginator(rosters.order_by("-starts_on"), settings.PAGE_SIZE).get_page(1)
    return render(
        request,
        "duty/home.html",
        {
            "form": form,
            "page": page,
            "communities": places.filter(kind=PlaceKind.COMMUNITY)[:50],
            "may_plan": True,
        },
        status=400,
    )


@login_required
def posts_page(request: HttpRequest, community_id: int) -> HttpResponse:
    """A community's posts, their shifts and needs, and its duty rules."""
    scope = scope_for(request.user, Capability.VIEW_DUTY)
    community = Place.objects.filter(scope.q(), pk=community_id, kind=PlaceKind.COMMUNITY).first()
    if community is None:
        raise Http404("community")
    may_plan = scope_for(request.user, Capability.PLAN_DUTY).covers(community)
    places = [
        community,
        *Place.objects.filter(path__startswith=community.path, kind=PlaceKind.COMPOUND).order_by(
            "name"
        )[:200],
    ]
    post_form = PostForm(places=places, prefix="post")
    rules = services.rules_for(community)
    rules_form = RulesForm(instance=rules, prefix="rules")
    if request.method == "POST":
        if not may_plan:
            raise PermissionDenied(_("You do not plan duty for %s.") % community.name)
        if "post-name" in request.POST:
            post_form = PostForm(request.POST, places=places, prefix="post")
            if post_form.is_valid():
                data = post_form.cleaned_data
                try:
                    services.post_create(
                        actor=request.user,
                        community=community,
                        place=next(p for p in places if str(p.pk) == data["place"]),
                        name=data["name"],
                        kind=data["kind"],
                        opens=data["opens"],
                        closes=data["closes"],
                        pattern=data["pattern"],
                        people=data["people"],
                    )
                except ValidationError as exc:
                    exc.apply_to_form(post_form)
                else:
                    messages.success(request, _("Post added."))
                    return redirect("duty:posts", community.pk)
        else:
            rules_form = RulesForm(request.POST, instance=rules, prefix="rules")
            if rules_form.is_valid():
                try:
                    services.rules_set(
                        actor=request.user,
                        community=community,
                        **{f: rules_form.cleaned_data[f] for f in RulesForm.Meta.fields},
                    )
                except ValidationError as exc:
                    exc.apply_to_form(rules_form)
                else:
                    messages.success(request, _("Rules saved."))
                    return redirect("duty:posts", community.pk)
    posts = list(selectors.posts_with_counts(community))
    for post in posts:
        for shift in post.shifts.all():
            shift.default = next((r for r in shift.requirements.all() if r.day is None), None)
            if shift.default is not None:
                shift.default.skill_names = SKILL_SET.to_list(shift.default.skills)
    return render(
        request,
        "duty/posts.html",
        {
            "community": community,
            "posts": posts,
            "post_form": post_form,
            "rules_form": rules_form,
            "may_plan": may_plan,
            "pool": len(planning.pool(community)),
        },
    )


@login_required
def requirement_page(request: HttpRequest, shift_id: int) -> HttpResponse:
    shift = (
        Shift.objects.filter(pk=shift_id, post__in=selectors.posts_for(request.user))
        .select_related("post__community")
        .first()
    )
    if shift is None:
        raise Http404("shift")
    current = ShiftRequirement.objects.filter(shift=shift, day__isnull=True).first()
    initial = {
        "min_people": current.min_people if current else 1,
        "max_people": current.max_people if current else 1,
        "party_member": current.party_member if current else False,
        "skills": SKILL_SET.to_list(current.skills) if current else [],
        "rules": current.rules if current else [],
    }
    may_plan = scope_for(request.user, Capability.PLAN_DUTY).covers(shift.post.community)
    if request.method == "POST" and not may_plan:
        raise PermissionDenied(_("You do not plan duty for %s.") % shift.post.community.name)
    form = RequirementForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.requirement_set(actor=request.user, shift=shift, **form.cleaned_data)
        except ValidationError as exc:
            exc.apply_to_form(form)
        else:
            messages.success(request, _("Saved."))
            return redirect("duty:posts", shift.post.community_id)
    return render(
        request, "duty/requirement.html", {"shift": shift, "form": form, "may_plan": may_plan}
    )


@login_required
def roster_page(request: HttpRequest, roster_id: int) -> HttpResponse:
    roster = selectors.get_roster_for(request.user, roster_id)
    grid = selectors.roster_grid(roster, _int(request.GET.get("week")))
    may_plan = scope_for(request.user, Capability.PLAN_DUTY).covers(roster.place)
    explanation = [planning.explanation_text(item) for item in roster.explanation]
    return render(
        request,
        "duty/roster.html",
        {
            "roster": roster,
            "grid": grid,
            "may_plan": may_plan,
            "editable": may_plan and roster.status in (RosterStatus.DRAFT, RosterStatus.PUBLISHED),
            "explanation": explanation,
        },
    )


@login_required
@require_POST
def roster_action(request: HttpRequest, roster_id: int, action: str) -> HttpResponse:
    roster = selectors.get_roster_for(request.user, roster_id)
    try:
        if action == "publish":
            planning.roster_publish(actor=request.user, roster=roster)
            messages.success(request, _("Published; everyone on it sees their shifts."))
        elif action == "replan":
            draft = planning.roster_replan(
                actor=request.user, roster=roster, reason=request.POST.get("reason", "")
            )
            messages.success(
                request, _("Re-plan ready: %d changes. Check and publish.") % (draft.changes)
            )
            return redirect("duty:roster", draft.pk)
        elif action == "discard":
            planning.roster_discard(actor=request.user, roster=roster)
            messages.success(request, _("Draft discarded."))
            return redirect("duty:home")
        else:
            raise Http404("action")
    except ValidationError as exc:
        for message in exc.errors.values():
            messages.error(request, message)
    return redirect("duty:roster", roster.pk)


def _cell_context(request: HttpRequest, roster, shift: Shift, day: dt.date) -> dict:  # type: ignore[no-untyped-def]
    crew = list(
        roster.assignments.filter(shift=shift, day=day, vacated_at__isnull=True)
        .select_related("staff")
        .order_by("-is_leader", "staff__name")
    )
    on = {a.staff_id for a in crew}
    candidates = [s for s in planning.pool(roster.place) if s.pk not in on]
    return {
        "roster": roster,
        "shift": shift,
        "day": day,
        "crew": crew,
        "candidates": candidates,
        "editable": scope_for(request.user, Capability.PLAN_DUTY).covers(roster.place)
        and roster.status in (RosterStatus.DRAFT, RosterStatus.PUBLISHED),
    }


def _cell_args(request: HttpRequest, roster_id: int, shift_id: int, day: str):  # type: ignore[no-untyped-def]
    roster = selectors.get_roster_for(request.user, roster_id)
    shift = (
        Shift.objects.filter(pk=shift_id, post__community__path__startswith=roster.place.path)
        .select_related("post")
        .first()
    )
    try:
        when = dt.date.fromisoformat(day)
    except ValueError as exc:
        raise Http404("day") from exc
    if shift is None or not roster.starts_on <= when <= roster.ends_on:
        raise Http404("cell")
    return roster, shift, when


@login_required
def roster_cell(request: HttpRequest, roster_id: int, shift_id: int, day: str) -> HttpResponse:
    """One cell of the grid: its crew, add a person (checked live) or take one off."""
    roster, shift, when = _cell_args(request, roster_id, shift_id, day)
    problems: list[str] = []
    if request.method == "POST":
        if not scope_for(request.user, Capability.PLAN_DUTY).covers(roster.place):
            raise PermissionDenied(_("You do not plan duty for %s.") % roster.place.name)
        try:
            if "remove" in request.POST:
                assignment = Assignment.objects.filter(
                    roster=roster, pk=_int(request.POST.get("remove"))
                ).first()
                if assignment is None:
                    raise Http404("assignment")
                planning.assignment_remove(actor=request.user, assignment=assignment)
            else:
                staff = Staff.objects.filter(pk=_int(request.POST.get("staff"))).first()
                if staff is None:
                    raise ValidationError({"staff": _("Choose a person.")})
                planning.assignment_add(
                    actor=request.user, roster=roster, shift=shift, day=when, staff=staff
                )
        except ValidationError as exc:
            problems = list(exc.errors.values())
        if not request.htmx and not problems:
            return redirect(reverse("duty:roster", args=[roster.pk]))
    context = _cell_context(request, roster, shift, when)
    context["problems"] = problems
    template = "duty/cell.html" if request.htmx else "duty/cell_page.html"
    return render(request, template, context, status=400 if problems else 200)


@login_required
def roster_check(request: HttpRequest, roster_id: int, shift_id: int, day: str) -> HttpResponse:
    """Live rule check while choosing a person for a cell (htmx)."""
    roster, shift, when = _cell_args(request, roster_id, shift_id, day)
    staff_id = _int(request.GET.get("staff"))
    problems = planning.check_add(roster, shift, when, staff_id) if staff_id else []
    return render(request, "duty/check.html", {"problems": problems, "checked": bool(staff_id)})


@login_required
def roster_export(request: HttpRequest, roster_id: int) -> HttpResponse:
    roster = selectors.get_roster_for(request.user, roster_id)
    days = roster.day_list()
    grid_rows = []
    by_cell: dict[tuple[int, dt.date], list[str]] = {}
    standing = roster.assignments.filter(vacated_at__isnull=True).select_related("staff")
    for a in standing.order_by("-is_leader", "staff__name"):
        name = a.staff.name + ("★" if a.is_leader else "")
        by_cell.setdefault((a.shift_id, a.day), []).append(name)
    shifts = Shift.objects.filter(assignments__roster=roster).select_related("post").distinct()
    for shift in sorted(shifts, key=lambda s: (s.post.name, s.position, s.starts)):
        grid_rows.append(
            [shift.post.name, f"{shift.name} {shift.hours_label()}"]
            + ["、".join(by_cell.get((shift.pk, d), [])) for d in days]
        )
    header = [_("Post"), _("Shift")] + [f"{d:%m-%d}" for d in days]
    filename = f"roster-{roster.place.code}-{roster.starts_on:%Y%m%d}.xlsx"
    return xlsx_response(xlsx_table(_("Roster"), header, grid_rows), filename)


def _my_open(staff: Staff) -> Attendance | None:
    return (
        Attendance.objects.filter(staff=staff, check_out_at__isnull=True)
        .select_related("post")
        .first()
    )


@login_required
def me(request: HttpRequest) -> HttpResponse:
    """A person's own shifts (mobile): the shift now first, with check-in and check-out;
    swap and sick forms; open urgent calls; their calendar link."""
    staff = selectors.my_staff(request.user)
    if staff is None:
        return render(request, "duty/me.html", {"staff": None})
    if request.method == "POST":
        try:
            if "check_in" in request.POST:
                post = (
                    attendance.check_in_posts(request.user)
                    .filter(pk=_int(request.POST.get("check_in")))
                    .first()
                )
                if post is None:
                    raise Http404("post")
                attendance.check_in(actor=request.user, staff=staff, post=post)
                messages.success(request, _("Checked in at %s.") % post.name)
            elif "check_out" in request.POST:
                done = attendance.check_out(actor=request.user, staff=staff)
                messages.success(
                    request, _("Checked out: %s h.") % round((done.minutes or 0) / 60, 1)
                )
            elif "sick" in request.POST or "swap" in request.POST:
                shift = changes.assignment_for(
                    request.user, _int(request.POST.get("sick") or request.POST.get("swap"))
                )
                reason = request.POST.get("reason", "")
                if "sick" in request.POST:
                    changes.sick_report(actor=request.user, assignment=shift, reason=reason)
                    messages.success(request, _("Get well. Your shift leader has been told."))
                else:
                    wanted = _int(request.POST.get("replacement"))
                    other = next(
                        (p for p in planning.pool(shift.roster.place) if p.pk == wanted), None
                    )
                    if other is None:
                        raise ValidationError({"replacement": _("Choose who takes the shift.")})
                    changes.swap_request(
                        actor=request.user, assignment=shift, replacement=other, reason=reason
                    )
                    messages.success(request, _("Swap asked; waiting for approval."))
        except ValidationError as exc:
            for message in exc.errors.values():
                messages.error(request, message)
        return redirect("duty:me")
    shifts = list(selectors.my_assignments(staff)[:50])
    now = timezone.now()
    current = [a for a in shifts if a.starts_at - dt.timedelta(hours=1) <= now]
    later = [a for a in shifts if a.starts_at - dt.timedelta(hours=1) > now]
    mates: list[Staff] = []
    if later:
        mates = [p for p in planning.pool(later[0].roster.place) if p.pk != staff.pk]
    return render(
        request,
        "duty/me.html",
        {
            "staff": staff,
            "current": current,
            "later": later,
            "open": _my_open(staff),
            "calls": calls.open_calls_for(request.user),
            "mates": mates,
            "ical": request.build_absolute_uri(reverse("duty:ical", args=[ical_token(staff)])),
            "pending": changes.changes_for(request.user)
            .filter(requested_by=staff, status=ChangeStatus.PENDING)
            .values_list("assignment_id", flat=True),
        },
    )


def ical_token(staff: Staff) -> str:
    return signing.Signer(salt="duty-ical").sign(str(staff.pk))


def ical_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A person's shifts as an iCalendar feed (the link is the key: calendar apps can't log in)."""
    try:
        staff_id = int(signing.Signer(salt="duty-ical").unsign(token))
    except (signing.BadSignature, ValueError) as exc:
        raise Http404("feed") from exc
    staff = Staff.objects.filter(pk=staff_id).first()
    if staff is None:
        raise Http404("feed")
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Shequ//duty//ZH")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", _("Shifts of %s") % staff.name)
    since = timezone.now() - dt.timedelta(days=14)
    for a in selectors.my_assignments(staff, since=since)[:500]:
        event = icalendar.Event()
        event.add("uid", f"duty-assignment-{a.pk}@shequ")
        event.add("summary", f"{a.shift.post.name} · {a.shift.name}")
        event.add("location", a.shift.post.place.name)
        event.add("dtstart", a.starts_at)
        event.add("dtend", a.ends_at)
        event.add("dtstamp", a.roster.published_at or a.roster.created_at)
        cal.add_component(event)
    response = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="shifts.ics"'
    return response


@login_required
def post_qr(request: HttpRequest, post_id: int) -> HttpResponse:
    """The post's QR code, to print and stick at the post: scanning it checks you in there."""
    post = selectors.get_post_for(request.user, post_id)
    url = request.build_absolute_uri(reverse("duty:scan", args=[post.token]))
    return qr_svg_response(url)


@login_required
def scan(request: HttpRequest, token: str) -> HttpResponse:
    """Where a post's QR leads: check in here (or out, if checked in here)."""
    post = attendance.post_by_token(token)
    if post is None:
        raise Http404("post")
    staff = selectors.my_staff(request.user)
    if request.method == "POST" and staff is not None:
        try:
            if "check_out" in request.POST:
                attendance.check_out(actor=request.user, staff=staff, source=AttendanceSource.QR)
                messages.success(request, _("Checked out."))
            else:
                attendance.check_in(
                    actor=request.user, staff=staff, post=post, source=AttendanceSource.QR
                )
                messages.success(request, _("Checked in at %s.") % post.name)
            return redirect("duty:me")
        except ValidationError as exc:
            for message in exc.errors.values():
                messages.error(request, message)
    return render(
        request,
        "duty/scan.html",
        {"post": post, "staff": staff, "open": _my_open(staff) if staff else None},
    )


@login_required
def changes_page(request: HttpRequest) -> HttpResponse:
    """Swap and sick requests: approve or refuse (shift leaders, planners)."""
    if request.method == "POST":
        change = changes.get_change_for(request.user, _int(request.POST.get("change")))
        try:
            if request.POST.get("decision") == "cancel":
                changes.change_cancel(actor=request.user, change=change)
            else:
                changes.change_decide(
                    actor=request.user,
                    change=change,
                    approve=request.POST.get("decision") == "approve",
                )
            messages.success(request, _("Done."))
        except ValidationError as exc:
            for message in exc.errors.values():
                messages.error(request, message)
        return redirect("duty:changes")
    qs = changes.changes_for(request.user).order_by("-created_at")
    page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "duty/changes.html", {"page": page})


@login_required
def calls_page(request: HttpRequest) -> HttpResponse:
    """Urgent calls: planners post "need N people at X now"; everyone sees the open ones."""
    communities = selectors.planning_places(request.user).filter(kind=PlaceKind.COMMUNITY)
    if request.method == "POST":
        services.require_plans_somewhere(request.user)
    form = CallForm(request.POST if request.method == "POST" else None)
    community_field = request.POST.get("community", "")
    if request.method == "POST":
        community = communities.filter(pk=_int(community_field)).first()
        if community is None:
            form.add_error(None, _("Choose a community you plan duty for."))
        elif form.is_valid():
            try:
                call = calls.call_create(
                    actor=request.user, community=community, **form.cleaned_data
                )
            except ValidationError as exc:
                exc.apply_to_form(form)
            else:
                messages.success(request, _("Call posted; %d people were told.") % call.notified)
                return redirect("duty:call", call.pk)
    qs = calls.calls_for(request.user).order_by("-created_at")
    page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "duty/calls.html",
        {
            "form": form,
            "communities": communities[:200],
            "chosen": community_field,
            "page": page,
            "mine": calls.open_calls_for(request.user),
        },
    )


@login_required
def call_page(request: HttpRequest, call_id: int) -> HttpResponse:
    """One urgent call: answer 我来, or (planners) see who answered and close it."""
    call = calls.get_call_for(request.user, call_id)
    answer = None
    if request.method == "POST":
        try:
            if "close" in request.POST:
                calls.call_close(actor=request.user, call=call)
                messages.success(request, _("Call closed."))
            else:
                answer = calls.call_answer(actor=request.user, call=call)
                call = answer.call
        except ValidationError as exc:
            for message in exc.errors.values():
                messages.error(request, message)
        if answer is None:
            return redirect("duty:call", call.pk)
    staff = selectors.my_staff(request.user)
    mine = call.answers.filter(staff=staff).first() if staff else None
    return render(
        request,
        "duty/call.html",
        {
            "call": call,
            "answer": answer,
            "mine": mine,
            "answers": call.answers.select_related("staff").order_by("answered_at"),
            "may_plan": scope_for(request.user, Capability.PLAN_DUTY).covers(call.community),
        },
    )


@login_required
def hours_page(request: HttpRequest) -> HttpResponse:
    """Person-times and hours per person, team, agency or community, per day."""
    today = timezone.localdate()
    by = request.GET.get("by", "person")
    try:
        day_from = dt.date.fromisoformat(request.GET.get("from", ""))
    except ValueError:
        day_from = today - dt.timedelta(days=6)
    try:
        day_to = dt.date.fromisoformat(request.GET.get("to", ""))
    except ValueError:
        day_to = today
    error = ""
    report = None
    try:
        report = reports.hours_report(
            request.user, by=by, day_from=day_from, day_to=day_to, per_day=False
        )
    except ValidationError as exc:
        error = " ".join(exc.errors.values())
    rows = report.rows if report else []
    page = Paginator(rows, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "duty/hours.html",
        {
            "report": report,
            "page": page,
            "by": by,
            "levels": reports.LEVELS,
            "day_from": day_from,
            "day_to": day_to,
            "error": error,
        },
    )
