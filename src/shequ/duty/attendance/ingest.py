"""Check-ins and check-outs worked out in memory and written at once: the one path for a
device's offline batch and for a single check-in or check-out (a batch of one).

`Batch` locks the people in the batch, reads their open presences, shifts and enlistments
once, answers each item (created, duplicate or rejected with the field and the fix, as
`core.batches` says), then writes the presences, their events, overtime and audit rows.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core import audit
from shequ.core.batches import (
    CREATED,
    DUPLICATE,
    REJECTED,
    ItemAnswer,
    create_each,
    insert_each,
    refused_message,
)
from shequ.core.device_items import BadItem, choice_field, id_field, text_field, time_field
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.duty.attendance.overtime import flag_overtime, notify_overtime
from shequ.duty.changes import active_assignments
from shequ.duty.models import Attendance, AttendanceEvent, AttendanceSource, Post
from shequ.mobilization.models import ACTIVE_STATES, Enlistment, Staff

if TYPE_CHECKING:
    from shequ.core.models import User

IN, OUT = "in", "out"
EARLY = dt.timedelta(minutes=60)  # a check-in up to an hour before a shift belongs to it
MAX_AGE = dt.timedelta(days=7)  # older events are entered by hand, with a reason
# Lazy: translated only for an item that has the fault.
TIME_MESSAGES = {
    "in_future": gettext_lazy("This time is in the future: check the device's clock."),
    "too_old": gettext_lazy(
        "Too old to record from a device; ask the shift leader to enter it by hand."
    ),
}
_NOT_ISO = gettext_lazy("Send the time of the check-in or check-out as ISO 8601 text.")
# A presence the database refused: the item's field that names what it refers to.
_REFUSED_FIELD = {
    "staff": "staff_id", "post": "post_id", "community": "post_id", "assignment": "at",
}  # fmt: skip


@dataclass(frozen=True)
class AttendanceItem:
    """One check-in or check-out as a device sends it."""

    client_uuid: uuid.UUID
    kind: str  # in / out
    staff_id: int
    at: dt.datetime
    post_id: int | None = None
    post_token: str = ""
    source: str = ""  # app / qr; empty: qr when a post token was scanned, else app


@dataclass
class AttendanceResult(ItemAnswer):
    """The batch's answer (`ItemAnswer`); `id` is the presence's."""


@dataclass
class _Answer:
    item: AttendanceItem
    result: str
    reason: str = ""
    attendance: Attendance | None = None
    post_id: int | None = None
    error_field: str = "item"  # the item's field that a refusal is about

    def answer(self) -> AttendanceResult:
        attendance_id = self.attendance.pk if self.attendance else None
        field_name = self.error_field if self.result == REJECTED else ""
        return AttendanceResult(
            str(self.item.client_uuid), self.result, attendance_id, field_name, self.reason
        )


def read_item(raw: dict[str, Any], client_uuid: uuid.UUID, now: dt.datetime) -> AttendanceItem:
    """One check-in or check-out as a device sends it, checked field by field (raises
    BadItem): {client_uuid, kind "in"|"out", staff_id, at, post_id or post_token}."""
    kind = choice_field(raw, "kind", (IN, OUT), "")
    staff_id = id_field(raw, "staff_id")
    if staff_id is None:
        raise BadItem("staff_id", _("Say whose check-in or check-out this is."))
    at = time_field(raw, "at", now, max_age=MAX_AGE, not_iso=_NOT_ISO, **TIME_MESSAGES)
    return AttendanceItem(
        client_uuid,
        kind,
        staff_id,
        at,
        post_id=id_field(raw, "post_id"),
        post_token=text_field(raw, "post_token", 32),
    )


def _post_field(item: AttendanceItem) -> str:
    return "post_token" if item.post_token and not item.post_id else "post_id"


@dataclass(frozen=True, slots=True)
class _Shift:
    pk: int
    staff_id: int
    post_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    day: dt.date
    is_leader: bool


def minutes_between(start: dt.datetime, end: dt.datetime) -> int:
    return max(0, int((end - start).total_seconds() // 60))


def lateness(starts_at: dt.datetime | None, at: dt.datetime) -> int:
    """Minutes after the shift's start of the first arrival on it (0 for a return)."""
    return minutes_between(starts_at, at) if starts_at is not None else 0


class Batch:
    """A batch of check-ins and check-outs worked out in memory, then written at once."""

    def __init__(self, actor: User, items: Sequence[AttendanceItem], now: dt.datetime) -> None:
        self.actor = actor
        self.items = items
        self.now = now
        staff_ids = {i.staff_id for i in items}
        # Lock the people first (in id order, so two batches never deadlock): their open
        # check-ins cannot change under us, on any database.
        self.staff = {
            pk: (name, user_id)
            for pk, name, user_id in Staff.objects.select_for_update()
            .filter(pk__in=staff_ids)
            .order_by("pk")
            .values_list("pk", "name", "user_id")
        }
        self.actor_staff = Staff.objects.filter(user=actor).values_list("pk", flat=True).first()
        posts = list(
            Post.objects.select_related("community").filter(
                Q(pk__in={i.post_id for i in items if i.post_id})
                | Q(token__in={i.post_token for i in items if i.post_token})
            )
        )
        self.posts = {p.pk: p for p in posts}
        self.by_token = {p.token: p for p in posts}
        self.open: dict[int, Attendance] = {
            a.staff_id: a
            for a in Attendance.objects.filter(
                staff_id__in=self.staff, check_out_at__isnull=True
            ).select_related("post__community")
        }
        self.last_out: dict[int, dt.datetime] = dict(
            Attendance.objects.filter(staff_id__in=self.staff, check_out_at__isnull=False)
            .values("staff_id")
            .annotate(last=Max("check_out_at"))
            .values_list("staff_id", "last")
        )
        times = [i.at for i in items] or [self.now]
        people = set(self.staff) | ({self.actor_staff} if self.actor_staff else set())
        self.shifts: dict[int, list[_Shift]] = defaultdict(list)
        for row in (
            active_assignments()
            .filter(
                staff_id__in=people,
                starts_at__lte=max(times) + EARLY,
                ends_at__gt=min(times) - EARLY,
            )
            .order_by("starts_at")
            .values_list(
                "pk", "staff_id", "shift__post_id", "starts_at", "ends_at", "day", "is_leader"
            )
        ):
            self.shifts[row[1]].append(_Shift(*row))
        # Shifts someone already came to: a later check-in on them is a return, not lateness.
        self.arrived: set[int] = set(
            Attendance.objects.filter(
                assignment_id__in=[s.pk for shifts in self.shifts.values() for s in shifts]
            ).values_list("assignment_id", flat=True)
        )
        self.on_duty: dict[int, set[int]] = defaultdict(set)
        for staff_id, community_id in Enlistment.objects.filter(
            staff_id__in=self.staff, state__in=ACTIVE_STATES
        ).values_list("staff_id", "community_id"):
            self.on_duty[staff_id].add(community_id)
        self.plans = scope_for(actor, Capability.PLAN_DUTY)
        self.new: list[Attendance] = []
        self.closed: list[Attendance] = []  # existing rows closed by this batch
        self.closings: list[Attendance] = []  # every check-out, in order

    def shift_at(self, staff_id: int, post_id: int, at: dt.datetime) -> _Shift | None:
        for s in self.shifts.get(staff_id, ()):
            if s.post_id == post_id and s.starts_at - EARLY <= at < s.ends_at:
                return s
        return None

    def may_record_for_others(self, post: Post, at: dt.datetime) -> bool:
        """Planners of the community, and the shift leader at that post around that time."""
        if self.plans.covers(post.community):
            return True
        return any(
            s.is_leader and s.post_id == post.pk and s.starts_at - EARLY <= at < s.ends_at + EARLY
            for s in self.shifts.get(self.actor_staff or 0, ())
        )

    def post_of(self, item: AttendanceItem) -> Post | None:
        if item.post_id:
            return self.posts.get(item.post_id)
        return self.by_token.get(item.post_token) if item.post_token else None

    def source(self, item: AttendanceItem, own: bool) -> str:
        if not own:
            return AttendanceSource.MANUAL
        if item.source in (AttendanceSource.APP, AttendanceSource.QR):
            return item.source
        return AttendanceSource.QR if item.post_token else AttendanceSource.APP

    def unknown(self, item: AttendanceItem) -> _Answer:
        """The one answer for a person the sender may not act for: it tells nothing about
        them (not their name, not where they are), whether or not they exist."""
        return _Answer(item, REJECTED, _("Unknown person."), error_field="staff_id")

    def may_act_for(self, staff_id: int, post: Post | None, at: dt.datetime) -> bool:
        """Someone else's presence: the leader or a planner of that post, for a person on
        duty in its community or on a shift there."""
        if post is None or not self.may_record_for_others(post, at):
            return False
        return post.community_id in self.on_duty.get(staff_id, ()) or any(
            s.post_id == post.pk for s in self.shifts.get(staff_id, ())
        )

    def check_in(self, item: AttendanceItem) -> _Answer:
        staff = self.staff.get(item.staff_id)
        if staff is None:
            return self.unknown(item)
        name, user_id = staff
        own = user_id is not None and user_id == self.actor.pk
        post = self.post_of(item)
        if not own and not self.may_act_for(item.staff_id, post, item.at):
            return self.unknown(item)
        if post is None:
            return _Answer(
                item,
                REJECTED,
                _("Unknown post; scan the post's QR code again."),
                error_field=_post_field(item),
            )
        if not post.active:
            return _Answer(
                item,
                REJECTED,
                _("%s is closed.") % post.name,
                post_id=post.pk,
                error_field=_post_field(item),
            )
        current = self.open.get(item.staff_id)
        if current is not None:
            if current.post_id == post.pk:
                # Checked in here already: the same answer again, nothing new written.
                return _Answer(item, DUPLICATE, attendance=current, post_id=post.pk)
            return _Answer(
                item,
                REJECTED,
                _("%(name)s is checked in at %(post)s; check out of %(post)s first.")
                % {"name": name, "post": current.post.name},
                post_id=post.pk,
                error_field=_post_field(item),
            )
        last = self.last_out.get(item.staff_id)
        if last is not None and item.at < last:
            return _Answer(
                item,
                REJECTED,
                _("%(name)s checked out at %(time)s; a check-in cannot be earlier than that.")
                % {"name": name, "time": f"{timezone.localtime(last):%m-%d %H:%M}"},
                post_id=post.pk,
                error_field="at",
            )
        shift = self.shift_at(item.staff_id, post.pk, item.at)
        if shift is None and post.community_id not in self.on_duty.get(item.staff_id, ()):
            return _Answer(
                item,
                REJECTED,
                _("%(name)s has no shift at %(post)s now and is not on duty in %(community)s.")
                % {"name": name, "post": post.name, "community": post.community.name},
                post_id=post.pk,
                error_field=_post_field(item),
            )
        attendance = Attendance(
            staff_id=item.staff_id,
            post=post,
            community_id=post.community_id,
            assignment_id=shift.pk if shift else None,
            day=shift.day if shift else timezone.localdate(item.at),
            check_in_at=item.at,
            in_source=self.source(item, own),
            reason="" if own else _("Sent from a device of the shift leader or a planner."),
            late_minutes=lateness(
                shift.starts_at if shift and shift.pk not in self.arrived else None, item.at
            ),
            recorded_by=self.actor,
        )
        if shift is not None:
            self.arrived.add(shift.pk)
        self.open[item.staff_id] = attendance
        self.new.append(attendance)
        return _Answer(item, CREATED, attendance=attendance, post_id=post.pk)

    def check_out(self, item: AttendanceItem) -> _Answer:
        staff = self.staff.get(item.staff_id)
        if staff is None:
            return self.unknown(item)
        name, user_id = staff
        own = user_id is not None and user_id == self.actor.pk
        current = self.open.get(item.staff_id)
        if not own and (
            current is None or not self.may_act_for(item.staff_id, current.post, item.at)
        ):
            return self.unknown(item)
        if current is None:
            return _Answer(
                item, REJECTED, _("%s is not checked in.") % name, error_field="staff_id"
            )
        if item.post_id or item.post_token:
            post = self.post_of(item)
            if post is None or post.pk != current.post_id:
                return _Answer(
                    item,
                    REJECTED,
                    _("%(name)s is checked in at %(post)s; check out there.")
                    % {"name": name, "post": current.post.name},
                    post_id=current.post_id,
                    error_field=_post_field(item),
                )
        if item.at < current.check_in_at:
            return _Answer(
                item,
                REJECTED,
                _("A check-out cannot be before the check-in at %s.")
                % f"{timezone.localtime(current.check_in_at):%m-%d %H:%M}",
                post_id=current.post_id,
                error_field="at",
            )
        current.check_out_at = item.at
        current.out_source = self.source(item, own)
        current.minutes = minutes_between(current.check_in_at, item.at)
        del self.open[item.staff_id]
        self.last_out[item.staff_id] = item.at
        if current.pk is not None:
            self.closed.append(current)
        self.closings.append(current)
        return _Answer(item, CREATED, attendance=current, post_id=current.post_id)

    def run(self, answers: list[AttendanceResult], fresh: list[tuple[int, AttendanceItem]]) -> None:
        """Answer each fresh item in `answers` (at its position) and write the batch."""
        known = {
            e.client_uuid: e
            for e in AttendanceEvent.objects.filter(
                client_uuid__any=[i.client_uuid for _n, i in fresh]
            ).only("client_uuid", "result", "field", "reason", "attendance_id")
        }
        firsts: list[tuple[int, _Answer]] = []
        for n, item in fresh:
            event = known.get(item.client_uuid)
            if event is not None:  # a resend gets its first answer (a refusal stays one)
                answers[n] = AttendanceResult(
                    str(item.client_uuid),
                    REJECTED if event.result == REJECTED else DUPLICATE,
                    event.attendance_id,
                    event.field if event.result == REJECTED else "",
                    event.reason,
                )
                continue
            if item.kind == IN:
                firsts.append((n, self.check_in(item)))
            else:
                firsts.append((n, self.check_out(item)))
        refused = self.write()
        for n, a in firsts:
            if a.attendance is not None and id(a.attendance) in refused:
                # Its shift or post went away meanwhile: this item alone is refused.
                a.result, a.reason = REJECTED, refused_message()
                a.error_field, a.attendance = refused[id(a.attendance)], None
            answers[n] = a.answer()
        # fmt: off
        events = [
            (
                a.item.client_uuid, a.item.kind[:4], a.item.staff_id, a.post_id, a.item.at,
                a.result, a.error_field if a.result == REJECTED else "", a.reason[:200],
                a.attendance.pk if a.attendance else None, self.now, self.actor.pk,
            )
            for _n, a in firsts
            # An unknown person cannot be stored (and the answer would be the same anyway).
            if a.item.staff_id in self.staff
        ]
        # fmt: on
        # Keyed by the client UUID: a resend racing its first send is stored once.
        insert_each(AttendanceEvent, _EVENT_FIELDS, events, key="client_uuid")

    def write(self) -> dict[int, str]:
        """Write the batch: {id() of a new presence the database refused: the item's field}."""
        notices = flag_overtime(self.closings)
        # Close first: a person checked out and in again in one batch must not have two open rows.
        if self.closed:
            Attendance.objects.bulk_update(
                self.closed, ["check_out_at", "out_source", "minutes", "overtime"]
            )
        refused = {
            id(self.new[n]): _REFUSED_FIELD.get(name, "item")
            for n, name in create_each(self.new).items()
        }
        if refused:
            self.new = [a for a in self.new if id(a) not in refused]
            self.closings = [a for a in self.closings if id(a) not in refused]
            notices = [n for n in notices if id(n[0]) not in refused]
        notify_overtime(notices)
        audit.record_many(
            actor=self.actor,
            action="duty.check_in",
            objs=self.new,
            places=[a.post.community for a in self.new],
            changes=[
                {"post": a.post_id, "at": a.check_in_at.isoformat(), "late": a.late_minutes}
                for a in self.new
            ],
        )
        audit.record_many(
            actor=self.actor,
            action="duty.check_out",
            objs=self.closings,
            places=[a.post.community for a in self.closings],
            changes=[{"minutes": a.minutes, "overtime": a.overtime} for a in self.closings],
        )
        return refused


_EVENT_FIELDS = [
    "client_uuid", "kind", "staff", "post", "at", "result", "field", "reason", "attendance",
    "received_at", "by",
]  # fmt: skip
