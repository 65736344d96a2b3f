"""A schedule becomes due slots in the city's time zone; a round in a slot's window makes it
done, none by its close makes it missed; windows run across midnight."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from shequ.core.errors import ValidationError
from shequ.patrols import schedule, services
from shequ.patrols.models import AreaKind
from tests.patrols.conftest import TZ, local


def test_twice_daily_gives_two_local_slots_with_their_windows():
    slots = schedule.slots_on([8 * 60, 16 * 60], 60, dt.date(2026, 3, 2), TZ)
    assert [s.at for s in slots] == [local(2026, 3, 2, 8), local(2026, 3, 2, 16)]
    # 08:00 in Shanghai is 00:00 UTC: the slot is the local time, not the server's.
    assert slots[0].at.astimezone(dt.UTC).hour == 0
    assert (slots[0].opens, slots[0].closes) == (local(2026, 3, 2, 7), local(2026, 3, 2, 9))


def test_a_late_evening_slot_is_done_by_a_round_just_after_midnight():
    [slot] = schedule.slots_on([23 * 60 + 30], 60, dt.date(2026, 3, 2), TZ)
    assert slot.closes == local(2026, 3, 3, 0, 30)
    after_midnight = [local(2026, 3, 3, 0, 15)]
    assert schedule.status(slot, after_midnight, local(2026, 3, 3, 9)) == schedule.DONE
    too_late = [local(2026, 3, 3, 0, 45)]
    assert schedule.status(slot, too_late, local(2026, 3, 3, 9)) == schedule.MISSED


def test_slots_between_cross_midnight_in_local_time():
    slots = schedule.slots_between(
        [23 * 60, 60], 30, local(2026, 3, 2, 22), local(2026, 3, 3, 2), TZ
    )
    assert [s.at for s in slots] == [local(2026, 3, 2, 23), local(2026, 3, 3, 1)]


def test_status_moves_from_later_to_due_to_missed_unless_done():
    [slot] = schedule.slots_on([8 * 60], 60, dt.date(2026, 3, 2), TZ)
    assert schedule.status(slot, [], local(2026, 3, 2, 6)) == schedule.LATER
    assert schedule.status(slot, [], local(2026, 3, 2, 8, 30)) == schedule.DUE
    assert schedule.status(slot, [], local(2026, 3, 2, 9, 1)) == schedule.MISSED
    assert schedule.status(slot, [local(2026, 3, 2, 7, 5)], local(2026, 3, 2, 12)) == schedule.DONE


def test_every_n_hours_runs_from_the_first_time_until_the_day_ends():
    assert services.times_from("", every_hours=6, start="02:00") == [120, 480, 840, 1200]
    assert services.times_from("16:00，08:00") == [480, 960]


@pytest.mark.parametrize(
    ("times", "every_hours", "start", "field"),
    [("8点", None, "", "times"), ("", None, "", "times"), ("", 30, "", "every_hours"),
     ("", 4, "25:00", "start")],
)  # fmt: skip
def test_a_schedule_that_does_not_read_names_its_field(times, every_hours, start, field):
    with pytest.raises(ValidationError) as exc:
        services.times_from(times, every_hours, start)
    assert field in exc.value.errors


def test_overlapping_windows_are_refused_naming_the_tolerance(pt, city, personas):
    with pytest.raises(ValidationError) as exc:
        services.area_create(
            actor=personas.staff_a, place=city.ka2, kind=AreaKind.LIFT, name="电梯",
            times=[8 * 60, 9 * 60], tolerance=45,
        )  # fmt: skip
    assert "30" in exc.value.errors["tolerance"]


@given(
    st.lists(st.integers(0, 24 * 60 - 1), min_size=1, max_size=6, unique=True),
    st.integers(0, 3000),
)
def test_a_round_counts_for_at_most_one_slot_when_windows_do_not_overlap(times, offset):
    # The widest tolerance area_create accepts: windows shorter than half the gap.
    tolerance = (schedule.smallest_gap(times) - 1) // 2
    assume(tolerance >= 1)
    slots = schedule.slots_between(times, tolerance, local(2026, 3, 1, 0), local(2026, 3, 4, 0), TZ)
    moment = local(2026, 3, 2, 0) + dt.timedelta(minutes=offset)
    done = [s for s in slots if schedule.status(s, [moment], local(2026, 3, 5, 0)) == "done"]
    assert len(done) <= 1
