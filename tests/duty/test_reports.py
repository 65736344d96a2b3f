"""Hours and person-times (人次) by person, team, agency and community, within scope."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from shequ.core.errors import ValidationError
from shequ.duty import attendance, reports
from shequ.mobilization import services as mob_services
from shequ.mobilization.models import Agency, Team, TeamMember
from tests.duty.conftest import on_duty
from tests.duty.helpers import day_shift, put, roster_for
from tests.mobilization.conftest import make_staff

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _local(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hh, mm)))


@pytest.fixture
def worked(personas, city, duty):
    """Yesterday (Y): 值一 08:05–20:00 (715 min, 5 late: on time); 值二 08:30–20:40 (730 min:
    late and overtime); 值三 on patrol twice, 240 + 180 min (another agency); 值四 in at
    21:00, still there; a volunteer 60 min; 乙值一 at B's gate 120 min. 值一 and 值二 form
    team 1 of A; 值一 was earlier in team 7, sent to B."""
    y = timezone.localdate() - dt.timedelta(days=1)
    p = duty.people
    roster = roster_for(personas.staff_a, city.a, y)
    put(roster, day_shift(duty), y, p[0])
    put(roster, day_shift(duty), y, p[1], leader=True)
    put(roster, duty.patrol.shifts.get(), y, p[2])
    other = Agency.objects.create(code="AG2", name="二厅", level="province")
    p[2].agency = other
    p[2].save(update_fields=["agency"])
    volunteer = make_staff(personas.staff_a, None, city.a, "志愿者", kind="volunteer")
    on_duty(personas.hq, duty.order, [volunteer], city.a)
    team_a = Team.objects.create(order=duty.order, number=1, leader=p[1], community=city.a)
    second = mob_services.order_issue(
        actor=personas.hq, title="二", scope=city.c, deadline=duty.order.deadline
    )
    team_b = Team.objects.create(order=second, number=7, leader=p[0], community=city.b)
    TeamMember.objects.create(team=team_a, order=duty.order, staff=p[0])
    TeamMember.objects.create(team=team_a, order=duty.order, staff=p[1], is_leader=True)
    TeamMember.objects.create(team=team_b, order=second, staff=p[0], is_leader=True)

    def enter(actor, staff, post, start, end=None):
        return attendance.attendance_manual(
            actor=actor,
            staff=staff,
            post=post,
            check_in_at=start,
            check_out_at=end,
            reason="测试",
        )

    a = personas.staff_a
    enter(a, p[0], duty.gate, _local(y, 8, 5), _local(y, 20))
    enter(a, p[1], duty.gate, _local(y, 8, 30), _local(y, 20, 40))
    enter(a, p[2], duty.patrol, _local(y, 9), _local(y, 13))
    enter(a, p[2], duty.patrol, _local(y, 14), _local(y, 17))
    enter(a, p[3], duty.gate, _local(y, 21))
    enter(a, volunteer, duty.patrol, _local(y, 10), _local(y, 11))
    enter(personas.staff_b, duty.b1, duty.post_b, _local(y, 10), _local(y, 12))
    return SimpleNamespace(day=y, team_a=team_a, other=other, volunteer=volunteer)


def _rows(report: reports.HoursReport) -> dict[str, tuple]:
    return {
        r.name: (r.people, r.person_times, r.minutes, r.late, r.overtime, r.open)
        for r in report.rows
    }


def test_hours_and_person_times_per_person(personas, worked):
    report = reports.hours_report(personas.hq, by="person", day_from=worked.day)
    assert _rows(report) == {
        "值一": (1, 1, 715, 0, 0, 0),
        "值二": (1, 1, 730, 1, 1, 0),
        "值三": (1, 2, 420, 0, 0, 0),
        "值四": (1, 1, 0, 0, 0, 1),
        "志愿者": (1, 1, 60, 0, 0, 0),
        "乙值一": (1, 1, 120, 0, 0, 0),
    }
    assert all(r.day == worked.day for r in report.rows)
    total = report.total
    assert (total.people, total.person_times, total.minutes) == (6, 7, 2045)
    assert (total.late, total.overtime, total.open) == (1, 1, 1)
    assert next(r for r in report.rows if r.name == "值二").hours == 12.2


def test_figures_per_community_agency_and_team(personas, worked):
    by = {
        level: _rows(reports.hours_report(personas.hq, by=level, day_from=worked.day))
        for level in ("community", "agency", "team")
    }
    assert by["community"] == {
        "甲社区": (5, 6, 1925, 1, 1, 1),
        "乙社区": (1, 1, 120, 0, 0, 0),
    }
    assert by["agency"] == {
        "测试厅": (4, 4, 1565, 1, 1, 1),
        "二厅": (1, 2, 420, 0, 0, 0),
        "No agency (volunteers)": (1, 1, 60, 0, 0, 0),
    }
    # 值一's presence in A counts for team 1 of A, not the later team 7 sent to B.
    assert by["team"] == {
        "Team 1, 甲社区": (2, 2, 1445, 1, 1, 0),
        "No team": (4, 5, 600, 0, 0, 1),
    }


def test_the_late_rule_of_the_community_decides_the_late_count(personas, city, worked):
    from shequ.duty import services

    services.rules_set(actor=personas.staff_a, community=city.a, late_after_minutes=2)
    report = reports.hours_report(personas.hq, by="person", day_from=worked.day)
    assert _rows(report)["值一"][3] == 1  # 5 minutes late is late now


@pytest.mark.parametrize(
    ("who", "people"),
    [
        ("staff_a", {"值一", "值二", "值三", "值四", "志愿者"}),
        ("staff_b", {"乙值一"}),
        ("street", {"值一", "值二", "值三", "值四", "志愿者"}),
        ("coordinator", {"值一", "值二", "值四", "乙值一"}),  # the agency's people, anywhere
        ("cadre", {"值一"}),  # their own
        ("outsider", set()),
    ],
)
def test_each_user_counts_only_what_they_may_see(personas, worked, who, people):
    report = reports.hours_report(getattr(personas, who), by="person", day_from=worked.day)
    assert {r.name for r in report.rows} == people
    assert report.total.person_times == sum(r.person_times for r in report.rows)


def test_a_range_adds_up_over_the_days_unless_split_per_day(personas, duty, worked):
    day_before = worked.day - dt.timedelta(days=1)
    attendance.attendance_manual(
        actor=personas.staff_a,
        staff=duty.people[0],
        post=duty.gate,
        check_in_at=_local(day_before, 8),
        check_out_at=_local(day_before, 9),
        reason="测试",
    )
    split = reports.hours_report(
        personas.staff_a, by="person", day_from=day_before, day_to=worked.day
    )
    mine = [(r.day, r.minutes) for r in split.rows if r.name == "值一"]
    assert mine == [(day_before, 60), (worked.day, 715)]
    whole = reports.hours_report(
        personas.staff_a, by="person", day_from=day_before, day_to=worked.day, per_day=False
    )
    assert [(r.day, r.minutes) for r in whole.rows if r.name == "值一"] == [(None, 775)]


def test_bad_report_arguments_name_the_field(personas):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as level:
        reports.hours_report(personas.hq, by="street", day_from=today)
    assert set(level.value.errors) == {"by"}
    with pytest.raises(ValidationError) as backwards:
        reports.hours_report(personas.hq, day_from=today, day_to=today - dt.timedelta(days=1))
    assert set(backwards.value.errors) == {"day_to"}
    with pytest.raises(ValidationError) as too_long:
        reports.hours_report(personas.hq, day_from=today, day_to=today + dt.timedelta(days=92))
    assert set(too_long.value.errors) == {"day_to"}
