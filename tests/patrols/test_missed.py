"""Missed rounds: a due slot with no round in its window is missed; the community's own staff
are told once per missed slot, however often the job runs."""

from __future__ import annotations

import datetime as dt

from typer.testing import CliRunner

from shequ.cli import app
from shequ.core.models import AuditEvent, Notification
from shequ.patrols import selectors, services
from shequ.patrols.missed import flag_missed
from shequ.patrols.models import MissedSlot
from tests.patrols.conftest import local


def test_a_slot_with_no_round_is_missed_and_told_once_to_the_communitys_staff(pt, frozen, personas):
    frozen(local(2026, 3, 2, 8, 10))
    services.round_record(actor=pt.cadre, area=pt.area)  # 08:00 done
    frozen(local(2026, 3, 2, 17, 5))  # 16:00's window closed at 17:00 with nothing
    # Within the last day: A's stairwell at 16:00 on 1 and 2 March, B's gate at 09:00 today.
    assert flag_missed() == 3
    mine = Notification.objects.filter(kind="patrols_missed", user=personas.staff_a)
    assert mine.count() == 2
    assert all("1号楼楼道" in n.title for n in mine)
    assert any("03-02 16:00" in n.body for n in mine)
    theirs = Notification.objects.filter(kind="patrols_missed", user=personas.staff_b)
    assert [("乙小区大门" in n.title) for n in theirs] == [True]
    assert flag_missed() == 0  # a rerun (or a second worker) tells nothing more
    assert Notification.objects.filter(kind="patrols_missed").count() == 3
    slots = set(MissedSlot.objects.filter(area=pt.area).values_list("slot_at", flat=True))
    assert slots == {local(2026, 3, 1, 16), local(2026, 3, 2, 16)}
    assert AuditEvent.objects.filter(action="patrols.missed_notify").count() == 3


def test_the_checklist_shows_done_missed_and_due(pt, frozen):
    frozen(local(2026, 3, 2, 8, 10))
    services.round_record(actor=pt.cadre, area=pt.area)
    frozen(local(2026, 3, 2, 15, 30))
    [row] = selectors.checklist(pt.area.community)
    assert [s.status for s in row.slots] == ["done", "due"]
    frozen(local(2026, 3, 3, 9, 30))
    [row] = selectors.checklist(pt.area.community, dt.date(2026, 3, 2))
    assert [s.status for s in row.slots] == ["done", "missed"]


def test_a_window_still_open_is_not_missed_and_an_area_set_up_later_owes_nothing(pt, frozen):
    frozen(local(2026, 3, 1, 8, 30))  # the area was set up at 07:00: 08:00 is due, not missed
    assert flag_missed() == 0
    frozen(local(2026, 3, 1, 9, 5))
    assert flag_missed() == 1  # 08:00 on the first day (09:00 for B's gate is open)
    assert not MissedSlot.objects.filter(slot_at__lt=local(2026, 3, 1, 7)).exists()


def test_a_round_sent_late_from_a_phone_turns_the_missed_slot_done(pt, frozen):
    frozen(local(2026, 3, 2, 17, 5))
    flag_missed()
    services.round_record(actor=pt.cadre, area=pt.area, done_at=local(2026, 3, 2, 16, 20))
    [row] = selectors.checklist(pt.area.community)
    assert [s.status for s in row.slots] == ["missed", "done"]


def test_the_week_counts_done_and_missed_per_day(pt, frozen):
    frozen(local(2026, 3, 2, 8, 10))
    services.round_record(actor=pt.cadre, area=pt.area)
    frozen(local(2026, 3, 3, 12))
    days = {d.day: (d.done, d.missed) for d in selectors.week(pt.area.community)}
    assert days[dt.date(2026, 3, 1)] == (0, 2)
    assert days[dt.date(2026, 3, 2)] == (1, 1)
    assert days[dt.date(2026, 3, 3)] == (0, 1)
    assert days[dt.date(2026, 2, 28)] == (0, 0)  # before the area was set up


def test_the_cli_command_flags_and_tells(pt, frozen):
    frozen(local(2026, 3, 2, 9, 5))
    result = CliRunner().invoke(app, ["patrols-missed"])
    assert result.exit_code == 0, result.output
    assert "told: " in result.output
    assert MissedSlot.objects.filter(area=pt.area).count() >= 1
