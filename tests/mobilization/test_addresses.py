"""The mobilization board names each community with its street for whoever looks across
streets (two streets may both have a 新村社区), and alone for a street officer."""

from __future__ import annotations


def test_the_city_board_names_each_communitys_street(personas, mob, login, api):
    page = login(personas.hq).get("/mobilization/").content.decode()
    assert 'data-testid="place">一街道 甲社区' in page
    assert 'data-testid="place">二街道 乙社区' in page
    board = api(personas.hq).get(f"/api/v1/mobilization/orders/{mob.order.pk}/board").json()
    assert {r["address"] for r in board["rows"]} >= {"一街道 甲社区", "二街道 乙社区"}


def test_a_street_officers_board_says_the_community_alone(personas, mob, api):
    board = api(personas.street).get(f"/api/v1/mobilization/orders/{mob.order.pk}/board").json()
    assert [r["address"] for r in board["rows"]] == ["甲社区"]
