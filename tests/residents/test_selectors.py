"""Reading the registry: always narrowed to the user's places; exact lookups through the
blind index; full ID numbers and phones only for the roles that may see them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from shequ.core.roles import Capability
from shequ.residents import selectors
from shequ.residents.models import HealthStatus, Tag, tags_to_bits
from tests.residents.factories import ResidentFactory, id_number, phone


@pytest.fixture
def people(city):
    return {
        "zhang": ResidentFactory(
            household=city.ha1,
            name="张三",
            document_number=id_number(dt.date(1980, 5, 17), seq=13),
            phone=phone(1),
            tags=tags_to_bits([Tag.ELDERLY_ALONE, Tag.IMMOBILE]),
        ),
        "li": ResidentFactory(
            household=city.ha2,
            name="李四",
            document_number=id_number(dt.date(1990, 1, 2), seq=24),
            phone=phone(2),
            health_status=HealthStatus.HOME_ISOLATION,
        ),
        "wang": ResidentFactory(
            household=city.hb1,
            name="王五",
            document_number=id_number(dt.date(1970, 3, 4), seq=35),
            phone=phone(3),
            tags=tags_to_bits([Tag.ELDERLY_ALONE]),
        ),
    }


def _names(qs) -> set[str]:
    return {r.name for r in qs}


def test_community_staff_see_only_their_communitys_residents(personas, people):
    assert _names(selectors.residents_for(personas.staff_a)) == {"张三", "李四"}
    assert _names(selectors.residents_for(personas.staff_b)) == {"王五"}


def test_street_officers_see_their_street_and_hq_sees_everyone(personas, people):
    assert _names(selectors.residents_for(personas.street)) == {"张三", "李四"}
    assert _names(selectors.residents_for(personas.other_street)) == {"王五"}
    assert _names(selectors.residents_for(personas.district)) == {"张三", "李四", "王五"}
    assert _names(selectors.residents_for(personas.hq)) == {"张三", "李四", "王五"}


@pytest.mark.parametrize("who", ["outsider", "cadre", "coordinator"])
def test_users_without_a_residents_role_see_nobody(personas, people, who):
    assert not selectors.residents_for(getattr(personas, who)).exists()


def test_another_communitys_resident_is_404(personas, people):
    with pytest.raises(Http404):
        selectors.get_resident_for(personas.staff_b, people["zhang"].pk)
    with pytest.raises(Http404):
        selectors.get_resident_for(personas.staff_a, "not-a-number")
    assert selectors.get_resident_for(personas.staff_a, people["zhang"].pk) == people["zhang"]


@pytest.mark.usefixtures("english")
def test_read_only_roles_are_refused_with_a_reason_when_opening_a_resident_for_writing(
    personas, people
):
    # They see the resident, so the answer is 403 with the reason, not 404 (docs/access.md).
    assert selectors.get_resident_for(personas.district, people["zhang"].pk)
    with pytest.raises(PermissionDenied, match="may not register, edit or import residents"):
        selectors.get_resident_for(personas.district, people["zhang"].pk, Capability.EDIT_RESIDENTS)
    with pytest.raises(Http404):  # out of sight stays 404, whatever the action
        selectors.get_resident_for(personas.staff_b, people["zhang"].pk, Capability.EDIT_RESIDENTS)


def test_search_by_part_of_a_name(personas, people):
    assert _names(selectors.residents_for(personas.hq, text="张")) == {"张三"}
    assert _names(selectors.residents_for(personas.hq, text="  四 ")) == {"李四"}


def test_search_by_the_exact_id_number_in_any_case(personas, people):
    number = people["li"].document_number
    assert _names(selectors.residents_for(personas.staff_a, text=number)) == {"李四"}
    assert _names(selectors.residents_for(personas.staff_a, text=number.lower())) == {"李四"}
    assert not selectors.residents_for(personas.staff_a, text=number[:-1]).exists()


def test_an_id_number_search_stays_in_scope(personas, people):
    number = people["wang"].document_number
    assert not selectors.residents_for(personas.staff_a, text=number).exists()
    assert _names(selectors.residents_for(personas.staff_b, text=number)) == {"王五"}


@pytest.mark.parametrize(
    "typed",
    ["10000000001", "100-0000-0001", "100 0000 0001", "+86 100 0000 0001", "0086-10000000001"],
)
def test_search_by_phone_in_any_format(personas, people, typed):
    assert _names(selectors.residents_for(personas.staff_a, text=typed)) == {"张三"}


def test_a_phone_search_matches_the_whole_number_only(personas, people):
    assert not selectors.residents_for(personas.hq, text="1000000000").exists()
    assert not selectors.residents_for(personas.hq, text="0001").exists()


def test_filter_by_building(personas, people, city):
    assert _names(selectors.residents_for(personas.hq, building=city.ka1)) == {"张三", "李四"}
    assert not selectors.residents_for(personas.hq, building=city.ka2).exists()
    assert _names(selectors.residents_for(personas.hq, building=city.kb1)) == {"王五"}


def test_filter_by_household(personas, people, city):
    assert _names(selectors.residents_for(personas.hq, household=city.ha2)) == {"李四"}


def test_filter_by_special_population(personas, people):
    assert _names(selectors.residents_for(personas.hq, tag=Tag.ELDERLY_ALONE)) == {"张三", "王五"}
    assert _names(selectors.residents_for(personas.hq, tag=Tag.IMMOBILE)) == {"张三"}
    assert not selectors.residents_for(personas.hq, tag=Tag.PREGNANT).exists()


def test_filter_by_health_status(personas, people):
    found = selectors.residents_for(personas.hq, status=HealthStatus.HOME_ISOLATION)
    assert _names(found) == {"李四"}
    assert _names(selectors.residents_for(personas.hq, status="normal")) == {"张三", "王五"}


def test_filters_combine_and_stay_in_scope(personas, people, city):
    found = selectors.residents_for(personas.staff_a, tag=Tag.ELDERLY_ALONE, text="王")
    assert not found.exists()
    found = selectors.residents_for(personas.staff_a, tag=Tag.ELDERLY_ALONE, building=city.ka1)
    assert _names(found) == {"张三"}


@pytest.mark.parametrize(
    ("who", "full"),
    [
        ("hq", True),
        ("staff_a", True),
        ("staff_b", False),
        ("street", False),
        ("district", False),
        ("cadre", False),
        ("outsider", False),
    ],
)
def test_only_hq_and_the_residents_own_community_see_pii_in_full(personas, people, who, full):
    assert selectors.may_see_pii(getattr(personas, who), people["zhang"]) is full


def test_import_target_is_the_users_only_community_or_the_one_named(personas, city):
    from shequ.core.errors import PermissionDenied, ValidationError

    assert selectors.import_target(personas.staff_a) == city.a
    assert selectors.import_target(personas.street) == city.a
    assert selectors.import_target(personas.hq) is None
    assert selectors.import_target(personas.hq, "B") == city.b
    with pytest.raises(ValidationError) as exc:
        selectors.import_target(personas.staff_a, "B")
    assert "community" in exc.value.errors
    with pytest.raises(PermissionDenied):
        selectors.import_target(personas.cadre)
