"""The two answers (docs/access.md): out of sight is 404, seen but not allowed is 403 with the
reason; fetching by id never breaks on an id that is no id."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from shequ.core.access import get_for, require
from shequ.core.models import ImportJob
from shequ.core.roles import Capability
from shequ.places.models import Place
from shequ.places.selectors import get_place_for

pytestmark = pytest.mark.usefixtures("english")


@pytest.mark.parametrize("pk", [2**70, -(2**70), 2**63, "abc", "", None, 1.5j, [1], True])
def test_an_id_that_is_no_id_is_404_not_an_error(personas, city, pk):
    with pytest.raises(Http404):
        get_for(Place.objects.all(), pk, what="place")


def test_a_malformed_uuid_is_404(personas):
    with pytest.raises(Http404):
        get_for(ImportJob.objects.all(), "not-a-uuid")
    with pytest.raises(Http404):
        get_for(ImportJob.objects.all(), uuid.uuid4())


def test_a_huge_id_in_a_page_address_is_404(personas, city, login):
    client = login(personas.hq)
    assert client.get(f"/places/{2**70}/").status_code == 404
    assert client.get(f"/residents/{2**70}/").status_code == 404


def test_get_for_returns_the_row_in_the_narrowed_queryset(city):
    assert get_for(Place.objects.filter(pk=city.ka.pk), city.ka.pk) == city.ka
    assert get_for(Place.objects.all(), str(city.ka.pk)) == city.ka
    with pytest.raises(Http404):
        get_for(Place.objects.filter(pk=city.ka.pk), city.kb.pk)


def test_require_refuses_with_the_capabilitys_reason(personas, city):
    require(personas.street, Capability.SET_ZONE, city.ka)
    with pytest.raises(PermissionDenied, match="Only street officers and above"):
        require(personas.staff_a, Capability.SET_ZONE, city.ka)
    # A capability with no reason of its own: the general one names the place and the right.
    with pytest.raises(PermissionDenied, match=r"甲小区.*Issue mobilization orders"):
        require(personas.staff_a, Capability.ISSUE_ORDERS, city.ka)
    with pytest.raises(PermissionDenied, match=r"^Not your gate$"):
        require(personas.staff_a, Capability.ISSUE_ORDERS, city.ka, reason="Not your gate")


def test_get_place_for_an_action_is_404_out_of_sight_and_403_in_sight(personas, city):
    assert get_place_for(personas.street, city.ka.pk, Capability.SET_ZONE) == city.ka
    with pytest.raises(PermissionDenied, match="Only street officers and above"):
        get_place_for(personas.staff_a, city.ka.pk, Capability.SET_ZONE)
    with pytest.raises(Http404):
        get_place_for(personas.staff_b, city.ka.pk, Capability.SET_ZONE)
    with pytest.raises(Http404):
        get_place_for(personas.street, city.ka.pk, Capability.SET_ZONE, kind="building")


def test_the_forbidden_page_says_why(personas, city, login):
    response = login(personas.staff_a).get(f"/places/{city.ka.pk}/zone/")
    assert response.status_code == 403
    assert "Only street officers and above may set or lift zones here." in response.content.decode()
    assert login(personas.staff_b).get(f"/places/{city.ka.pk}/zone/").status_code == 404


def test_a_zone_is_refused_on_a_household_with_the_reason(personas, city, login):
    client = login(personas.street)
    response = client.get(f"/places/{city.ha1.pk}/zone/")
    assert response.status_code == 403
    assert "Zones are set on a compound or a building" in response.content.decode()
    assert client.post(f"/places/{city.ha1.pk}/zone/lift/").status_code == 403


def test_the_api_says_why_an_action_is_refused(personas, city, api):
    response = api(personas.staff_a).post(
        f"/api/v1/places/{city.ka.pk}/zones", {"level": "control"}
    )
    assert response.status_code == 403
    assert "Only street officers and above" in response.json()["detail"]
