"""The pairings page (对点支援): the pairings of one's places, pairing and ending by the HQ and
district officers within their places; and an agency coordinator's places follow their
agency's pairings (docs/access.md)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from shequ.core.models import AuditEvent
from shequ.core.roles import Capability, Role
from shequ.core.scopes import scope_for
from shequ.mobilization import dispatch
from shequ.mobilization.models import Agency, AgencyLevel, Pairing
from tests.conftest import make_place, make_user

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def agencies(personas):
    own = personas.coordinator.role_assignments.get().agency
    other = Agency.objects.create(code="AG2", name="另一厅", level=AgencyLevel.CITY)
    return own, other


def _listed(html: str) -> list[str]:
    block = re.search(r'data-testid="pairings">(.*?)</ul>', html, re.S)
    assert block is not None
    return re.findall(r"<small>(K\w+)</small>", block.group(1))


def test_the_hq_pairs_an_agency_with_a_compound_on_the_page(db, personas, city, agencies, login):
    own, _other = agencies
    today = timezone.localdate()
    response = login(personas.hq).post(
        "/mobilization/pairings/",
        {"agency": own.pk, "place": "KA", "starts_on": today.isoformat(), "ends_on": ""},
    )
    assert response.status_code == 302
    pairing = Pairing.objects.get(agency=own, place=city.ka)
    assert pairing.ends_on is None
    assert AuditEvent.objects.filter(
        action="mobilization.pairing.create", actor=personas.hq, object_id=str(pairing.pk)
    ).exists()
    assert _listed(login(personas.hq).get("/mobilization/pairings/").content.decode()) == ["KA"]


def test_each_officer_sees_the_pairings_of_their_places_only(db, personas, city, agencies, login):
    own, other = agencies
    today = timezone.localdate()
    dispatch.pairing_create(actor=personas.hq, agency=own, place=city.ka, starts_on=today)
    dispatch.pairing_create(actor=personas.hq, agency=other, place=city.kb, starts_on=today)
    page = login(personas.street).get("/mobilization/pairings/")
    assert page.status_code == 200
    assert _listed(page.content.decode()) == ["KA"]  # KB lies in another street
    assert "Pair an agency with a compound" not in page.content.decode()  # not theirs to pair
    assert sorted(
        _listed(login(personas.district).get("/mobilization/pairings/").content.decode())
    ) == [
        "KA",
        "KB",
    ]


def test_pairing_outside_ones_places_or_by_a_street_officer_is_refused(
    db, personas, city, agencies, login
):
    own, _other = agencies
    today = timezone.localdate().isoformat()
    s3_community = make_place("community", "C3", "丙社区", city.s3)
    make_place("compound", "K3", "丙小区", make_place("grid", "G3", "丙网格", s3_community))
    body = {"agency": own.pk, "place": "K3", "starts_on": today}
    response = login(personas.district).post("/mobilization/pairings/", body)  # D1; K3 is in D2
    assert response.status_code == 403
    html = response.content.decode()
    assert "Only the HQ or the district pairs agencies with compounds." in html
    assert 'value="K3"' in html  # the input is kept
    response = login(personas.street).post("/mobilization/pairings/", {**body, "place": "KA"})
    assert response.status_code == 403
    assert not Pairing.objects.exists()
    assert not AuditEvent.objects.filter(action="mobilization.pairing.create").exists()
    # A community is no compound: the field says so.
    response = login(personas.hq).post("/mobilization/pairings/", {**body, "place": "A"})
    assert response.status_code == 400
    assert "An agency is paired with a compound." in response.content.decode()
    assert not Pairing.objects.exists()


def test_ending_a_pairing_today_is_audited_and_only_for_those_who_pair(
    db, personas, city, agencies, login
):
    own, _other = agencies
    start = timezone.localdate() - dt.timedelta(days=3)
    pairing = dispatch.pairing_create(actor=personas.hq, agency=own, place=city.ka, starts_on=start)
    assert (
        login(personas.street).post(f"/mobilization/pairings/{pairing.pk}/end/").status_code == 403
    )
    pairing.refresh_from_db()
    assert pairing.ends_on is None
    assert (
        login(personas.district).post(f"/mobilization/pairings/{pairing.pk}/end/").status_code
        == 302
    )
    pairing.refresh_from_db()
    assert pairing.ends_on == timezone.localdate()
    assert AuditEvent.objects.filter(
        action="mobilization.pairing.end", actor=personas.district
    ).exists()
    page = login(personas.district).get("/mobilization/pairings/", follow=True).content.decode()
    assert "End today" not in page


def test_an_agency_coordinators_places_follow_their_agencys_pairings(
    db, personas, city, agencies, login
):
    own, other = agencies
    coordinator = personas.coordinator
    today = timezone.localdate()
    assert scope_for(coordinator, Capability.VIEW_PLACES).is_empty  # no pairing yet
    dispatch.pairing_create(actor=personas.hq, agency=own, place=city.ka, starts_on=today)
    dispatch.pairing_create(actor=personas.hq, agency=other, place=city.kb, starts_on=today)
    coordinator = type(coordinator).objects.get(pk=coordinator.pk)  # a new request
    for capability in (Capability.VIEW_PLACES, Capability.VIEW_MOBILIZATION):
        scope = scope_for(coordinator, capability)
        assert scope.covers(city.ka1)  # the compound and what lies in it
        assert not scope.covers(city.kb)  # another agency's compound
        assert not scope.covers(city.a)  # not the community around it
    assert scope_for(coordinator, Capability.SET_ZONE).is_empty
    assert scope_for(coordinator, Capability.VIEW_RESIDENTS).is_empty
    client = login(coordinator)
    assert client.get(f"/places/{city.ka.pk}/").status_code == 200
    assert client.get(f"/places/{city.kb.pk}/").status_code == 404
    assert _listed(client.get("/mobilization/pairings/").content.decode()) == ["KA"]


def test_a_pairing_ended_or_not_yet_begun_gives_no_place(db, personas, city, agencies):
    own, _other = agencies
    today = timezone.localdate()
    dispatch.pairing_create(
        actor=personas.hq,
        agency=own,
        place=city.ka,
        starts_on=today - dt.timedelta(days=10),
        ends_on=today - dt.timedelta(days=1),
    )
    dispatch.pairing_create(
        actor=personas.hq, agency=own, place=city.kb, starts_on=today + dt.timedelta(days=1)
    )
    assert scope_for(personas.coordinator, Capability.VIEW_PLACES).is_empty


def test_a_coordinator_of_another_agency_does_not_see_the_pairing(db, personas, city, agencies):
    own, other = agencies
    dispatch.pairing_create(
        actor=personas.hq, agency=own, place=city.ka, starts_on=timezone.localdate()
    )
    stranger = make_user("coord2", Role.AGENCY_COORDINATOR, agency=other)
    assert scope_for(stranger, Capability.VIEW_PLACES).is_empty
