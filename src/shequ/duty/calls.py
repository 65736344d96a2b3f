"""Urgent calls: "need N people at X now". Everyone on duty in the community who is free then
(no shift overlapping, enough rest on both sides unless waived) is told; the first N who
answer 我来 are on, later ones are thanked.

Answers are race-safe: each answer locks the call's row, and the database still guards the
count (`accepted <= needed`) and one answer per person.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.core.times import city_time
from shequ.duty import planning
from shequ.duty.changes import active_assignments
from shequ.duty.models import (
    CallStatus,
    DutyRequest,
    Post,
    RequestKind,
    UrgentAnswer,
    UrgentCall,
)
from shequ.duty.services import require_planner, rules_for
from shequ.mobilization.models import ACTIVE_STATES, Enlistment, Staff
from shequ.notify import notify
from shequ.places.models import PlaceKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User
    from shequ.places.models import Place

START_GRACE = dt.timedelta(minutes=5)
MAX_AHEAD = dt.timedelta(days=7)
LONGEST_CALL = dt.timedelta(hours=12)


def call_url(call: UrgentCall) -> str:
    return reverse("duty:call", args=[call.pk])


def _window(call: UrgentCall) -> tuple[dt.datetime, dt.datetime, dt.timedelta]:
    """The time a person must be free of other work: the call, widened by the rest rule."""
    rest = dt.timedelta(hours=0 if call.waive_rest else rules_for(call.community).min_rest_hours)
    return call.starts_at - rest, call.ends_at + rest, rest


def ineligible(call: UrgentCall, people: list[Staff]) -> dict[int, str]:
    """Why each of these people (all in the community's pool) may not answer; absent: may."""
    start, end, rest = _window(call)
    ids = [p.pk for p in people]
    reasons: dict[int, str] = {}
    hours = rest.total_seconds() / 3600
    for staff_id, post, shift, starts_at, ends_at in (
        active_assignments()
        .filter(staff_id__in=ids, starts_at__lt=end, ends_at__gt=start)
        .order_by("starts_at")
        .values_list("staff_id", "shift__post__name", "shift__name", "starts_at", "ends_at")
    ):
        if staff_id in reasons:
            continue
        label = f"{post} {shift} {timezone.localtime(starts_at):%m-%d %H:%M}"
        if starts_at < call.ends_at and ends_at > call.starts_at:
            reasons[staff_id] = _("You are on %s at that time.") % label
        else:
            gap = (
                (call.starts_at - ends_at)
                if ends_at <= call.starts_at
                else starts_at - call.ends_at
            )
            reasons[staff_id] = _(
                "You would rest only %(gap)s h next to %(label)s; the rule is %(rule)s h."
            ) % {"gap": round(gap.total_seconds() / 3600, 1), "label": label, "rule": round(hours)}
    for staff_id, where, starts_at, call_hours in (
        UrgentAnswer.objects.filter(
            staff_id__in=ids,
            accepted=True,
            call__status__in=[CallStatus.OPEN, CallStatus.FILLED],
            call__starts_at__lt=end,
            call__starts_at__gt=start - LONGEST_CALL,
        )
        .exclude(call=call)
        .values_list("staff_id", "call__where", "call__starts_at", "call__hours")
    ):
        if staff_id not in reasons and starts_at + dt.timedelta(hours=call_hours) > start:
            reasons[staff_id] = _("You already answered another call for that time (%s).") % where
    day = timezone.localdate(call.starts_at)
    for staff_id in DutyRequest.objects.filter(
        staff_id__in=ids, day=day, kind=RequestKind.UNAVAILABLE
    ).values_list("staff_id", flat=True):
        reasons.setdefault(staff_id, _("You said you can't work on %s.") % f"{day:%m-%d}")
    return reasons


def eligible_staff(call: UrgentCall) -> list[Staff]:
    """The community's pool minus those busy, short of rest or unavailable then."""
    people = planning.pool(call.community)
    reasons = ineligible(call, people)
    return [p for p in people if p.pk not in reasons]


@transaction.atomic
def call_create(
    *,
    actor: User,
    community: Place,
    where: str,
    needed: int,
    starts_at: dt.datetime | None = None,
    hours: int = 2,
    message: str = "",
    post: Post | None = None,
    waive_rest: bool = False,
) -> UrgentCall:
    """Post an urgent call and tell everyone eligible (in-app)."""
    require_planner(actor, community)
    now = timezone.now()
    starts_at = city_time(starts_at) or now
    where = (where or "").strip() or (post.name if post else "")
    message = (message or "").strip()
    errors: dict[str, str] = {}
    if community.kind != PlaceKind.COMMUNITY:
        errors["community"] = _("Urgent calls are made by a community.")
    if not where:
        errors["where"] = _("Say where people are needed, e.g. 'North gate'.")
    elif len(where) > 100:
        errors["where"] = _("Keep 'where' under 100 characters.")
    if not isinstance(needed, int) or not 1 <= needed <= 200:
        errors["needed"] = _("Ask for 1 to 200 people.")
    if not isinstance(hours, int) or not 1 <= hours <= 12:
        errors["hours"] = _("A call lasts 1 to 12 hours.")
    if len(message) > 200:
        errors["message"] = _("Keep the message under 200 characters.")
    if post is not None and post.community_id != community.pk:
        errors["post"] = _("Choose a post of %s.") % community.name
    if starts_at < now - START_GRACE:
        errors["starts_at"] = _("Start now or later.")
    elif starts_at > now + MAX_AHEAD:
        errors["starts_at"] = _("Urgent calls start within 7 days; plan later work in a roster.")
    if errors:
        raise ValidationError(errors)
    call = UrgentCall.objects.create(
        community=community,
        post=post,
        where=where,
        needed=needed,
        message=message,
        starts_at=starts_at,
        hours=hours,
        waive_rest=waive_rest,
        created_by=actor,
    )
    people = eligible_staff(call)
    title = _("Urgent: %(n)d needed at %(where)s from %(time)s for %(h)d h.") % {
        "n": needed,
        "where": where,
        "time": f"{timezone.localtime(starts_at):%m-%d %H:%M}",
        "h": hours,
    }
    call.notified = notify(
        [p.user_id for p in people],
        kind="urgent_call",
        title=title,
        body=message,
        url=call_url(call),
    )
    call.save(update_fields=["notified"])
    audit.record(
        actor=actor,
        action="duty.call_create",
        obj=call,
        place=community,
        changes={"needed": needed, "where": where, "hours": hours, "notified": call.notified},
    )
    return call


@dataclass(frozen=True)
class CallAnswer:
    """What the person sees after 我来: on, or thanked (already filled)."""

    call: UrgentCall
    answer: UrgentAnswer
    message: str

    @property
    def accepted(self) -> bool:
        return self.answer.accepted


def _answer_text(call: UrgentCall, answer: UrgentAnswer) -> str:
    if answer.accepted:
        return _("You're on: %(where)s from %(time)s for %(h)d h.") % {
            "where": call.where,
            "time": f"{timezone.localtime(call.starts_at):%m-%d %H:%M}",
            "h": call.hours,
        }
    return _("Thank you! It is already filled; nothing to do this time.")


@transaction.atomic
def call_answer(*, actor: User, call: UrgentCall) -> CallAnswer:
    """我来: the first `needed` eligible answers are accepted, later ones thanked; answering
    twice is the same answer. An ineligible person is refused with the reason."""
    staff = Staff.objects.filter(user=actor).first()
    if staff is None:
        raise PermissionDenied(_("Only people on duty answer urgent calls."))
    # Every answer to this call queues here: counting and filling are one at a time.
    call = (
        UrgentCall.objects.select_for_update(of=("self",))
        .select_related("community")
        .get(pk=call.pk)
    )
    existing = UrgentAnswer.objects.filter(call=call, staff=staff).first()
    if existing is not None:
        return CallAnswer(call, existing, _answer_text(call, existing))
    now = timezone.now()
    if call.status == CallStatus.CLOSED or call.ends_at <= now:
        raise ValidationError({"call": _("This call is closed.")})
    if staff.pk not in {p.pk for p in planning.pool(call.community)}:
        raise ValidationError(
            {
                "call": _("You are not on duty in %s (or marked unfit or unavailable).")
                % call.community.name
            }
        )
    reason = ineligible(call, [staff]).get(staff.pk)
    if reason:
        raise ValidationError({"call": reason})
    took = 0
    if call.status == CallStatus.OPEN:
        took = UrgentCall.objects.filter(
            pk=call.pk, status=CallStatus.OPEN, accepted__lt=F("needed")
        ).update(accepted=F("accepted") + 1)
    answer = UrgentAnswer.objects.create(
        call=call, staff=staff, accepted=bool(took), answered_at=now
    )
    if took:
        filled = UrgentCall.objects.filter(
            pk=call.pk, status=CallStatus.OPEN, accepted__gte=F("needed")
        ).update(status=CallStatus.FILLED, filled_at=now)
        if filled:
            notify(
                [call.created_by_id],
                kind="urgent_call_filled",
                title=_("%(where)s: all %(n)d people found.")
                % {"where": call.where, "n": call.needed},
                url=call_url(call),
            )
        call.refresh_from_db()
    audit.record(
        actor=actor,
        action="duty.call_answer",
        obj=answer,
        place=call.community,
        changes={"call": call.pk, "accepted": answer.accepted},
    )
    return CallAnswer(call, answer, _answer_text(call, answer))


@transaction.atomic
def call_close(*, actor: User, call: UrgentCall) -> UrgentCall:
    """No more answers: the planner has enough people, or no longer needs them."""
    require_planner(actor, call.community)
    call = UrgentCall.objects.select_for_update().get(pk=call.pk)
    if call.status == CallStatus.CLOSED:
        raise ValidationError({"call": _("This call is already closed.")})
    before = call.status
    call.status = CallStatus.CLOSED
    call.save(update_fields=["status"])
    audit.record(
        actor=actor,
        action="duty.call_close",
        obj=call,
        place=call.community,
        changes={"status": [before, CallStatus.CLOSED], "accepted": call.accepted},
    )
    return call


# --- selectors ----------------------------------------------------------------------------


def calls_for(user: User | AnonymousUser) -> QuerySet[UrgentCall]:
    """Calls of the communities the user sees duty for."""
    return UrgentCall.objects.filter(
        scope_for(user, Capability.VIEW_DUTY).q("community")
    ).select_related("community", "post")


def _my_communities(user: User | AnonymousUser) -> QuerySet:
    return Enlistment.objects.filter(staff__user=user, state__in=ACTIVE_STATES).values(
        "community_id"
    )


def open_calls_for(user: User | AnonymousUser) -> list[UrgentCall]:
    """Open calls, not yet over, in the communities where the user is on duty."""
    if not getattr(user, "is_authenticated", False):
        return []
    now = timezone.now()
    calls = UrgentCall.objects.filter(
        community_id__in=_my_communities(user),
        status=CallStatus.OPEN,
        starts_at__gt=now - LONGEST_CALL,
    ).select_related("community", "post")
    return [c for c in calls.order_by("starts_at") if c.ends_at > now]


def get_call_for(user: User | AnonymousUser, pk: int) -> UrgentCall:
    """A call the user sees duty for, or one of a community they are on duty in; else 404."""
    if not getattr(user, "is_authenticated", False):
        raise Http404("No such call")
    visible = scope_for(user, Capability.VIEW_DUTY).q("community") | Q(
        community_id__in=_my_communities(user)
    )
    call = UrgentCall.objects.filter(visible, pk=pk).select_related("community", "post").first()
    if call is None:
        raise Http404("No such call")
    return call
