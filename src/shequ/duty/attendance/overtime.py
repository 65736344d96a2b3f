"""Overtime: a check-out that takes its person's day past the community's hours a day is
flagged, and the community's planners are told the first time the limit is crossed."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from shequ.core.roles import Capability
from shequ.core.scopes import users_with_by_place
from shequ.duty.models import Attendance, DutyRules
from shequ.mobilization.models import Staff
from shequ.notify import Message, notify_many

MAX_HOURS_DEFAULT: int = DutyRules._meta.get_field("max_hours_per_day").default


def flag_overtime(closings: Iterable[Attendance]) -> list[tuple[Attendance, int, int]]:
    """Mark each check-out that takes its person's day past the community's hours a day;
    return (attendance, minutes that day, limit) for each one that crossed the limit."""
    closings = list(closings)
    if not closings:
        return []
    keys = {(a.staff_id, a.day) for a in closings}
    before: dict[tuple[int, dt.date], int] = defaultdict(int)
    for staff_id, day, minutes in (
        Attendance.objects.filter(
            staff_id__in={k[0] for k in keys},
            day__in={k[1] for k in keys},
            minutes__isnull=False,
        )
        .exclude(pk__in=[a.pk for a in closings if a.pk])
        .values("staff_id", "day")
        .annotate(total=Sum("minutes"))
        .values_list("staff_id", "day", "total")
    ):
        if (staff_id, day) in keys:
            before[(staff_id, day)] = minutes
    limits = dict(
        DutyRules.objects.filter(community_id__in={a.community_id for a in closings}).values_list(
            "community_id", "max_hours_per_day"
        )
    )
    crossed = []
    for a in closings:
        key = (a.staff_id, a.day)
        limit = 60 * limits.get(a.community_id, MAX_HOURS_DEFAULT)
        total = before[key] + (a.minutes or 0)
        a.overtime = total > limit
        if a.overtime and before[key] <= limit:
            crossed.append((a, total, limit))
        before[key] = total
    return crossed


def notify_overtime(crossed: list[tuple[Attendance, int, int]]) -> None:
    """Tell the community's staff that someone worked past the hours a day."""
    if not crossed:
        return
    staff_users = users_with_by_place(
        Capability.PLAN_DUTY, {a.community_id for a, _t, _l in crossed}, inherited=False
    )
    names = dict(
        Staff.objects.filter(pk__in={a.staff_id for a, _t, _l in crossed}).values_list("pk", "name")
    )
    messages = []
    for a, total, limit in crossed:
        title = _("%(name)s worked %(h)s h on %(day)s; the limit is %(rule)s h.") % {
            "name": names.get(a.staff_id, "?"),
            "h": round(total / 60, 1),
            "day": f"{a.day:%m-%d}",
            "rule": limit // 60,
        }
        messages.append(
            Message(
                users=staff_users.get(a.community_id, ()),
                kind="overtime",
                title=title,
                url=reverse("duty:home"),
            )
        )
    notify_many(messages)
