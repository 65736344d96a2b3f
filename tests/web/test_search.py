"""The header's search box: a place and a resident in the user's scope are found, one outside
it is not; numbers are searched only as an exact full value by a role that sees them in full;
a role that sees neither places nor residents gets no box and a 403."""

from __future__ import annotations

import datetime as dt

import pytest

from shequ.residents import services
from tests.residents.factories import id_number

ZHAO = id_number(dt.date(1975, 3, 9), seq=31)
ZHAO_B = id_number(dt.date(1981, 7, 1), seq=32)


@pytest.fixture
def people(personas, city):
    a = services.resident_create(
        actor=personas.staff_a,
        household=city.ha1,
        name="赵一鸣",
        document_number=ZHAO,
        phone="13900000011",
    )
    b = services.resident_create(
        actor=personas.staff_b, household=city.hb1, name="赵二鸣", document_number=ZHAO_B
    )
    return a, b


def _section(page: str, name: str) -> str:
    return page.split(f'data-testid="search-{name}"')[1].split("</section>")[0]


def test_the_search_finds_a_place_and_a_resident_in_scope_not_outside(login, personas, people):
    client = login(personas.staff_a)
    places = _section(client.get("/search/", {"q": "小区"}).content.decode(), "places")
    assert "甲小区" in places
    assert "乙小区" not in places  # community B is not staff A's
    by_code = _section(client.get("/search/", {"q": "KA-1"}).content.decode(), "places")
    assert "1号楼" in by_code
    found = _section(client.get("/search/", {"q": "赵"}).content.decode(), "residents")
    assert "赵一鸣" in found
    assert "赵二鸣" not in found
    street = login(personas.street).get("/search/", {"q": "赵"}).content.decode()
    assert "赵一鸣" in _section(street, "residents")
    assert ZHAO not in street  # shown masked, as on the residents list


def test_a_number_is_searched_only_whole_and_only_by_a_role_that_sees_it(login, personas, people):
    staff = login(personas.staff_a)
    whole = _section(staff.get("/search/", {"q": ZHAO}).content.decode(), "residents")
    assert "赵一鸣" in whole
    part = _section(staff.get("/search/", {"q": ZHAO[:10]}).content.decode(), "residents")
    assert "赵一鸣" not in part  # no prefix matching on a number
    by_phone = _section(staff.get("/search/", {"q": "13900000011"}).content.decode(), "residents")
    assert "赵一鸣" in by_phone
    # The street officer sees numbers masked: a number is read as a name and finds nobody.
    street = login(personas.street).get("/search/", {"q": ZHAO}).content.decode()
    assert "赵一鸣" not in _section(street, "residents")
    assert 'data-testid="names-only"' in street
    assert "赵一鸣" in _section(
        login(personas.street).get("/search/", {"q": "赵一"}).content.decode(), "residents"
    )


def test_the_box_is_in_the_header_for_staff_and_not_for_a_role_without_the_right(
    login, personas, people
):
    assert 'data-testid="top-search"' in login(personas.staff_a).get("/").content.decode()
    coordinator = login(personas.coordinator)
    assert 'data-testid="top-search"' not in coordinator.get("/").content.decode()
    assert coordinator.get("/search/", {"q": "赵"}).status_code == 403


def test_a_cadre_searches_places_but_not_residents(login, personas, people):
    page = login(personas.cadre).get("/search/", {"q": "赵"}).content.decode()
    assert 'data-testid="search-places"' in page
    assert 'data-testid="search-residents"' not in page
    assert "赵一鸣" not in page


def test_search_results_are_paginated(login, personas, people, settings):
    settings.PAGE_SIZE = 1
    client = login(personas.hq)
    first = _section(client.get("/search/", {"q": "号楼"}).content.decode(), "places")
    assert "places_page=2" in first
    second = client.get("/search/", {"q": "号楼", "places_page": 2}).content.decode()
    assert "号楼" in _section(second, "places")
