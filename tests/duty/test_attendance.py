"""Check-in and check-out: attached shift, late, idempotent repeats, overtime, hand entries,
offline batches exactly once per client UUID, and no-shows.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.models import Notification
from shequ.duty import attendance, services
from shequ.duty.models import (
    Assignment,
    Attendance,
    AttendanceEvent,
    RosterStatus,
)
from tests.duty.helpers import (
    attendance_item,
    day_shift,
    login_for,
    night_shift,
    put,
    roster_for,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


# --- local fixtures -----------------------------------------------------------------------


@pytest.fixture
def yesterday() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=1)


@pytest.fixture
def on_gate(personas, city, duty, yesterday):
    """The cadre (值一) on the gate's day shift yesterday, 值二 leading it."""
    roster = roster_for(personas.staff_a, city.a, yesterday)
    mine = put(roster, day_shift(duty), yesterday, duty.people[0])
    lead = put(roster, day_shift(duty), yesterday, duty.people[1], leader=True)
    return mine, lead


def at(assignment: Assignment, minutes: int) -> dt.datetime:
    return assignment.starts_at + dt.timedelta(minutes=minutes)


# --- check-in -----------------------------------------------------------------------------


def test_check_in_within_the_grace_attaches_the_shift_and_is_not_late(personas, duty, on_gate):
    mine, _lead = on_gate
    done = attendance.check_in(
        actor=personas.cadre, staff=duty.people[0], post=duty.gate, at=at(mine, 10)
    )
    assert done.assignment == mine
    assert done.day == mine.day
    assert done.late_minutes == 10
    assert not attendance.is_late(done)
    assert done.in_source == "app"


def test_check_in_past_the_late_rule_is_late(personas, duty, on_gate):
    mine, _lead = on_gate
    done = attendance.check_in(
        actor=personas.cadre, staff=duty.people[0], post=duty.gate, at=at(mine, 16), source="qr"
    )
    assert done.late_minutes == 16
    assert attendance.is_late(done)
    assert done.in_source == "qr"


def test_the_community_late_rule_decides_what_is_late(personas, city, duty, on_gate):
    mine, _lead = on_gate
    services.rules_set(actor=personas.staff_a, community=city.a, late_after_minutes=30)
    done = attendance.check_in(
        actor=personas.cadre, staff=duty.people[0], post=duty.gate, at=at(mine, 20)
    )
    assert done.late_minutes == 20
    assert not attendance.is_late(done)


def test_an_hour_early_belongs_to_the_shift_earlier_is_an_unplanned_presence(
    personas, duty, on_gate
):
    mine, _lead = on_gate
    early = attendance.check_in(
        actor=personas.cadre, staff=duty.people[0], post=duty.gate, at=at(mine, -60)
    )
    assert early.assignment == mine
    assert early.late_minutes == 0
    attendance.check_out(actor=personas.cadre, staff=duty.people[0], at=at(mine, -59))
    Attendance.objects.all().delete()
    too_early = attendance.check_in(
        actor=personas.cadre, staff=duty.people[0], post=duty.gate, at=at(mine, -61)
    )
    assert too_early.assignment is None  # still recorded: they are on duty in A
    assert too_early.day == timezone.localdate(at(mine, -61))


def test_coming_back_after_a_break_is_not_late(personas, duty, on_gate):
    mine, _lead = on_gate
    staff = duty.people[0]
    first = attendance.check_in(actor=personas.cadre, staff=staff, post=duty.gate, at=at(mine, 20))
    attendance.check_out(actor=personas.cadre, staff=staff, at=at(mine, 200))
    back = attendance.check_in(actor=personas.cadre, staff=staff, post=duty.gate, at=at(mine, 260))
    assert first.late_minutes == 20
    assert back.assignment == mine
    assert back.late_minutes == 0


def test_someone_not_on_duty_in_the_community_and_without_a_shift_is_refused(
    personas, duty, on_gate
):
    mine, _lead = on_gate
    with pytest.raises(ValidationError) as refused:
        attendance.check_in(
            actor=personas.cadre, staff=duty.people[0], post=duty.post_b, at=at(mine, 0)
        )
    assert "not on duty in 乙社区" in refused.value.errors["post"]
    assert not Attendance.objects.exists()


def test_checking_in_again_at_the_same_post_is_the_same_answer(personas, duty, on_gate):
    mine, _lead = on_gate
    first = attendance.check_in(
        actor=personas.cadre, staff=duty.people[0], post=duty.gate, at=at(mine, 0)
    )
    again = attendance.check_in(
        actor=personas.cadre, staff=duty.people[0], post=duty.gate, at=at(mine, 5)
    )
    assert again.pk == first.pk
    assert again.check_in_at == first.check_in_at
    assert Attendance.objects.count() == 1


def test_checking_in_at_another_post_while_checked_in_is_refused(personas, duty, on_gate):
    mine, _lead = on_gate
    attendance.check_in(actor=personas.cadre, staff=duty.people[0], post=duty.gate, at=at(mine, 0))
    with pytest.raises(ValidationError) as refused:
        attendance.check_in(
            actor=personas.cadre, staff=duty.people[0], post=duty.patrol, at=at(mine, 5)
        )
    assert "check out of 北门 first" in refused.value.errors["post"]
    assert Attendance.objects.count() == 1


@pytest.mark.parametrize("who", ["staff_a", "hq", "outsider"])
def test_only_the_person_checks_themselves_in(personas, duty, on_gate, who):
    mine, _lead = on_gate
    with pytest.raises(PermissionDenied):
        attendance.check_in(
            actor=getattr(personas, who), staff=duty.people[0], post=duty.gate, at=at(mine, 0)
        )
    assert not Attendance.objects.exists()


def test_a_time_in_the_future_or_too_old_is_refused(personas, duty):
    staff = duty.people[0]
    with pytest.raises(ValidationError) as future:
        attendance.check_in(
            actor=personas.cadre,
            staff=staff,
            post=duty.gate,
            at=timezone.now() + dt.timedelta(hours=1),
        )
    assert "future" in future.value.errors["at"]
    with pytest.raises(ValidationError) as old:
        attendance.check_in(
            actor=personas.cadre,
            staff=staff,
            post=duty.gate,
            at=timezone.now() - dt.timedelta(days=8),
        )
    assert "by hand" in old.value.errors["at"]


def test_a_closed_post_refuses_check_ins(personas, duty):
    duty.patrol.active = False
    duty.patrol.save()
    with pytest.raises(ValidationError) as refused:
        attendance.check_in(actor=personas.cadre, staff=duty.people[0], post=duty.patrol)
    assert "巡查 is closed" in refused.value.errors["post"]


def test_post_by_token_finds_the_post_of_a_qr_code(duty):
    assert attendance.post_by_token(duty.gate.token) == duty.gate
    assert attendance.post_by_token("no-such-token") is None
    assert attendance.post_by_token("") is None


# --- check-out and overtime ---------------------------------------------------------------


def test_check_out_counts_the_minutes(personas, duty, on_gate):
    mine, _lead = on_gate
    attendance.check_in(actor=personas.cadre, staff=duty.people[0], post=duty.gate, at=at(mine, 0))
    done = attendance.check_out(actor=personas.cadre, staff=duty.people[0], at=at(mine, 600))
    assert done.minutes == 600
    assert done.out_source == "app"
    assert not done.overtime
    assert not Notification.objects.filter(kind="overtime").exists()


def test_check_out_without_check_in_or_before_it_is_refused(personas, duty, on_gate):
    mine, _lead = on_gate
    with pytest.raises(ValidationError) as none:
        attendance.check_out(actor=personas.cadre, staff=duty.people[0], at=at(mine, 0))
    assert "not checked in" in none.value.errors["staff"]
    attendance.check_in(actor=personas.cadre, staff=duty.people[0], post=duty.gate, at=at(mine, 0))
    with pytest.raises(ValidationError) as before:
        attendance.check_out(actor=personas.cadre, staff=duty.people[0], at=at(mine, -5))
    assert "before the check-in" in before.value.errors["at"]


def test_a_day_past_the_hours_limit_is_overtime_and_community_staff_are_told_once(
    personas, duty, on_gate
):
    mine, _lead = on_gate
    staff = duty.people[0]
    attendance.check_in(actor=personas.cadre, staff=staff, post=duty.gate, at=at(mine, 0))
    first = attendance.check_out(actor=personas.cadre, staff=staff, at=at(mine, 700))
    assert not first.overtime  # 11 h 40 min: within 12 h
    attendance.check_in(actor=personas.cadre, staff=staff, post=duty.gate, at=at(mine, 710))
    second = attendance.check_out(actor=personas.cadre, staff=staff, at=at(mine, 740))
    assert second.overtime  # 11 h 40 min + 30 min
    attendance.check_in(actor=personas.cadre, staff=staff, post=duty.gate, at=at(mine, 745))
    third = attendance.check_out(actor=personas.cadre, staff=staff, at=at(mine, 750))
    assert third.overtime
    told = Notification.objects.filter(kind="overtime")
    assert [n.user for n in told] == [personas.staff_a]  # A's staff, once; not B's
    assert told[0].title == f"值一 worked 12.2 h on {mine.day:%m-%d}; the limit is 12 h."


# --- hand entries -------------------------------------------------------------------------


def test_the_shift_leader_enters_a_presence_by_hand_with_a_reason(personas, duty, on_gate):
    mine, lead = on_gate
    leader = login_for(lead.staff, "leader")
    done = attendance.attendance_manual(
        actor=leader,
        staff=duty.people[0],
        post=duty.gate,
        check_in_at=at(mine, 30),
        check_out_at=at(mine, 720),
        reason="手机没电",
    )
    assert (done.in_source, done.out_source) == ("manual", "manual")
    assert done.assignment == mine
    assert (done.late_minutes, done.minutes) == (30, 690)
    assert done.recorded_by == leader


def test_a_hand_entry_needs_a_reason_and_sane_times(personas, duty, on_gate):
    mine, _lead = on_gate
    with pytest.raises(ValidationError) as refused:
        attendance.attendance_manual(
            actor=personas.staff_a,
            staff=duty.people[0],
            post=duty.gate,
            check_in_at=at(mine, 30),
            check_out_at=at(mine, 10),
            reason="  ",
        )
    assert set(refused.value.errors) == {"reason", "check_out_at"}


def test_a_hand_entry_overlapping_another_presence_is_refused(personas, duty, on_gate):
    mine, _lead = on_gate
    attendance.check_in(actor=personas.cadre, staff=duty.people[0], post=duty.gate, at=at(mine, 0))
    with pytest.raises(ValidationError) as refused:
        attendance.attendance_manual(
            actor=personas.staff_a,
            staff=duty.people[0],
            post=duty.gate,
            check_in_at=at(mine, 60),
            check_out_at=at(mine, 120),
            reason="补录",
        )
    assert "overlaps" in refused.value.errors["check_in_at"]


@pytest.mark.parametrize("who", ["cadre", "staff_b", "district"])
def test_only_the_leader_or_a_planner_enters_by_hand(personas, duty, on_gate, who):
    mine, _lead = on_gate
    with pytest.raises(PermissionDenied):
        attendance.attendance_manual(
            actor=getattr(personas, who),
            staff=duty.people[2],
            post=duty.gate,
            check_in_at=at(mine, 0),
            reason="补录",
        )


# --- offline batches ----------------------------------------------------------------------


def test_the_same_uuid_twice_in_one_batch_and_in_two_batches_is_one_row_same_answer(
    personas, duty, on_gate
):
    mine, _lead = on_gate
    item = attendance_item("in", duty.people[0].pk, at(mine, 0), post_id=duty.gate.pk)
    first, twin = attendance.attendance_batch(actor=personas.cadre, items=[item, item])
    [again] = attendance.attendance_batch(actor=personas.cadre, items=[item])
    assert first.status == "created"
    assert twin.status == again.status == "duplicate"
    assert first.id == twin.id == again.id
    assert Attendance.objects.count() == 1
    assert AttendanceEvent.objects.count() == 1


def test_a_refused_item_sent_again_gets_the_same_refusal(personas, duty, on_gate):
    mine, _lead = on_gate
    item = attendance_item("out", duty.people[0].pk, at(mine, 0))
    [first] = attendance.attendance_batch(actor=personas.cadre, items=[item])
    # Checked in meanwhile: the old refused event still answers as it did.
    attendance.check_in(actor=personas.cadre, staff=duty.people[0], post=duty.gate, at=at(mine, 1))
    [again] = attendance.attendance_batch(actor=personas.cadre, items=[item])
    assert first.status == again.status == "rejected"
    assert (
        (again.field, again.message)
        == (first.field, first.message)
        == (
            "staff_id",
            "值一 is not checked in.",
        )
    )
    assert Attendance.objects.get().check_out_at is None


def test_a_batch_answers_each_item_in_order(personas, duty, on_gate):
    mine, _lead = on_gate
    me = duty.people[0].pk
    items = [
        attendance_item("in", me, at(mine, 0), post_token=duty.gate.token),
        attendance_item("in", me, at(mine, 1), post_token="bad-token"),
        attendance_item("in", me, at(mine, 2), post_id=duty.patrol.pk),
        attendance_item("out", me, at(mine, 300)),
        attendance_item("in", 999_999, at(mine, 3), post_id=duty.gate.pk),
        attendance_item("in", duty.people[3].pk, at(mine, 4), post_id=duty.gate.pk),
    ]
    results = attendance.attendance_batch(actor=personas.cadre, items=items)
    assert [r.client_uuid for r in results] == [i["client_uuid"] for i in items]
    assert [r.status for r in results] == [
        "created",
        "rejected",
        "rejected",
        "created",
        "rejected",
        "rejected",
    ]
    assert [r.field for r in results] == ["", "post_token", "post_id", "", "staff_id", "staff_id"]
    assert "Unknown post" in results[1].message
    assert "check out of 北门 first" in results[2].message
    assert "Unknown person" in results[4].message
    # Someone else's check-in from the cadre's phone: the same neutral answer, no name.
    assert results[5].message == results[4].message == "Unknown person."
    row = Attendance.objects.get()
    assert (row.in_source, row.minutes) == ("qr", 300)
    assert results[0].id == results[3].id == row.pk
    # Each answer is kept for a resend except the unknown person (nothing to attach it to).
    assert AttendanceEvent.objects.count() == 5


def test_the_shift_leaders_phone_may_send_the_crews_check_ins(personas, duty, on_gate):
    mine, lead = on_gate
    leader = login_for(lead.staff, "leader")
    items = [
        attendance_item("in", duty.people[0].pk, at(mine, 3), post_id=duty.gate.pk),
        attendance_item("in", lead.staff_id, at(mine, 0), post_id=duty.gate.pk),
    ]
    results = attendance.attendance_batch(actor=leader, items=items)
    assert [r.status for r in results] == ["created", "created"]
    crew = Attendance.objects.get(staff=duty.people[0])
    assert (crew.in_source, crew.recorded_by) == ("manual", leader)
    assert crew.reason
    assert Attendance.objects.get(staff=lead.staff).in_source == "app"


def test_a_batch_over_a_thousand_is_refused(personas, duty):
    items = [attendance_item("out", duty.people[0].pk, timezone.now()) for _ in range(1001)]
    with pytest.raises(ValidationError):
        attendance.attendance_batch(actor=personas.cadre, items=items)
    assert not AttendanceEvent.objects.exists()


# --- no-shows -----------------------------------------------------------------------------


def test_no_shows_are_started_shifts_past_the_grace_with_nobody_checked_in(personas, city, duty):
    today = timezone.localdate()
    now = timezone.now()
    roster = roster_for(personas.staff_a, city.a, today)
    gone = put(
        roster, day_shift(duty), today, duty.people[0], starts_at=now - dt.timedelta(minutes=30)
    )
    came = put(
        roster, day_shift(duty), today, duty.people[2], starts_at=now - dt.timedelta(minutes=30)
    )
    put(roster, night_shift(duty), today, duty.people[3], starts_at=now - dt.timedelta(minutes=5))
    put(roster, day_shift(duty), today, duty.people[4], starts_at=now + dt.timedelta(hours=1))
    draft = roster_for(personas.staff_a, city.a, today, status=RosterStatus.DRAFT)
    put(draft, day_shift(duty), today, duty.people[5], starts_at=now - dt.timedelta(hours=1))
    user = login_for(duty.people[2], "came")
    attendance.check_in(actor=user, staff=duty.people[2], post=duty.gate, at=at(came, 20))

    missing = list(attendance.no_shows(city.a, today))
    assert missing == [gone]
    assert list(attendance.no_shows(city.b, today)) == []


def test_no_shows_use_the_community_late_rule(personas, city, duty):
    today = timezone.localdate()
    roster = roster_for(personas.staff_a, city.a, today)
    put(
        roster,
        day_shift(duty),
        today,
        duty.people[0],
        starts_at=timezone.now() - dt.timedelta(minutes=20),
    )
    assert attendance.no_shows(city.a, today).count() == 1
    services.rules_set(actor=personas.staff_a, community=city.a, late_after_minutes=30)
    assert attendance.no_shows(city.a, today).count() == 0
