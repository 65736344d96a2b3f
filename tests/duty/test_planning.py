"""Rosters from the database: generate, explain, publish, re-plan, previous work, scope."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone, translation

from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.models import Notification
from shequ.duty import planning, services
from shequ.duty.models import (
    DutyRules,
    RequestKind,
    Roster,
    RosterStatus,
)
from shequ.duty.roster import check
from tests.duty.helpers import put, roster_for

pytestmark = pytest.mark.django_db


def _pairs(roster: Roster) -> set[tuple[int, int, dt.date]]:
    return set(roster.assignments.values_list("staff_id", "shift_id", "day"))


def test_generated_roster_breaks_no_rule_and_covers_every_shift(personas, city, duty):
    roster = planning.roster_generate(
        actor=personas.staff_a, place=city.a, starts_on=duty.tomorrow, days=7
    )
    ctx, pairs = planning.roster_context(roster)
    assert check.violations(ctx.problem, pairs) == []
    assert check.penalty(ctx.problem, pairs).short == {}
    # 2 gate shifts + 1 patrol a day, one person each, one leader per shift.
    assert roster.assignments.count() == 21
    leaders = Counter(roster.assignments.filter(is_leader=True).values_list("shift_id", "day"))
    assert set(leaders.values()) == {1}
    assert len(leaders) == 21
    assert roster.objective == check.penalty(ctx.problem, pairs).total


def test_explanations_say_which_shift_is_short_and_why(personas, city, duty):
    night = duty.gate.shifts.get(name="夜班")
    services.requirement_set(
        actor=personas.staff_a, shift=night, min_people=2, max_people=2, day=duty.tomorrow
    )
    # Everyone but one says they can't work tomorrow.
    for person in duty.people[1:]:
        services.duty_request_add(
            actor=personas.staff_a, staff=person, day=duty.tomorrow, kind=RequestKind.UNAVAILABLE
        )
    roster = planning.roster_generate(
        actor=personas.staff_a, place=city.a, starts_on=duty.tomorrow, days=2
    )
    short = [i for i in roster.explanation if i["code"] == "short"]
    assert short, roster.explanation
    with translation.override("en"):
        texts = [planning.explanation_text(i) for i in short]
    first_day = [t for t in texts if f"{duty.tomorrow:%m-%d}" in t]
    assert first_day
    assert all("of 8 people free" in t for t in first_day)
    assert any("can't work that day" in t for t in first_day)


def test_a_shift_longer_than_the_day_limit_is_reported_as_impossible(personas, city, duty):
    DutyRules.objects.create(community=city.a, max_hours_per_day=10)
    roster = planning.roster_generate(
        actor=personas.staff_a, place=city.a, starts_on=duty.tomorrow, days=1
    )
    impossible = [i for i in roster.explanation if i["code"] == "too_long"]
    assert len(impossible) == 2  # the gate's two 12-hour shifts
    with translation.override("en"):
        assert "北门" in planning.explanation_text(impossible[0])
        assert "10 h a day" in planning.explanation_text(impossible[0])
    gate_shifts = set(duty.gate.shifts.values_list("pk", flat=True))
    assert not roster.assignments.filter(shift__in=gate_shifts).exists()


def test_publish_replaces_the_same_week_and_refuses_a_partial_overlap(personas, city, duty):
    first = planning.roster_generate(
        actor=personas.staff_a, place=city.a, starts_on=duty.tomorrow, days=7
    )
    # A draft made while nothing was published yet, three days later.
    shifted = planning.roster_generate(
        actor=personas.staff_a,
        place=city.a,
        starts_on=duty.tomorrow + dt.timedelta(days=3),
        days=7,
    )
    first = planning.roster_publish(actor=personas.staff_a, roster=first)
    again = planning.roster_generate(
        actor=personas.staff_a, place=city.a, starts_on=duty.tomorrow, days=7
    )
    planning.roster_publish(actor=personas.staff_a, roster=again)
    first.refresh_from_db()
    assert first.status == RosterStatus.SUPERSEDED
    with pytest.raises(ValidationError) as err:
        planning.roster_publish(actor=personas.staff_a, roster=shifted)
    nxt = duty.tomorrow + dt.timedelta(days=7)
    assert f"{nxt:%m-%d}" in str(err.value)
    shifted.refresh_from_db()
    assert shifted.status == RosterStatus.DRAFT


def test_a_partial_overlap_is_said_before_solving(personas, city, duty):
    published = planning.roster_generate(
        actor=personas.staff_a, place=city.a, starts_on=duty.tomorrow, days=7
    )
    planning.roster_publish(actor=personas.staff_a, roster=published)
    drafts = Roster.objects.count()
    with pytest.raises(ValidationError) as err:
        planning.roster_generate(
            actor=personas.staff_a,
            place=city.a,
            starts_on=duty.tomorrow + dt.timedelta(days=3),
            days=7,
        )
    nxt = duty.tomorrow + dt.timedelta(days=7)
    [problem] = err.value.as_list()
    assert problem["field"] == "starts_on"
    assert f"{nxt:%m-%d}" in problem["message"]
    assert Roster.objects.count() == drafts  # nothing solved, nothing saved


def test_publishing_tells_the_people_on_it(personas, city, duty):
    roster = planning.roster_generate(
        actor=personas.staff_a, place=city.a, starts_on=duty.tomorrow, days=7
    )
    planning.roster_publish(actor=personas.staff_a, roster=roster)
    on_it = roster.assignments.filter(staff=duty.people[0]).exists()
    assert Notification.objects.filter(user=personas.cadre, kind="roster").exists() == on_it


def test_replan_after_someone_falls_ill_changes_only_around_them(personas, city, duty):
    roster = planning.roster_generate(
        actor=personas.staff_a, place=city.a, starts_on=duty.tomorrow, days=7
    )
    roster = planning.roster_publish(actor=personas.staff_a, roster=roster)
    ill_day = duty.tomorrow + dt.timedelta(days=3)
    ill = roster.assignments.filter(day=ill_day).first().staff
    services.duty_request_add(
        actor=personas.staff_a, staff=ill, day=ill_day, kind=RequestKind.UNAVAILABLE
    )
    draft = planning.roster_replan(actor=personas.staff_a, roster=roster, reason="病")
    before, after = _pairs(roster), _pairs(draft)
    assert not any(s == ill.pk and d == ill_day for s, _, d in after)
    assert draft.based_on == roster
    assert draft.changes == len(before ^ after)
    # Far from the day and the person, nothing moved.
    far = {p for p in before if abs((p[2] - ill_day).days) > 1 and p[0] != ill.pk}
    assert far <= after


def test_replan_without_news_changes_nothing(personas, city, duty):
    roster = planning.roster_generate(
        actor=personas.staff_a, place=city.a, starts_on=duty.tomorrow, days=7
    )
    roster = planning.roster_publish(actor=personas.staff_a, roster=roster)
    draft = planning.roster_replan(actor=personas.staff_a, roster=roster)
    assert draft.changes == 0
    assert _pairs(draft) == _pairs(roster)


def test_last_nights_work_counts_for_rest_in_a_new_roster(personas, city, duty):
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    worker = duty.people[2]
    night = duty.gate.shifts.get(name="夜班")
    day_shift = duty.gate.shifts.get(name="白班")
    old = roster_for(personas.staff_a, city.a, yesterday)
    put(old, night, yesterday, worker)  # 20:00 to 08:00 today
    # They would like today's day shift, but it starts when their night ends.
    services.duty_request_add(
        actor=personas.staff_a, staff=worker, day=today, kind=RequestKind.PREFER, shift=day_shift
    )
    roster = planning.roster_generate(actor=personas.staff_a, place=city.a, starts_on=today, days=1)
    assert not roster.assignments.filter(staff=worker, shift=day_shift).exists()
    ctx, _pairs_now = planning.roster_context(roster)
    with translation.override("en"):
        problems = planning.check_add(roster, day_shift, today, worker.pk)
    assert any("rest" in p for p in problems)
    assert ctx.problem.past


def test_a_street_roster_plans_the_posts_and_people_of_its_communities(personas, city, duty):
    roster = planning.roster_generate(
        actor=personas.street, place=city.s1, starts_on=duty.tomorrow, days=2
    )
    people = set(roster.assignments.values_list("staff_id", flat=True))
    assert people <= {p.pk for p in duty.people}
    posts = set(roster.assignments.values_list("shift__post__community", flat=True))
    assert posts == {city.a.pk}
    with pytest.raises(PermissionDenied):
        planning.roster_generate(
            actor=personas.other_street, place=city.s1, starts_on=duty.tomorrow, days=2
        )


@pytest.mark.parametrize(
    ("days", "starts", "field"),
    [(0, 1, "days"), (29, 1, "days"), (7, -3, "starts_on")],
)
def test_bad_horizons_are_refused(personas, city, duty, days, starts, field):
    with pytest.raises(ValidationError) as err:
        planning.roster_generate(
            actor=personas.staff_a,
            place=city.a,
            starts_on=timezone.localdate() + dt.timedelta(days=starts),
            days=days,
        )
    assert field in err.value.errors
    assert not Roster.objects.exists()


def test_a_community_without_posts_is_told_to_add_one(personas, city, duty):
    with pytest.raises(ValidationError) as err:
        planning.roster_generate(actor=personas.hq, place=city.s3, starts_on=duty.tomorrow, days=1)
    assert "place" in err.value.errors


def test_hand_edits_are_checked_against_the_rules(personas, city, duty):
    roster = planning.roster_generate(
        actor=personas.staff_a, place=city.a, starts_on=duty.tomorrow, days=2
    )
    day_shift = duty.gate.shifts.get(name="白班")
    night = duty.gate.shifts.get(name="夜班")
    worker = roster.assignments.get(shift=night, day=duty.tomorrow).staff
    with pytest.raises(ValidationError) as err:
        planning.assignment_add(
            actor=personas.staff_a, roster=roster, shift=day_shift, day=duty.tomorrow, staff=worker
        )
    assert "staff" in err.value.errors
    # Someone from community B is not on duty here.
    with pytest.raises(ValidationError):
        planning.assignment_add(
            actor=personas.staff_a,
            roster=roster,
            shift=day_shift,
            day=duty.tomorrow,
            staff=duty.b1,
        )
    with pytest.raises(PermissionDenied):
        planning.assignment_add(
            actor=personas.staff_b,
            roster=roster,
            shift=day_shift,
            day=duty.tomorrow,
            staff=duty.people[3],
        )
