"""The gate snapshot (what a gate's phone keeps to decide offline) holds the people of the
compound the gate serves, with only what the decision needs, and goes only to whoever guards
gates there (community staff and up) or is on a shift at that gate now — from 30 minutes
before it starts to its end. Everyone else is refused, whatever else they are on duty for."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shequ.checkpoints import services
from shequ.duty import calls
from shequ.duty.models import Assignment
from shequ.duty.selectors import OFFLINE_DATA_LEAD
from shequ.places.models import PlaceKind
from tests.conftest import make_place
from tests.duty.helpers import day_shift, put, roster_for
from tests.residents.factories import ResidentFactory


def url(gate) -> str:
    return f"/api/v1/checkpoints/gates/{gate.pk}/snapshot"


@pytest.fixture
def other_compound(personas, city, gates):
    """A second compound of community A (another gate's), with a resident and a pass."""
    k3 = make_place(PlaceKind.COMPOUND, "KA3", "丁小区", city.ga)
    b3 = make_place(PlaceKind.BUILDING, "KA3-1", "1号楼", k3)
    h3 = make_place(PlaceKind.HOUSEHOLD, "KA3-1-101", "101室", b3)
    resident = ResidentFactory(name="丁一", household=h3)
    today = timezone.localdate()
    entry_pass = services.pass_issue(
        actor=personas.staff_a, household=h3, valid_from=today, valid_until=today
    )
    return resident, entry_pass


def shift_at(duty, post_shift, *, starts_in: dt.timedelta, hours: int = 12) -> Assignment:
    """The cadre (duty.people[0]) on a shift of `post_shift` starting `starts_in` from now."""
    today = timezone.localdate()
    roster = roster_for(duty.people[0].user, duty.gate.community, today)
    return put(
        roster, post_shift, today, duty.people[0],
        starts_at=timezone.now() + starts_in, minutes=hours * 60,
    )  # fmt: skip


def test_a_cadre_on_duty_in_the_community_but_on_no_shift_gets_nothing(
    api, personas, gates
) -> None:
    r = api(personas.cadre).get(url(gates.gate))
    assert r.status_code == 403
    assert "甲一" not in r.content.decode()
    assert "shift" in r.json()["detail"] or "班" in r.json()["detail"]


def test_a_shift_at_another_post_opens_no_gate(api, personas, duty, gates) -> None:
    patrol = duty.patrol.shifts.first()
    shift_at(duty, patrol, starts_in=-dt.timedelta(hours=1), hours=8)
    assert api(personas.cadre).get(url(gates.gate)).status_code == 403


def test_on_shift_the_cadre_gets_their_compound_until_the_shift_ends(
    api, personas, duty, gates, other_compound
) -> None:
    assignment = shift_at(duty, day_shift(duty), starts_in=-dt.timedelta(hours=1))
    r = api(personas.cadre).get(url(gates.gate))
    assert r.status_code == 200
    snap = r.json()
    assert dt.datetime.fromisoformat(snap["expires_at"]) == assignment.ends_at
    assert {p["name"] for p in snap["residents"]} == {"甲一", "甲二", "甲三"}  # not KA3's 丁一
    assert {p["id"] for p in snap["passes"]} == {gates.p1.pk, gates.p2.pk}
    resident, entry_pass = other_compound
    assert entry_pass.pk not in {p["id"] for p in snap["passes"]}
    assert resident.pk not in {p["id"] for p in snap["residents"]}
    # Only what the decision needs: no phone, no ID number beyond its last 4.
    assert set(snap["residents"][0]) == {
        "id", "name", "last4", "status", "tags", "household_id", "path", "address",
    }  # fmt: skip
    text = r.content.decode()
    for person in (gates.a1, gates.a2, gates.a3):
        person.refresh_from_db()
        assert person.document_number not in text
        assert person.phone not in text


def test_the_snapshot_opens_shortly_before_the_shift_and_closes_at_its_end(
    api, personas, duty, gates
) -> None:
    client = api(personas.cadre)
    soon = shift_at(duty, day_shift(duty), starts_in=OFFLINE_DATA_LEAD - dt.timedelta(minutes=5))
    assert client.get(url(gates.gate)).status_code == 200
    soon.starts_at = timezone.now() + OFFLINE_DATA_LEAD + dt.timedelta(minutes=5)
    soon.ends_at = soon.starts_at + dt.timedelta(hours=12)
    soon.save()
    assert client.get(url(gates.gate)).status_code == 403
    soon.starts_at = timezone.now() - dt.timedelta(hours=12, minutes=1)
    soon.ends_at = timezone.now() - dt.timedelta(minutes=1)
    soon.save()
    assert client.get(url(gates.gate)).status_code == 403


def test_a_shift_the_cadre_was_taken_off_opens_nothing(api, personas, duty, gates) -> None:
    assignment = shift_at(duty, day_shift(duty), starts_in=-dt.timedelta(hours=1))
    Assignment.objects.filter(pk=assignment.pk).update(vacated_at=timezone.now())
    assert api(personas.cadre).get(url(gates.gate)).status_code == 403


def test_an_urgent_call_answered_for_this_gate_is_a_shift_there(
    api, personas, city, duty, gates
) -> None:
    call = calls.call_create(
        actor=personas.staff_a, community=city.a, post=duty.gate, where="北门", needed=1,
        starts_at=timezone.now() + dt.timedelta(minutes=10), hours=2,
    )  # fmt: skip
    calls.call_answer(actor=personas.cadre, call=call)
    r = api(personas.cadre).get(url(gates.gate))
    assert r.status_code == 200
    assert dt.datetime.fromisoformat(r.json()["expires_at"]) == call.ends_at


def test_those_who_guard_gates_get_it_at_any_time_and_others_never_see_it(
    api, personas, gates
) -> None:
    r = api(personas.staff_a).get(url(gates.gate))
    assert r.status_code == 200
    assert r.json()["expires_at"] is None
    assert api(personas.street).get(url(gates.gate)).status_code == 200
    assert api(personas.staff_b).get(url(gates.gate)).status_code == 404
    assert api(personas.outsider).get(url(gates.gate)).status_code == 404


def test_gate_search_data_names_the_compound_of_each_resident_and_pass(
    api, personas, gates
) -> None:
    """Two compounds both have a 1号楼: the gate's search results say which one."""
    snap = api(personas.staff_a).get(url(gates.gate)).json()
    assert snap["residents"]
    assert snap["passes"]
    for row in (*snap["residents"], *snap["passes"]):
        assert row["address"].startswith("甲小区 1号楼 "), row


def test_residents_at_risk_carry_their_watch_tags_to_the_gate(api, personas, gates) -> None:
    """Elderly living alone, immobile…: the gate's search shows them as badges (gate.js);
    other tags (foreigner) are not the gate's business."""
    from shequ.residents.models import tags_to_bits

    type(gates.a1).objects.filter(pk=gates.a1.pk).update(
        tags=tags_to_bits(["elderly_alone", "immobile", "foreigner"])
    )
    snap = api(personas.staff_a).get(url(gates.gate)).json()
    tags = {p["name"]: p["tags"] for p in snap["residents"]}
    assert tags == {"甲一": ["elderly_alone", "immobile"], "甲二": [], "甲三": []}


def test_the_gate_page_carries_the_tag_names_for_its_script(login, personas, gates) -> None:
    page = login(personas.staff_a).get(f"/checkpoints/gate/{gates.gate.pk}/")
    assert page.status_code == 200
    assert '"tag_immobile"' in page.content.decode()
