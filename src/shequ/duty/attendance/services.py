"""Writes of attendance: a device's batch, a person's own check-in and check-out, and a
presence entered by hand by the shift leader or a planner. Each is one transaction."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.batches import CLOCK_SKEW, CREATED, REJECTED, read_batch, retried
from shequ.core.device_items import BadItem, check_time
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.duty.attendance.ingest import (
    EARLY,
    IN,
    MAX_AGE,
    OUT,
    TIME_MESSAGES,
    AttendanceItem,
    AttendanceResult,
    Batch,
    lateness,
    minutes_between,
    read_item,
)
from shequ.duty.attendance.overtime import flag_overtime, notify_overtime
from shequ.duty.changes import active_assignments
from shequ.duty.models import Attendance, AttendanceSource, Post
from shequ.mobilization.models import ACTIVE_STATES, Enlistment, Staff

if TYPE_CHECKING:
    from shequ.core.models import User

# A refusal's field, as the single check-in and check-out name it (their forms' fields).
_FORM_FIELD = {"staff_id": "staff", "post_id": "post", "post_token": "post", "at": "at"}


def _raise(result: AttendanceResult) -> None:
    raise ValidationError({_FORM_FIELD.get(result.field, "__all__"): result.message})


@retried
@transaction.atomic
def attendance_batch(*, actor: User, items: Sequence[Any]) -> list[AttendanceResult]:
    """Record check-ins and check-outs from a device exactly once each, in order: a resent
    UUID gets its first answer back. One transaction; each item created, duplicate or
    rejected with the field and the fix (`core.batches`).

    A person records their own; the shift leader at the post or a planner of its community
    may send others' (a post's shared phone), recorded as entered by hand.
    """
    now = timezone.now()
    batch = read_batch(items, read_item, AttendanceResult, now)
    if batch.fresh:
        Batch(actor, [i for _n, i in batch.fresh], now).run(batch.answers, batch.fresh)
    return batch.finish()


def _one(actor: User, item: AttendanceItem) -> Attendance:
    """The single check-in or check-out (a batch of one): the presence, or the refusal
    raised as the form's error."""
    now = timezone.now()
    try:
        check_time("at", item.at, now, max_age=MAX_AGE, **TIME_MESSAGES)
    except BadItem as bad:
        raise ValidationError({"at": bad.message}) from None
    answers = [AttendanceResult(str(item.client_uuid), CREATED)]
    Batch(actor, [item], now).run(answers, [(0, item)])
    [result] = answers
    if result.status == REJECTED:
        _raise(result)
    return Attendance.objects.select_related("post", "community").get(pk=result.id)


@transaction.atomic
def check_in(
    *,
    actor: User,
    staff: Staff,
    post: Post,
    at: dt.datetime | None = None,
    source: str = AttendanceSource.APP,
) -> Attendance:
    """The person checks themselves in at a post (app or post QR); again at the same post
    while checked in is the same answer."""
    if staff.user_id is None or staff.user_id != actor.pk:
        raise PermissionDenied(
            _("Only the person themselves checks in; the shift leader may enter it by hand.")
        )
    if source not in (AttendanceSource.APP, AttendanceSource.QR):
        raise ValidationError({"source": _("Check in with the app or the post's QR code.")})
    item = AttendanceItem(
        uuid.uuid4(), IN, staff.pk, at or timezone.now(), post_id=post.pk, source=source
    )
    return _one(actor, item)


@transaction.atomic
def check_out(
    *,
    actor: User,
    staff: Staff,
    at: dt.datetime | None = None,
    source: str = AttendanceSource.APP,
) -> Attendance:
    """Check out of the open check-in: minutes worked, and overtime flagged (and told to the
    community) when the day's minutes pass the community's limit."""
    item = AttendanceItem(uuid.uuid4(), OUT, staff.pk, at or timezone.now(), source=source)
    return _one(actor, item)


def leads(actor: User, post: Post, start: dt.datetime, end: dt.datetime) -> bool:
    """Whether the actor leads a published shift at `post` overlapping start–end."""
    return (
        active_assignments()
        .filter(
            staff__user=actor,
            is_leader=True,
            shift__post=post,
            starts_at__lt=end + EARLY,
            ends_at__gt=start - EARLY,
        )
        .exists()
    )


@transaction.atomic
def attendance_manual(
    *,
    actor: User,
    staff: Staff,
    post: Post,
    check_in_at: dt.datetime,
    check_out_at: dt.datetime | None = None,
    reason: str,
) -> Attendance:
    """The shift leader (or a planner) enters a presence the person could not record."""
    end = check_out_at or check_in_at
    if not (
        scope_for(actor, Capability.PLAN_DUTY).covers(post.community)
        or leads(actor, post, check_in_at, end)
    ):
        raise PermissionDenied(
            _("Only the shift leader at %(post)s or a planner of %(community)s may enter this.")
            % {"post": post.name, "community": post.community.name}
        )
    now = timezone.now()
    errors: dict[str, str] = {}
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = _("Say why it is entered by hand, e.g. 'phone battery empty'.")
    elif len(reason) > 200:
        errors["reason"] = _("Keep the reason under 200 characters.")
    if check_in_at > now + CLOCK_SKEW:
        errors["check_in_at"] = _("The check-in cannot be in the future.")
    elif check_in_at < now - MAX_AGE:
        errors["check_in_at"] = _("Entries older than 7 days cannot be made here.")
    if check_out_at is not None:
        if check_out_at <= check_in_at:
            errors["check_out_at"] = _("The check-out must be after the check-in.")
        elif check_out_at > now + CLOCK_SKEW:
            errors["check_out_at"] = _("The check-out cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    shift = (
        active_assignments()
        .filter(
            staff=staff,
            shift__post=post,
            starts_at__lte=check_in_at + EARLY,
            ends_at__gt=check_in_at,
        )
        .order_by("starts_at")
        .first()
    )
    on_duty = Enlistment.objects.filter(
        staff=staff, state__in=ACTIVE_STATES, community=post.community_id
    ).exists()
    if shift is None and not on_duty:
        raise ValidationError(
            {
                # Not named: whether someone elsewhere exists is not this post's business.
                "staff": _(
                    "This person has no shift at %(post)s then and is not on duty in %(community)s."
                )
                % {"post": post.name, "community": post.community.name}
            }
        )
    # The person's row is the lock every check-in and check-out of theirs takes (see ingest.Batch):
    # the overlap test below cannot race a device's batch.
    Staff.objects.select_for_update().filter(pk=staff.pk).values_list("pk").first()
    far = check_out_at or dt.datetime.max.replace(tzinfo=dt.UTC)
    clash = (
        Attendance.objects.filter(staff=staff, check_in_at__lt=far)
        .filter(Q(check_out_at__isnull=True) | Q(check_out_at__gt=check_in_at))
        .select_related("post")
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "check_in_at": _(
                    "%(name)s already has a presence at %(post)s from %(time)s that overlaps this."
                )
                % {
                    "name": staff.name,
                    "post": clash.post.name,
                    "time": f"{timezone.localtime(clash.check_in_at):%m-%d %H:%M}",
                }
            }
        )
    attendance = Attendance(
        staff=staff,
        post=post,
        community_id=post.community_id,
        assignment=shift,
        day=shift.day if shift else timezone.localdate(check_in_at),
        check_in_at=check_in_at,
        check_out_at=check_out_at,
        in_source=AttendanceSource.MANUAL,
        out_source=AttendanceSource.MANUAL if check_out_at else "",
        reason=reason,
        late_minutes=lateness(
            shift.starts_at if shift and not shift.attendances.exists() else None, check_in_at
        ),
        minutes=minutes_between(check_in_at, check_out_at) if check_out_at else None,
        recorded_by=actor,
    )
    crossed = flag_overtime([attendance]) if check_out_at else []
    attendance.save()
    notify_overtime(crossed)
    audit.record(
        actor=actor,
        action="duty.attendance_manual",
        obj=attendance,
        place=post.community,
        changes={
            "staff": staff.pk,
            "check_in_at": check_in_at.isoformat(),
            "check_out_at": check_out_at.isoformat() if check_out_at else None,
            "reason": reason,
        },
    )
    return attendance
