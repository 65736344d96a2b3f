"""The missed lists and recalls say the compound of each building and household (two
compounds may both have a 1号楼), on the pages and in the API."""

from __future__ import annotations

import pytest

from shequ.testing import labwork
from shequ.testing.models import Recall

API = "/api/v1/testing"


@pytest.fixture
def recall(rnd, sent) -> Recall:
    """T0000001 (a0–a9 of 甲小区 1号楼 101室 and 102室) positive: its members are recalled."""
    labwork.transfer_receive(actor=rnd.lab, transfer=sent, received_count=2)
    [answer] = labwork.results_record(
        actor=rnd.lab, round_=rnd.round, results=[("T0000001", "positive")]
    )
    return Recall.objects.get(pk=answer.recall_id)


def test_missed_buildings_and_a_buildings_missed_list_name_the_compound(
    login, personas, rnd, city
) -> None:
    client = login(personas.staff_a)
    page = client.get(f"/outreach/rounds/{rnd.round.pk}/missed/").content.decode()
    assert 'data-testid="address">甲小区 1号楼<' in page
    one = client.get(f"/outreach/rounds/{rnd.round.pk}/missed/", {"building": city.ka1.pk})
    html = one.content.decode()
    assert '<h1 class="sq-h1">甲小区 1号楼 ' in html
    assert 'data-testid="address">甲小区 1号楼 101室<' in html
    assert 'data-testid="address">甲小区 1号楼 102室<' in html


def test_missed_api_names_the_compound(api, personas, rnd, city) -> None:
    r = api(personas.staff_a).get(f"{API}/rounds/{rnd.round.pk}/missed", place_id=city.a.pk)
    rows = r.json()["items"]
    assert rows
    assert {row["address"] for row in rows} == {"甲小区 1号楼 101室", "甲小区 1号楼 102室"}


def test_recall_page_and_api_name_each_members_compound(login, api, personas, rnd, recall) -> None:
    page = login(personas.staff_a).get(f"/testing/recalls/{recall.pk}/").content.decode()
    assert page.count('data-testid="address">甲小区 1号楼 10') == 10
    body = api(personas.staff_a).get(f"{API}/recalls/{recall.pk}").json()
    assert {m["address"] for m in body["members"]} == {"甲小区 1号楼 101室", "甲小区 1号楼 102室"}
