"""Duty set-up services: posts and shift patterns, requirements, community rules, requests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shequ.core.errors import PermissionDenied, ValidationError
from shequ.duty import services
from shequ.duty.models import DutyRequest, DutyRules, Post, RequestKind, Shift

pytestmark = pytest.mark.django_db


def test_patterns_make_the_shifts_of_a_24_hour_post(personas, city, duty):
    post = services.post_create(
        actor=personas.staff_a, community=city.a, name="东门", kind="checkpoint", pattern="3x8"
    )
    shifts = list(post.shifts.all())
    assert [(s.name, s.hours_label()) for s in shifts] == [
        ("早班", "08:00–16:00"),
        ("中班", "16:00–00:00"),
        ("夜班", "00:00–08:00"),
    ]
    assert sum(s.minutes for s in shifts) == 24 * 60
    assert [s.is_night for s in shifts] == [False, True, True]
    day = duty.patrol.shifts.get()
    assert (day.hours_label(), day.is_night) == ("09:00–17:00", False)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": " "}, "name"),
        ({"name": "北门"}, "name"),  # taken in community A
        ({"kind": "castle"}, "kind"),
        ({"pattern": "4x6"}, "pattern"),
        ({"opens": dt.time(8, 0), "closes": dt.time(20, 0)}, "pattern"),  # 3x8 needs 24 h
        ({"people": 0}, "people"),
    ],
)
def test_post_refusals_name_the_field_and_write_nothing(personas, city, duty, changes, field):
    before = Post.objects.count()
    args = {"name": "东门", "kind": "checkpoint", "pattern": "3x8", **changes}
    with pytest.raises(ValidationError) as err:
        services.post_create(actor=personas.staff_a, community=city.a, **args)
    assert field in err.value.errors
    assert Post.objects.count() == before


def test_post_place_outside_the_community_is_refused(personas, city, duty):
    with pytest.raises(ValidationError) as err:
        services.post_create(
            actor=personas.hq, community=city.a, place=city.kb, name="错门", kind="checkpoint"
        )
    assert "place" in err.value.errors


def test_only_planners_of_the_community_set_up_posts(personas, city, duty):
    for actor in (personas.staff_b, personas.cadre, personas.district, personas.outsider):
        with pytest.raises(PermissionDenied):
            services.post_create(actor=actor, community=city.a, name="东门", kind="checkpoint")
    # The street officer of A's street plans too.
    services.post_create(actor=personas.street, community=city.a, name="东门", kind="checkpoint")


def test_requirement_checks_its_numbers_skills_and_rules(personas, duty):
    shift = duty.gate.shifts.get(name="夜班")
    cases = [
        ({"min_people": 3, "max_people": 2}, "min_people"),
        ({"min_people": 1, "max_people": 0}, "max_people"),
        ({"min_people": 1, "max_people": 2, "skills": ["juggling"]}, "skills"),
        ({"min_people": 1, "max_people": 2, "rules": ["no_rain"]}, "rules"),
    ]
    for args, field in cases:
        with pytest.raises(ValidationError) as err:
            services.requirement_set(actor=personas.staff_a, shift=shift, **args)
        assert field in err.value.errors
    req = services.requirement_set(
        actor=personas.staff_a,
        shift=shift,
        min_people=2,
        max_people=3,
        party_member=True,
        skills=["medical"],
        rules=["not_only_women_at_night"],
    )
    assert (req.min_people, req.max_people, req.party_member) == (2, 3, True)
    one_day = services.requirement_set(
        actor=personas.staff_a,
        shift=shift,
        min_people=4,
        max_people=4,
        day=duty.tomorrow,
    )
    assert shift.requirements.count() == 2
    assert one_day.day == duty.tomorrow


def test_rules_are_checked_and_cannot_forbid_an_existing_shift(personas, city, duty):
    rules = services.rules_set(actor=personas.staff_a, community=city.a, max_consecutive_days=5)
    assert DutyRules.objects.get(community=city.a).max_consecutive_days == 5
    assert rules.max_hours_per_day == 12  # the default kept
    with pytest.raises(ValidationError) as err:
        services.rules_set(actor=personas.staff_a, community=city.a, min_days_off_per_week=7)
    assert "min_days_off_per_week" in err.value.errors
    # The gate has 12-hour shifts: a 10-hour day would leave them unstaffable.
    with pytest.raises(ValidationError) as err:
        services.rules_set(actor=personas.staff_a, community=city.a, max_hours_per_day=10)
    assert "12" in err.value.errors["max_hours_per_day"]
    assert DutyRules.objects.get(community=city.a).max_hours_per_day == 12


def test_a_person_enters_their_own_requests_and_planners_theirs(personas, city, duty):
    cadre_staff = duty.people[0]
    services.duty_request_add(
        actor=personas.cadre, staff=cadre_staff, day=duty.tomorrow, kind=RequestKind.UNAVAILABLE
    )
    services.duty_request_add(
        actor=personas.staff_a,
        staff=duty.people[1],
        day=duty.tomorrow,
        kind=RequestKind.AVOID,
        shift=duty.gate.shifts.get(name="夜班"),
    )
    assert DutyRequest.objects.count() == 2
    with pytest.raises(PermissionDenied):
        services.duty_request_add(
            actor=personas.cadre, staff=duty.people[2], day=duty.tomorrow, kind="unavailable"
        )
    with pytest.raises(PermissionDenied):
        services.duty_request_add(
            actor=personas.staff_b, staff=duty.people[2], day=duty.tomorrow, kind="unavailable"
        )
    with pytest.raises(ValidationError) as err:
        services.duty_request_add(
            actor=personas.cadre, staff=cadre_staff, day=duty.tomorrow, kind=RequestKind.PREFER
        )
    assert "shift" in err.value.errors
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    with pytest.raises(ValidationError) as err:
        services.duty_request_add(
            actor=personas.cadre, staff=cadre_staff, day=yesterday, kind="unavailable"
        )
    assert "day" in err.value.errors


def test_shift_add_refuses_bad_lengths_and_duplicate_names(personas, duty):
    with pytest.raises(ValidationError) as err:
        services.shift_add(
            actor=personas.staff_a, post=duty.gate, name="长班", starts=dt.time(8), minutes=20
        )
    assert "minutes" in err.value.errors
    with pytest.raises(ValidationError) as err:
        services.shift_add(
            actor=personas.staff_a, post=duty.gate, name="夜班", starts=dt.time(8), minutes=60
        )
    assert "name" in err.value.errors
    assert Shift.objects.filter(post=duty.gate).count() == 2
