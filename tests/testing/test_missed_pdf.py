"""A building's missed list printed for the door-to-door walk: an A4 PDF, the missed residents
door by door (unit, floor, room), names as on the page, phones always masked, boxes to tick;
only a building in the user's scope."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from shequ.places.models import PlaceKind
from shequ.testing.ingest import swabs_batch
from shequ.testing.walk_pdf import floor_of, walking_order
from tests.conftest import make_place
from tests.residents.factories import ResidentFactory
from tests.testing.conftest import swab

pytestmark = pytest.mark.django_db


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def _url(rnd, building) -> str:
    return f"/outreach/rounds/{rnd.round.pk}/missed/{building.pk}.pdf"


def test_floors_of_room_numbers() -> None:
    assert floor_of("801室") == 8
    assert floor_of("1203") == 12
    assert floor_of("12") is None


def test_the_walk_goes_up_the_building_floor_by_floor(personas, rnd, city) -> None:
    high = make_place(PlaceKind.HOUSEHOLD, "KA-1-1201", "1201室", city.ka1)
    third = make_place(PlaceKind.HOUSEHOLD, "KA-1-301", "301室", city.ka1)
    z = ResidentFactory(name="z1201", household=high)
    t = ResidentFactory(name="t301", household=third)
    people = [z, t, rnd.a[7], rnd.a[1]]
    for r in people:
        r.refresh_from_db()
    assert [r.name for r in walking_order(people)] == ["a1", "a7", "t301", "z1201"]


def test_a_buildings_missed_list_prints_door_by_door_with_phones_masked(
    personas, rnd, city, login
) -> None:
    third = make_place(PlaceKind.HOUSEHOLD, "KA-1-301", "301室", city.ka1)
    ResidentFactory(name="t301", household=third)
    swabs_batch(actor=personas.staff_a, items=[swab(rnd, "T0000001", r) for r in rnd.a[:5]])
    client = login(personas.staff_a)
    page = client.get(
        f"/outreach/rounds/{rnd.round.pk}/missed/", {"building": city.ka1.pk}
    ).content.decode()
    assert f'href="{_url(rnd, city.ka1)}"' in page
    response = client.get(_url(rnd, city.ka1))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = _text(response.content)
    assert "第一轮" in text
    assert "1号楼" in text
    # a5 (room 101), a6 … a10 (102), t301 (301); the sampled a0 … a4 and a11 in hospital not.
    order = [text.index(name) for name in ("a5", "a6", "a9", "t301")]
    assert order == sorted(order)
    assert "a0" not in text
    assert "a11" not in text
    assert "101" in text
    assert "102" in text
    assert "301" in text
    # Community staff see phones in full on the page; paper always has them masked.
    full = rnd.a[5].phone
    assert full not in text
    assert f"{full[:3]}****{full[-4:]}" in text


def test_another_communitys_building_is_not_printed(personas, rnd, city, login) -> None:
    assert login(personas.staff_b).get(_url(rnd, city.ka1)).status_code == 404
    # Not a building (a household), or a building outside the round: 404 for its staff too.
    assert login(personas.staff_a).get(_url(rnd, city.ha1)).status_code == 404
    assert login(personas.staff_a).get(_url(rnd, city.kb1)).status_code == 404
    assert login(personas.cadre).get(_url(rnd, city.ka1)).status_code == 403
