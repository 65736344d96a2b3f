"""Addresses people can tell apart (places/addresses.py): the compound always, the community
when a list spans communities, the street at district and city level; one query a page."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequ.places.addresses import address_labels, attach_addresses, scope_paths
from shequ.places.models import PlaceKind
from tests.conftest import make_place


def test_same_named_buildings_in_two_compounds_have_different_labels(city):
    labels = address_labels([city.ka1, city.kb1])
    assert city.ka1.name == city.kb1.name == "1号楼"
    assert labels[city.ka1.pk] != labels[city.kb1.pk]
    assert "甲小区" in labels[city.ka1.pk]
    assert "乙小区" in labels[city.kb1.pk]


def test_same_named_rooms_in_one_community_name_compound_and_building(city):
    other = make_place(PlaceKind.COMPOUND, "KA9", "丙小区", city.ga)
    b9 = make_place(PlaceKind.BUILDING, "KA9-1", "1号楼", other)
    h9 = make_place(PlaceKind.HOUSEHOLD, "KA9-1-101", "101室", b9)
    labels = address_labels([city.ha1, h9])
    assert labels[city.ha1.pk] == "甲小区 1号楼 101室"
    assert labels[h9.pk] == "丙小区 1号楼 101室"


def test_within_one_community_no_community_nor_grid(city):
    labels = address_labels([city.ha1, city.ha2], within=[city.a])
    assert labels == {city.ha1.pk: "甲小区 1号楼 101室", city.ha2.pk: "甲小区 1号楼 102室"}


def test_a_list_across_communities_of_one_street_says_the_community(city):
    a2 = make_place(PlaceKind.COMMUNITY, "A2", "丁社区", city.s1)
    g2 = make_place(PlaceKind.GRID, "GA2", "丁网格", a2)
    k2 = make_place(PlaceKind.COMPOUND, "KA2", "丁小区", g2)
    labels = address_labels([city.ka, k2])
    assert labels == {city.ka.pk: "甲社区 甲小区", k2.pk: "丁社区 丁小区"}


def test_a_street_officer_sees_the_community_even_on_a_one_community_page(city, personas):
    labels = address_labels([city.ha1], within=scope_paths(personas.street))
    assert labels[city.ha1.pk] == "甲社区 甲小区 1号楼 101室"
    # A community worker never does.
    assert address_labels([city.ha1], within=scope_paths(personas.staff_a))[city.ha1.pk] == (
        "甲小区 1号楼 101室"
    )


def test_at_district_and_city_level_the_street_comes_first(city, personas):
    for who in (personas.district, personas.hq):
        labels = address_labels([city.ha1, city.hb1], within=scope_paths(who))
        assert labels[city.ha1.pk] == "一街道 甲社区 甲小区 1号楼 101室"
        assert labels[city.hb1.pk] == "二街道 乙社区 乙小区 1号楼 101室"


def test_the_place_itself_is_always_named(city):
    # A community on a street's board: the place is named even above the compound.
    labels = address_labels([city.a, city.b])
    assert labels == {city.a.pk: "一街道 甲社区", city.b.pk: "二街道 乙社区"}


def test_a_page_of_fifty_costs_one_query(city):
    households = [
        make_place(PlaceKind.HOUSEHOLD, f"KB-1-{n}", f"{n}室", city.kb1) for n in range(201, 250)
    ]

    class Row:
        def __init__(self, place):
            self.place = place

    rows = [Row(h) for h in [*households, city.ha1]]
    with CaptureQueriesContext(connection) as ctx:
        attach_addresses(rows, lambda r: r.place)
    assert len(ctx.captured_queries) == 1
    assert rows[0].address == "二街道 乙社区 乙小区 1号楼 201室"
    assert rows[-1].address == "一街道 甲社区 甲小区 1号楼 101室"


def test_nothing_to_label_costs_nothing(city):
    with CaptureQueriesContext(connection) as ctx:
        assert address_labels([None]) == {}
    assert not ctx.captured_queries
