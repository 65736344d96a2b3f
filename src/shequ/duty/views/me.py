"""Pages of the person on duty: their shifts with check-in and check-out, swap and sick
forms, their calendar feed, and a post's QR code and where scanning it leads."""

from __future__ import annotations

import datetime as dt

import icalendar
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.errors import ValidationError
from shequ.core.qr import qr_svg_response
from shequ.duty import attendance, calls, changes, planning, selectors
from shequ.duty.forms import CheckInForm, ShiftAskForm
from shequ.duty.models import AttendanceSource
from shequ.mobilization.models import Staff


@login_required
def me(request: HttpRequest) -> HttpResponse:
    """A person's own shifts (mobile): the shift now first, with check-in and check-out;
    swap and sick forms; open urgent calls; their calendar link."""
    staff = selectors.my_staff(request.user)
    if staff is None:
        return render(request, "duty/me.html", {"staff": None})
    if request.method == "POST":
        if "check_in" in request.POST:
            return _check_in(request, staff)
        if "check_out" in request.POST:
            try:
                done = attendance.check_out(actor=request.user, staff=staff)
                messages.success(
                    request, _("Checked out: %s h.") % round((done.minutes or 0) / 60, 1)
                )
            except ValidationError as exc:
                for message in exc.errors.values():
                    messages.error(request, message)
        elif "sick" in request.POST or "swap" in request.POST:
            return _ask(request, staff)
        return redirect("duty:me")
    return _my_shifts(request, staff)


def _check_in(request: HttpRequest, staff: Staff) -> HttpResponse:
    form = CheckInForm(request.POST)
    if not form.is_valid():
        raise Http404("No such post")  # a malformed id answers as an unknown one
    post = attendance.get_check_in_post_for(request.user, form.cleaned_data["check_in"])
    try:
        attendance.check_in(actor=request.user, staff=staff, post=post)
        messages.success(request, _("Checked in at %s.") % post.name)
    except ValidationError as exc:
        for message in exc.errors.values():
            messages.error(request, message)
    return redirect("duty:me")


def _ask(request: HttpRequest, staff: Staff) -> HttpResponse:
    """Ask to swap a coming shift or report sick for it; a refusal is shown in its row."""
    form = ShiftAskForm(request.POST)
    form.is_valid()
    shift_id = form.cleaned_data.get("swap") or form.cleaned_data.get("sick")
    if shift_id is None:
        raise Http404("No such shift")  # a missing or malformed id answers as an unknown one
    shift = changes.assignment_for(request.user, shift_id)
    if form.is_valid():
        reason = form.cleaned_data["reason"]
        try:
            if form.cleaned_data["sick"] is not None:
                changes.sick_report(actor=request.user, assignment=shift, reason=reason)
                messages.success(request, _("Get well. Your shift leader has been told."))
            else:
                wanted = form.cleaned_data["replacement"]
                other = next((p for p in planning.pool(shift.roster.place) if p.pk == wanted), None)
                if other is None:
                    raise ValidationError({"replacement": _("Choose who takes the shift.")})
                changes.swap_request(
                    actor=request.user, assignment=shift, replacement=other, reason=reason
                )
                messages.success(request, _("Swap asked; waiting for approval."))
            return redirect("duty:me")
        except ValidationError as exc:
            exc.apply_to_form(form)
    return _my_shifts(request, staff, asked=shift.pk, ask_form=form, status=400)


def _my_shifts(
    request: HttpRequest,
    staff: Staff,
    *,
    asked: int | None = None,
    ask_form: ShiftAskForm | None = None,
    status: int = 200,
) -> HttpResponse:
    shifts = list(selectors.my_assignments(staff)[:50])
    now = timezone.now()
    current = [a for a in shifts if a.starts_at - dt.timedelta(hours=1) <= now]
    later = [a for a in shifts if a.starts_at - dt.timedelta(hours=1) > now]
    pending = set(selectors.pending_change_assignments(request.user, staff))
    if ask_form is not None and asked not in {a.pk for a in later if a.pk not in pending}:
        for errors in ask_form.errors.values():  # the shift has no form on the page
            for message in errors:
                messages.error(request, message)
    mates: list[Staff] = []
    if later:
        pool = planning.pool(later[0].roster.place)
        mates = sorted((p for p in pool if p.pk != staff.pk), key=lambda p: (p.name, p.pk))
    return render(
        request,
        "duty/me.html",
        {
            "staff": staff,
            "current": current,
            "later": later,
            "open": attendance.open_presence(staff),
            "calls": calls.open_calls_for(request.user),
            "mates": mates,
            "ical": request.build_absolute_uri(reverse("duty:ical", args=[ical_token(staff)])),
            "pending": pending,
            "asked": asked,
            "ask_form": ask_form,
        },
        status=status,
    )


def ical_token(staff: Staff) -> str:
    """The key in a person's calendar link (signed: it cannot be guessed from their id)."""
    return signing.Signer(salt="duty-ical").sign(str(staff.pk))


def ical_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A person's shifts as an iCalendar feed (the link is the key: calendar apps can't log in)."""
    try:
        staff_id = int(signing.Signer(salt="duty-ical").unsign(token))
    except (signing.BadSignature, ValueError) as exc:
        raise Http404("feed") from exc
    staff = selectors.staff_by_id(staff_id)
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
        {"post": post, "staff": staff, "open": attendance.open_presence(staff) if staff else None},
    )
