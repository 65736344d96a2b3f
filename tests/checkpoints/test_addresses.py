"""Every checkpoints list says the compound of each household (two compounds both have a
1号楼), and the community too when the viewer's list spans communities."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequ.checkpoints import services
from shequ.places.models import PlaceKind
from tests.checkpoints.test_log_pages import day  # noqa: F401 - a fixture
from tests.conftest import make_place
from tests.residents.factories import ResidentFactory

ADDRESS = "甲小区 1号楼 101室"


def test_home_names_the_gates_compound_and_the_streets_communities(login, personas, gates) -> None:
    page = login(personas.staff_a).get("/checkpoints/").content.decode()
    assert "北门 · 甲小区" in page
    street = login(personas.district).get("/checkpoints/").content.decode()
    assert "一街道 甲社区" in street  # a district officer's communities say their street


def test_gate_list_names_the_compound(login, personas, gates) -> None:
    page = login(personas.hq).get("/checkpoints/gate/").content.decode()
    assert "一街道 甲社区 甲小区" in page  # the city's gates span streets


def test_gates_api_names_the_compound(api, personas, gates) -> None:
    rows = api(personas.staff_a).get("/api/v1/checkpoints/gates").json()
    assert {r["address"] for r in rows if r["name"] == "北门"} == {"甲小区"}


def test_passage_log_and_passage_name_the_home_of_each_resident(
    login,
    personas,
    gates,
    day,  # noqa: F811 - the fixture imported above
) -> None:
    results, when = day
    client = login(personas.staff_a)
    page = client.get("/checkpoints/passages/", {"day": when.isoformat()}).content.decode()
    assert f'data-testid="address">{ADDRESS}<' in page
    one = client.get(f"/checkpoints/passages/{results[0].id}/").content.decode()
    assert f'data-testid="address">{ADDRESS}<' in one
    # The district officer's log spans streets: the street and community come first.
    wide = login(personas.district).get("/checkpoints/passages/", {"day": when.isoformat()})
    assert f"一街道 甲社区 {ADDRESS}" in wide.content.decode()


def test_passages_api_names_the_home(api, personas, gates, day) -> None:  # noqa: F811
    _results, when = day
    r = api(personas.staff_a).get("/api/v1/checkpoints/passages", day=when.isoformat())
    rows = r.json()["items"]
    assert {row["address"] for row in rows if row["resident_id"]} == {ADDRESS}
    assert {row["address"] for row in rows if not row["resident_id"]} == {""}


def test_figures_name_the_home_of_who_went_out(login, personas, city, day) -> None:  # noqa: F811
    _results, when = day
    page = login(personas.staff_a).get(
        "/checkpoints/figures/", {"community": city.a.pk, "day": when.isoformat()}
    )
    went_out = page.content.decode().split('data-testid="went-out"')[1].split("</table>")[0]
    assert f">{ADDRESS}</td>" in went_out


def test_pass_list_and_pass_page_name_the_compound(login, personas, gates) -> None:
    client = login(personas.staff_a)
    page = client.get("/checkpoints/passes/").content.decode()
    assert f'data-testid="address">{ADDRESS}<' in page
    detail = client.get(f"/checkpoints/passes/{gates.p1.pk}/").content.decode()
    assert f'data-testid="pass-title">{ADDRESS}' in detail
    wide = login(personas.hq).get("/checkpoints/passes/").content.decode()
    assert f'data-testid="address">一街道 甲社区 {ADDRESS}<' in wide


@pytest.mark.usefixtures("english")
def test_pass_list_costs_no_query_per_pass(login, personas, city, gates) -> None:
    """Fifty passes of fifty households: the page's addresses cost one query in all."""
    client = login(personas.staff_a)
    client.get("/checkpoints/passes/")  # warm the session and the roles
    with CaptureQueriesContext(connection) as few:
        client.get("/checkpoints/passes/")
    for n in range(50):
        h = make_place(PlaceKind.HOUSEHOLD, f"KA-2-{n}", f"{n}室", city.ka2)
        ResidentFactory(household=h)
        services.pass_issue(
            actor=personas.staff_a, household=h, valid_from=gates.today, valid_until=gates.today
        )
    with CaptureQueriesContext(connection) as many:
        page = client.get("/checkpoints/passes/", {"q": "室"}).content.decode()
    assert page.count("甲小区 2号楼 ") > 10
    assert len(many.captured_queries) <= len(few.captured_queries) + 1


def test_passes_api_names_the_compound(api, personas, gates) -> None:
    rows = api(personas.staff_a).get("/api/v1/checkpoints/passes").json()["items"]
    assert {r["address"] for r in rows if r["id"] == gates.p1.pk} == {ADDRESS}
    one = api(personas.staff_a).get(f"/api/v1/checkpoints/passes/{gates.p1.pk}").json()
    assert one["address"] == ADDRESS
