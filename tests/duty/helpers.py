"""Small builders the duty tests share: a published roster written directly (no solver), a
person put on a shift, a cadre login for a person, the gate's shifts."""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from shequ.duty import planning
from shequ.duty.models import Assignment, Roster, RosterStatus, Shift
from tests.conftest import make_user


def roster_for(planner, place, starts_on: dt.date, days: int = 1, **kw) -> Roster:
    """A roster written directly (published unless told otherwise), without the solver."""
    kw.setdefault("status", RosterStatus.PUBLISHED)
    return Roster.objects.create(
        place=place,
        starts_on=starts_on,
        days=days,
        created_by=planner,
        published_at=timezone.now() if kw["status"] == RosterStatus.PUBLISHED else None,
        **kw,
    )


def put(
    roster: Roster,
    shift: Shift,
    day: dt.date,
    staff,
    *,
    leader: bool = False,
    starts_at: dt.datetime | None = None,
    minutes: int | None = None,
) -> Assignment:
    """Put a person on a shift; `starts_at`/`minutes` place it at any time (tests of 'now')."""
    begin = starts_at or planning.origin(day) + dt.timedelta(minutes=shift.start_minute)
    return Assignment.objects.create(
        roster=roster,
        shift=shift,
        day=day,
        staff=staff,
        starts_at=begin,
        ends_at=begin + dt.timedelta(minutes=minutes or shift.minutes),
        is_leader=leader,
    )


def login_for(staff, username: str):
    """Give a person on duty their own cadre login."""
    user = make_user(username)
    staff.user = user
    staff.save(update_fields=["user"])
    return user


def day_shift(duty) -> Shift:
    return duty.gate.shifts.get(name="白班")  # 08:00–20:00


def night_shift(duty) -> Shift:
    return duty.gate.shifts.get(name="夜班")  # 20:00–08:00


def attendance_item(kind: str, staff_id: int, at: dt.datetime, **kw) -> dict:
    """A check-in or check-out as a device sends it in a batch."""
    return {
        "client_uuid": str(uuid.uuid4()),
        "kind": kind,
        "staff_id": staff_id,
        "at": at.isoformat(),
        **kw,
    }


def run_roster_jobs() -> list:
    """Solve every queued roster job here, as the worker would (the page's form only queues)."""
    from shequ.duty.models import RosterJob, RosterJobStatus

    queued = RosterJob.objects.filter(status=RosterJobStatus.QUEUED).order_by("pk")
    return [planning.run_roster_job(pk) for pk in queued.values_list("pk", flat=True)]
