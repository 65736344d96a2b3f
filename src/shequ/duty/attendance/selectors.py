"""Reads of attendance: presences a user may see (with each one's late rule), no-shows, the
posts a person may check in at or record others at, a post by its QR token."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from shequ.core.roles import Capability
from shequ.core.scopes import agency_scope_for, scope_for
from shequ.duty.changes import active_assignments
from shequ.duty.models import Assignment, Attendance, DutyRules, Post
from shequ.duty.services import rules_for
from shequ.mobilization.models import ACTIVE_STATES, Enlistment

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User
    from shequ.places.models import Place

STAFF_PII = ("staff__id_number", "staff__phone")  # lists show names: skip two decryptions a row
LATE_AFTER_DEFAULT: int = DutyRules._meta.get_field("late_after_minutes").default


def post_by_token(token: str) -> Post | None:
    """The post whose QR code carries `token` (None if no post does)."""
    if not token or len(token) > 32:
        return None
    return Post.objects.select_related("community").filter(token=token).first()


def with_late_rule(qs: QuerySet[Attendance]) -> QuerySet[Attendance]:
    """Annotate each row with its community's 'late after' minutes (`late_after`)."""
    return qs.annotate(
        late_after=Coalesce(
            F("community__duty_rules__late_after_minutes"), Value(LATE_AFTER_DEFAULT)
        )
    )


def is_late(attendance: Attendance) -> bool:
    """Late: checked in more than the community's 'late after' minutes after the shift began."""
    late_after = getattr(attendance, "late_after", None)
    if late_after is None:
        late_after = rules_for(attendance.community).late_after_minutes
    return attendance.late_minutes > late_after


def visible_attendance(user: User | AnonymousUser) -> Q:
    """A filter for the presences the user may see: in the communities they see duty for, of
    their agency's staff (coordinators), and their own."""
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    visible = scope_for(user, Capability.VIEW_DUTY).q("community") | Q(staff__user=user)
    agencies = agency_scope_for(user, Capability.VIEW_STAFF)
    if not agencies.is_empty:
        visible |= agencies.q("staff__agency")
    return visible


def attendance_for(user: User | AnonymousUser) -> QuerySet[Attendance]:
    """Presences the user may see (`visible_attendance`), each with its late rule."""
    return with_late_rule(
        Attendance.objects.filter(visible_attendance(user))
        .select_related("staff", "post", "community")
        .defer(*STAFF_PII)
    )


def no_shows(
    community: Place, day: dt.date, *, now: dt.datetime | None = None
) -> QuerySet[Assignment]:
    """Published shifts at the community's posts on `day` that began more than the 'late
    after' minutes ago with nobody of them checked in."""
    cutoff = (now or timezone.now()) - dt.timedelta(minutes=rules_for(community).late_after_minutes)
    came = Attendance.objects.filter(
        staff_id=OuterRef("staff_id"),
        post_id=OuterRef("shift__post_id"),
        check_in_at__lt=OuterRef("ends_at"),
    ).filter(Q(check_out_at__isnull=True) | Q(check_out_at__gt=OuterRef("starts_at")))
    attached = Attendance.objects.filter(assignment_id=OuterRef("pk"))
    return (
        active_assignments()
        .filter(shift__post__community=community, day=day, starts_at__lt=cutoff)
        .exclude(Exists(came))
        .exclude(Exists(attached))
        .select_related("staff", "shift__post")
        .defer(*STAFF_PII)
        .order_by("starts_at", "shift__post__name", "staff__name")
    )


def check_in_posts(user: User | AnonymousUser) -> QuerySet[Post]:
    """Posts a person may check in at: in the communities they are on duty in, where they
    have a published shift, and those they see duty for."""
    if not getattr(user, "is_authenticated", False):
        return Post.objects.none()
    here = Enlistment.objects.filter(staff__user=user, state__in=ACTIVE_STATES).values(
        "community_id"
    )
    planned = active_assignments().filter(staff__user=user).values("shift__post_id")
    visible = (
        Q(community_id__in=here)
        | Q(pk__in=planned)
        | scope_for(user, Capability.VIEW_DUTY).q("community")
    )
    return Post.objects.filter(visible).select_related("community")


def recording_posts(user: User | AnonymousUser) -> QuerySet[Post]:
    """Posts where the user may enter others' presence: those they see duty for, and those
    where they lead a published shift."""
    if not getattr(user, "is_authenticated", False):
        return Post.objects.none()
    led = active_assignments().filter(staff__user=user, is_leader=True).values("shift__post_id")
    return Post.objects.filter(
        Q(pk__in=led) | scope_for(user, Capability.VIEW_DUTY).q("community")
    ).select_related("community")
