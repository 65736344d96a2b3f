"""A round over a whole street, seen and run by the staff of one of its communities: whole-round
actions (finishing it, starting one over places beyond one's own) need the whole round in
scope; coverage, missed lists, door-to-door outcomes and transfers are their community's part.

    street S1 ─ community A (the fixture's KA-1-101, KA-1-102) and community A2 (one household)
"""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest
from django.utils import timezone

from shequ.core.errors import PermissionDenied
from shequ.outreach.models import Visit
from shequ.places.models import PlaceKind
from shequ.testing import services
from shequ.testing.ingest import swabs_batch
from shequ.testing.models import Round, RoundStatus, Tube
from tests.conftest import make_place
from tests.residents.factories import ResidentFactory
from tests.testing.conftest import swab

API = "/api/v1/testing"


@pytest.fixture(params=["street", "communities"])
def street_round(request, personas, city, rnd) -> SimpleNamespace:
    """The street's round, as the street itself or as the list of its two communities."""
    a2 = make_place(PlaceKind.COMMUNITY, "A2", "丙社区", city.s1)
    g2 = make_place(PlaceKind.GRID, "GA2", "丙网格", a2)
    k2 = make_place(PlaceKind.COMPOUND, "KA2", "丙小区", g2)
    b2 = make_place(PlaceKind.BUILDING, "KA2-1", "1号楼", k2)
    h2 = make_place(PlaceKind.HOUSEHOLD, "KA2-1-101", "101室", b2)
    others = [ResidentFactory(name=f"c{i}", household=h2) for i in range(3)]
    today = timezone.localdate()
    places = [city.s1] if request.param == "street" else [city.a, a2]
    round_ = services.round_create(
        actor=personas.street, name="全街道", places=places, starts_on=today, ends_on=today
    )
    return SimpleNamespace(round=round_, a2=a2, building=b2, others=others)


def test_community_staff_cannot_finish_a_round_over_their_whole_street(
    personas, street_round, api, login
) -> None:
    response = api(personas.staff_a).post(f"{API}/rounds/{street_round.round.pk}/finish")
    assert response.status_code == 403
    page = login(personas.staff_a)
    assert page.post(f"/testing/rounds/{street_round.round.pk}/finish/").status_code == 403
    html = page.get(f"/testing/rounds/{street_round.round.pk}/").content.decode()
    assert 'data-testid="finish"' not in html  # no button for what they may not do
    assert Round.objects.get(pk=street_round.round.pk).status == RoundStatus.RUNNING
    with pytest.raises(PermissionDenied):
        services.round_finish(actor=personas.staff_a, round_=street_round.round)


def test_the_street_officer_finishes_the_street_round(personas, street_round, api, login) -> None:
    html = login(personas.street).get(f"/testing/rounds/{street_round.round.pk}/")
    assert 'data-testid="finish"' in html.content.decode()
    response = api(personas.street).post(f"{API}/rounds/{street_round.round.pk}/finish")
    assert response.status_code == 200
    assert response.json()["status"] == RoundStatus.FINISHED


def test_a_round_over_places_beyond_ones_own_is_refused_whole(personas, city) -> None:
    today = timezone.localdate()
    with pytest.raises(PermissionDenied):
        services.round_create(
            actor=personas.staff_a, name="越界", places=[city.a, city.b], starts_on=today,
            ends_on=today,
        )  # fmt: skip
    assert not Round.objects.filter(name="越界").exists()


def test_community_staff_see_only_their_communitys_coverage_and_missed(
    personas, city, rnd, street_round, api, login
) -> None:
    round_id = street_round.round.pk
    client = api(personas.staff_a)
    assert client.get(f"{API}/rounds/{round_id}/coverage", place_id=city.s1.pk).status_code == 404
    assert (
        client.get(f"{API}/rounds/{round_id}/missed", place_id=street_round.a2.pk).status_code
        == 404
    )
    rows = client.get(
        f"{API}/rounds/{round_id}/coverage", place_id=city.a.pk, level="community"
    ).json()
    assert [(r["name"], r["residents"]) for r in rows] == [("甲社区", 12)]
    missed = client.get(f"{API}/rounds/{round_id}/missed", place_id=city.a.pk).json()["items"]
    names = {m["name"] for m in missed}
    assert names == {f"a{i}" for i in range(11)}  # a11 is in hospital; no c0…c2 of A2
    html = login(personas.staff_a).get(f"/testing/rounds/{round_id}/").content.decode()
    assert 'data-testid="missed">11<' in html
    assert "丙社区" not in html
    # The street officer sees the whole street: A's 11 and A2's 3.
    street = api(personas.street).get(f"{API}/rounds/{round_id}/missed", place_id=city.s1.pk)
    assert street.json()["count"] == 14


def test_community_staff_still_work_their_part_of_a_street_round(
    personas, city, rnd, street_round, login
) -> None:
    round_id = street_round.round.pk
    client = login(personas.staff_a)
    html = client.get(f"/outreach/rounds/{round_id}/missed/?building={city.ka1.pk}").content
    assert b'name="outcome"' in html  # the one-tap outcome buttons of their own building
    r = client.post(
        f"/outreach/rounds/{round_id}/missed/{rnd.a[0].pk}/outcome/", {"outcome": "reminded"}
    )
    assert r.status_code == 302
    assert Visit.objects.filter(
        task__resident=rnd.a[0], task__campaign__round_id=round_id, answers__door="reminded"
    ).exists()
    # Sampling at A's site for the street round, and sending A's tubes to the lab.
    items = [swab(rnd, "TS000001", r, round_id=round_id) for r in rnd.a[:3]]
    close = {**items[0], "client_uuid": str(uuid.uuid4()), "kind": "close"}
    answers = swabs_batch(actor=personas.staff_a, items=items)
    answers += swabs_batch(actor=personas.staff_a, items=[close])
    assert [a.status for a in answers] == ["created"] * 4
    page = client.get(f"/testing/rounds/{round_id}/transfers/").content.decode()
    assert "TS000001" in page
    assert "丙社区" not in page  # A2's transfers are not theirs
    assert Tube.objects.get(round_id=round_id, barcode="TS000001").community_id == city.a.pk


def test_a_round_of_the_other_street_stays_out_of_sight(personas, street_round, api) -> None:
    response = api(personas.staff_b).post(f"{API}/rounds/{street_round.round.pk}/finish")
    assert response.status_code == 404
