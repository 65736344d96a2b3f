from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from shequ.core.errors import PermissionDenied, ValidationError
from shequ.places.models import ZoneDesignation, ZoneLevel
from shequ.places.selectors import current_zone
from shequ.places.services import zone_lift, zone_set

NOW = timezone.now().replace(microsecond=0)


def H(hours: float):
    return NOW + timedelta(hours=hours)


def test_setting_a_new_zone_closes_the_open_one_at_the_new_start(personas, city):
    first = zone_set(
        actor=personas.street, place=city.ka, level=ZoneLevel.CONTROL, starts_at=H(-48)
    )
    second = zone_set(actor=personas.street, place=city.ka, level=ZoneLevel.LOCKDOWN)
    first.refresh_from_db()
    assert first.ends_at == second.starts_at
    assert first.ended_by == personas.street
    assert second.ends_at is None
    assert list(ZoneDesignation.objects.filter(place=city.ka)) == [second, first]


def test_a_zone_scheduled_for_later_closes_the_open_one_then(personas, city):
    first = zone_set(actor=personas.street, place=city.ka, level=ZoneLevel.LOCKDOWN)
    zone_set(actor=personas.street, place=city.ka, level=ZoneLevel.CONTROL, starts_at=H(24))
    first.refresh_from_db()
    assert first.ends_at == H(24)
    assert current_zone(city.ha1).level == ZoneLevel.LOCKDOWN
    assert current_zone(city.ha1, at=H(25)).level == ZoneLevel.CONTROL


def test_ending_the_zone_in_force_in_the_past_is_refused(personas, city):
    first = zone_set(
        actor=personas.street, place=city.ka, level=ZoneLevel.LOCKDOWN, starts_at=H(-240)
    )
    with pytest.raises(ValidationError) as exc:
        zone_set(actor=personas.street, place=city.ka, level=ZoneLevel.CONTROL, starts_at=H(-216))
    assert "starts_at" in exc.value.errors
    first.refresh_from_db()
    assert first.ends_at is None


def test_a_time_without_zone_is_taken_as_city_time(personas, city):
    naive = timezone.localtime(H(5)).replace(tzinfo=None)
    zone = zone_set(actor=personas.street, place=city.ka, level=ZoneLevel.CONTROL, starts_at=naive)
    assert zone.starts_at == H(5)


def test_lifting_ends_a_zone_that_was_set_to_end_later(personas, city):
    zone_set(
        actor=personas.street,
        place=city.ka,
        level=ZoneLevel.LOCKDOWN,
        starts_at=H(-1),
        ends_at=H(100),
    )
    lifted = zone_lift(actor=personas.street, place=city.ka)
    assert lifted.ends_at < H(1)
    assert current_zone(city.ha1) is None


def test_a_designation_overlapping_a_closed_one_is_refused(personas, city):
    zone_set(
        actor=personas.street,
        place=city.ka,
        level=ZoneLevel.LOCKDOWN,
        starts_at=H(-72),
        ends_at=H(-24),
    )
    with pytest.raises(ValidationError) as exc:
        zone_set(
            actor=personas.street,
            place=city.ka,
            level=ZoneLevel.CONTROL,
            starts_at=H(-48),
            ends_at=H(-2),
        )
    assert "starts_at" in exc.value.errors
    assert ZoneDesignation.objects.filter(place=city.ka).count() == 1


def test_an_open_zone_cannot_start_before_a_later_designation(personas, city):
    zone_set(
        actor=personas.street,
        place=city.ka,
        level=ZoneLevel.LOCKDOWN,
        starts_at=H(10),
        ends_at=H(20),
    )
    with pytest.raises(ValidationError) as exc:
        zone_set(actor=personas.street, place=city.ka, level=ZoneLevel.CONTROL, starts_at=H(1))
    assert "starts_at" in exc.value.errors


def test_back_to_back_designations_are_allowed(personas, city):
    zone_set(
        actor=personas.street,
        place=city.ka,
        level=ZoneLevel.LOCKDOWN,
        starts_at=H(-48),
        ends_at=H(-24),
    )
    zone_set(actor=personas.street, place=city.ka, level=ZoneLevel.CONTROL, starts_at=H(-24))
    assert ZoneDesignation.objects.filter(place=city.ka).count() == 2


def test_the_same_zone_again_is_refused_as_already_in_force(personas, city):
    zone_set(actor=personas.street, place=city.ka, level=ZoneLevel.LOCKDOWN, starts_at=H(-5))
    with pytest.raises(ValidationError) as exc:
        zone_set(actor=personas.street, place=city.ka, level=ZoneLevel.LOCKDOWN)
    assert "level" in exc.value.errors


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"level": "quarantine"}, "level"),
        ({"level": ZoneLevel.CONTROL, "starts_at": H(2), "ends_at": H(1)}, "ends_at"),
        ({"level": ZoneLevel.CONTROL, "reason": "x" * 201}, "reason"),
    ],
)
def test_bad_zone_input_names_the_field_and_writes_nothing(personas, city, kwargs, field):
    with pytest.raises(ValidationError) as exc:
        zone_set(actor=personas.street, place=city.ka, **kwargs)
    assert field in exc.value.errors
    assert not ZoneDesignation.objects.exists()


@pytest.mark.parametrize("place_name", ["a", "ha1", "s1"])
def test_zones_are_set_only_on_compounds_and_buildings(personas, city, place_name):
    with pytest.raises(ValidationError) as exc:
        zone_set(actor=personas.hq, place=getattr(city, place_name), level=ZoneLevel.CONTROL)
    assert "place" in exc.value.errors


@pytest.mark.parametrize("who", ["staff_a", "cadre", "other_street", "outsider", "coordinator"])
def test_only_street_officers_and_above_over_the_place_may_set_zones(personas, city, who):
    with pytest.raises(PermissionDenied):
        zone_set(actor=getattr(personas, who), place=city.ka, level=ZoneLevel.CONTROL)
    assert not ZoneDesignation.objects.exists()


@pytest.mark.parametrize("who", ["street", "district", "hq"])
def test_street_district_and_city_officers_may_set_zones_in_their_scope(personas, city, who):
    zone_set(actor=getattr(personas, who), place=city.ka1, level=ZoneLevel.CONTROL)
    assert current_zone(city.ha1).level == ZoneLevel.CONTROL


def test_a_household_takes_the_strictest_zone_above_it(personas, city):
    zone_set(actor=personas.street, place=city.ka, level=ZoneLevel.CONTROL, starts_at=H(-10))
    assert current_zone(city.ha1).level == ZoneLevel.CONTROL
    zone_set(actor=personas.street, place=city.ka1, level=ZoneLevel.LOCKDOWN, starts_at=H(-1))
    assert current_zone(city.ha1).level == ZoneLevel.LOCKDOWN
    assert current_zone(city.ha1).place == city.ka1
    # The neighbouring compound's households are untouched.
    assert current_zone(city.hb1) is None


def test_the_current_zone_respects_start_and_end_times(personas, city):
    zone_set(
        actor=personas.street,
        place=city.ka,
        level=ZoneLevel.LOCKDOWN,
        starts_at=H(-10),
        ends_at=H(-5),
    )
    assert current_zone(city.ha1) is None
    assert current_zone(city.ha1, at=H(-7)).level == ZoneLevel.LOCKDOWN
    assert current_zone(city.ha1, at=H(-11)) is None


def test_lifting_ends_the_zone_now_and_keeps_history(personas, city):
    zone_set(actor=personas.street, place=city.ka, level=ZoneLevel.LOCKDOWN, starts_at=H(-3))
    lifted = zone_lift(actor=personas.street, place=city.ka)
    assert lifted.ends_at is not None
    assert current_zone(city.ha1) is None
    assert ZoneDesignation.objects.filter(place=city.ka).count() == 1


def test_lifting_when_nothing_is_in_force_says_so(personas, city):
    with pytest.raises(ValidationError) as exc:
        zone_lift(actor=personas.street, place=city.ka)
    assert "place" in exc.value.errors


def test_the_database_itself_refuses_two_open_zones_on_one_place(personas, city):
    zone_set(actor=personas.street, place=city.ka, level=ZoneLevel.LOCKDOWN)
    with pytest.raises(IntegrityError), transaction.atomic():
        ZoneDesignation.objects.create(
            place=city.ka, level=ZoneLevel.CONTROL, starts_at=H(1), set_by=personas.street
        )
