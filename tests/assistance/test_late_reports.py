"""A missed isolation report tells the community's staff once per resident and deadline,
with the clock given (frozen): nothing before noon, one message after it, still one however
often the job runs; the evening deadline is another message; a report in time tells none."""

from __future__ import annotations

import datetime as dt

import pytest

from shequ.assistance import isolation
from shequ.assistance.late_reports import notify_late_reports
from shequ.assistance.models import LateNotice
from shequ.core.models import Notification
from shequ.core.workers import PERIODIC
from tests.assistance.test_isolation import at, clock, isolate

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _told() -> list[tuple[str, str]]:
    return sorted(
        Notification.objects.filter(kind="isolation_late").values_list("user__username", "url")
    )


def test_a_missed_noon_report_tells_the_staff_once(personas, city):
    isolate(personas, city.ha1, start=at(8) - dt.timedelta(days=2))
    assert notify_late_reports(now=at(11, 59)) == 0
    assert _told() == []

    assert notify_late_reports(now=at(12, 1)) == 1
    assert _told() == [("staff_a", "/help/isolation/?show=late")]  # not B's staff, not HQ
    title = Notification.objects.get(kind="isolation_late").title
    assert "1号楼 101室" in title

    assert notify_late_reports(now=at(12, 30)) == 0  # run again: still one
    assert notify_late_reports(now=at(19, 0)) == 0
    assert len(_told()) == 1
    assert LateNotice.objects.get().slot == "am"

    assert notify_late_reports(now=at(20, 1)) == 1  # the evening's deadline: a second one
    assert notify_late_reports(now=at(21, 0)) == 0
    assert len(_told()) == 2


def test_a_report_in_time_tells_nobody(personas, city, monkeypatch):
    resident = isolate(personas, city.ha1, start=at(8) - dt.timedelta(days=2))
    clock(monkeypatch, at(9))
    isolation.isolation_report(actor=personas.cadre, resident=resident, temperature="36.6")
    assert notify_late_reports(now=at(12, 1)) == 0
    assert _told() == []


def test_someone_isolated_after_noon_was_not_due_by_noon(personas, city):
    isolate(personas, city.ha1, start=at(15))
    assert notify_late_reports(now=at(16)) == 0
    assert notify_late_reports(now=at(20, 1)) == 1


def test_the_worker_runs_it(personas, city):
    assert notify_late_reports in PERIODIC
