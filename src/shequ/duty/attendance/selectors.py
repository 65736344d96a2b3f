"""Reads of attendance: presences a user may see (with each one's late rule), no-shows, the
posts a person may check in at or record others at, a post by its QR token."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from shequ.core.access import get_for
from shequ.core.roles import Capability
from shequ.core.scopes import agency_scope_for, scope_for
from shequ.duty.changes import active_assignments
from shequ.duty.models import Assignment, Attendance, DutyRules, Post
from shequ.duty.services import rules_for
from shequ.mobilization.models import ACTIVE_STATES, Enlistment, Staff

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


def _not_come(day: dt.date, cutoff: dt.datetime) -> QuerySet[Assignment]:
    """Published shifts of `day` that began before `cutoff` with nobody of them checked in."""
    came = Attendance.objects.filter(
        staff_id=OuterRef("staff_id"),
        post_id=OuterRef("shift__post_id"),
        check_in_at__lt=OuterRef("ends_at"),
    ).filter(Q(check_out_at__isnull=True) | Q(check_out_at__gt=OuterRef("starts_at")))
    attached = Attendance.objects.filter(assignment_id=OuterRef("pk"))
    return (
        active_assignments()
        .filter(day=day, starts_at__lt=cutoff)
        .exclude(Exists(came))
        .exclude(Exists(attached))
    )


def no_shows(
    community: Place, day: dt.date, *, now: dt.datetime | None = None
) -> QuerySet[Assignment]:
    """Published shifts at the community's posts on `day` that began more than the 'late
    after' minutes ago with nobody of them checked in."""
    cutoff = (now or timezone.now()) - dt.timedelta(minutes=rules_for(community).late_after_minutes)
    return (
        _not_come(day, cutoff)
        .filter(shift__post__community=community)
        .select_related("staff", "shift__post")
        .defer(*STAFF_PII)
        .order_by("starts_at", "shift__post__name", "staff__name")
    )


def no_show_counts(
    community_ids: Collection[int], day: dt.date, *, now: dt.datetime | None = None
) -> dict[int, int]:
    """`no_shows` counted for many communities: community id → no-shows on `day` (those with
    none left out). One query per distinct 'late after' rule among them, plus one for the rules."""
    now = now or timezone.now()
    rules = dict(
        DutyRules.objects.filter(community_id__in=community_ids).values_list(
            "community_id", "late_after_minutes"
        )
    )
    by_rule: dict[int, list[int]] = {}
    for community_id in community_ids:
        by_rule.setdefault(rules.get(community_id, LATE_AFTER_DEFAULT), []).append(community_id)
    counts: dict[int, int] = {}
    for late_after, ids in by_rule.items():
        rows = (
            _not_come(day, now - dt.timedelta(minutes=late_after))
            .filter(shift__post__community_id__in=ids)
            .values("shift__post__community_id")
            .annotate(n=Count("pk"))
            .order_by()
        )
        counts.update({row["shift__post__community_id"]: row["n"] for row in rows})
    return counts


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


def get_check_in_post_for(user: User | AnonymousUser, pk: int) -> Post:
    """A post the user may check in at (`check_in_posts`); 404 otherwise."""
    return get_for(check_in_posts(user), pk, what="post")


def get_recording_post_for(user: User | AnonymousUser, pk: int) -> Post:
    """A post where the user may enter others' presence (`recording_posts`); 404 otherwise."""
    return get_for(recording_posts(user), pk, what="post")


def attendance_listed(
    user: User | AnonymousUser,
    *,
    community_id: int | None = None,
    day: dt.date | None = None,
    staff_id: int | None = None,
) -> QuerySet[Attendance]:
    """Presences the user may see (`attendance_for`), newest first, narrowed when asked."""
    found = attendance_for(user)
    if community_id:
        found = found.filter(community_id=community_id)
    if day:
        found = found.filter(day=day)
    if staff_id:
        found = found.filter(staff_id=staff_id)
    return found.order_by("-check_in_at")


def open_presence(staff: Staff) -> Attendance | None:
    """The person's check-in not yet checked out, with its post, if any."""
    return (
        Attendance.objects.filter(staff=staff, check_out_at__isnull=True)
        .select_related("post")
        .first()
    )
