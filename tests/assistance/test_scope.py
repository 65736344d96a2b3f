"""Who sees which requests: a cadre only their community's queue; the street its communities;
another community nothing."""

from __future__ import annotations

import pytest
from django.http import Http404

from shequ.assistance import selectors
from shequ.assistance.selectors import QueueFilter
from tests.assistance.conftest import open_request

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(personas, city):
    return (
        open_request(personas.staff_a, city.ha1),
        open_request(personas.staff_b, city.hb1),
    )


def test_a_cadre_sees_only_their_communitys_queue(personas, two):
    in_a, in_b = two
    assert list(selectors.queue(personas.cadre)) == [in_a]
    with pytest.raises(Http404):
        selectors.get_request_for(personas.cadre, in_b.pk)


def test_staff_of_b_do_not_see_a_and_the_street_sees_its_own(personas, two):
    in_a, in_b = two
    assert list(selectors.queue(personas.staff_b)) == [in_b]
    assert list(selectors.queue(personas.street)) == [in_a]
    assert set(selectors.queue(personas.hq)) == {in_a, in_b}
    assert list(selectors.queue(personas.outsider)) == []
    assert list(selectors.queue(personas.coordinator)) == []


def test_the_queue_filters_by_compound_kind_and_status(personas, city, two):
    in_a, _in_b = two
    medical = open_request(personas.staff_a, city.ha2, "medical")
    assert list(selectors.queue(personas.hq, QueueFilter(compound=city.ka.pk))) == [medical, in_a]
    assert list(selectors.queue(personas.hq, QueueFilter(kind="medical"))) == [medical]
    assert list(selectors.queue(personas.hq, QueueFilter(grid=city.gb.pk, status="new"))) == [_in_b]
    assert list(selectors.queue(personas.hq, QueueFilter(status="delivered"))) == []


def test_my_tasks_group_doors_by_building(personas, city):
    from shequ.assistance import services

    one = open_request(personas.staff_a, city.ha1)
    two = open_request(personas.staff_a, city.ha2, "food")
    services.help_claim(actor=personas.cadre, request=one)
    services.help_claim(actor=personas.cadre, request=two)
    groups = selectors.my_tasks(personas.cadre)
    assert [(g.building, len(g.requests)) for g in groups] == [(city.ka1, 2)]
    assert selectors.my_tasks(personas.staff_a) == []


def test_a_cadre_bound_to_a_grid_sees_the_requests_of_their_grid_only(personas, city, two):
    from tests.conftest import make_place, make_user

    in_a, _in_b = two
    other_grid = make_place("grid", "GA2", "丙网格", city.a)
    compound = make_place("compound", "KA3", "丙小区", other_grid)
    building = make_place("building", "KA3-1", "1号楼", compound)
    flat = make_place("household", "KA3-1-101", "101室", building)
    elsewhere = open_request(personas.staff_a, flat)
    grid_cadre = make_user("grid_cadre", "cadre", city.ga)
    assert list(selectors.queue(grid_cadre)) == [in_a]
    assert selectors.get_request_for(grid_cadre, in_a.pk) == in_a
    with pytest.raises(Http404):
        selectors.get_request_for(grid_cadre, elsewhere.pk)
    assert set(selectors.queue(personas.cadre)) == {in_a, elsewhere}
