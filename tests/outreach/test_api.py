"""The API: campaigns in scope, progress, a building's doors for the phone, outcomes, and the
offline batch (created / duplicate / rejected per item, each bad item with its field)."""

from __future__ import annotations

import uuid

from django.utils import timezone

from shequ.outreach.models import TaskStatus, Visit
from tests.outreach.conftest import task_of

DONE = {"present": True}


def _item(task, outcome, **kw):
    return {
        "client_uuid": str(kw.pop("client_uuid", uuid.uuid4())),
        "task_id": task.pk,
        "outcome": outcome,
        "at": timezone.now().isoformat(),
        **kw,
    }


def test_three_outcomes_recorded_offline_arrive_once(api, door, city, personas):
    t1, t2 = task_of(door.campaign, city.ha1), task_of(door.campaign, city.ha2)
    items = [
        _item(t1, "done", answers=DONE),
        _item(t2, "nobody_home"),
        _item(t1, "done", answers=DONE, people=[{"kind": "new_arrival", "name": "新人"}]),
    ]
    items[2]["task_id"] = t2.pk  # the third door is t2 again, after nobody was home
    items[2]["outcome"] = "refused"
    items[2].pop("people")
    phone = api(personas.cadre)
    first = phone.post("/api/v1/outreach/visits:batch", {"items": items}).json()
    assert [a["status"] for a in first] == ["created", "created", "created"]
    # The phone did not hear the answer and sends all three again, plus one repeat in-batch.
    again = phone.post("/api/v1/outreach/visits:batch", {"items": [*items, items[0]]}).json()
    assert [a["status"] for a in again] == ["duplicate"] * 4
    assert Visit.objects.count() == 3
    t2.refresh_from_db()
    assert (t2.status, t2.visits) == (TaskStatus.REFUSED, 1)


def test_every_kind_of_bad_item_is_rejected_with_its_field(api, door, city, personas):
    t1 = task_of(door.campaign, city.ha1)
    other_team = task_of(door.campaign, door.h301)
    items = [
        {"task_id": t1.pk, "outcome": "done"},  # no client uuid
        _item(t1, "done", answers={"present": "maybe"}),
        _item(t1, "sleeping"),
        _item(t1, "done", answers=DONE, at="yesterday"),
        _item(other_team, "done", answers=DONE),
        _item(t1, "done", task_id=999999),
        _item(t1, "done", answers=DONE, people=[{"kind": "new_arrival"}]),
        "not an object",
        _item(t1, "done", answers=DONE),
    ]
    items[5]["task_id"] = 999999
    answers = api(personas.cadre).post("/api/v1/outreach/visits:batch", {"items": items}).json()
    fields = [(a["status"], a["field"]) for a in answers]
    assert fields == [
        ("rejected", "client_uuid"),
        ("rejected", "answers.present"),
        ("rejected", "outcome"),
        ("rejected", "at"),
        ("rejected", "task_id"),
        ("rejected", "task_id"),
        ("rejected", "people.1.name"),
        ("rejected", "item"),
        ("created", ""),
    ]
    assert "队员乙" in answers[4]["message"]
    assert Visit.objects.count() == 1


def test_progress_and_building_doors_for_the_phone(api, door, city, personas):
    phone = api(personas.cadre)
    url = f"/api/v1/outreach/campaigns/{door.campaign.pk}/buildings/{city.ka1.pk}/tasks"
    snapshot = phone.get(url).json()
    assert snapshot["may_record"] is True
    assert [t["household"] for t in snapshot["tasks"]] == ["101室", "102室"]
    t1 = task_of(door.campaign, city.ha1)
    r = phone.post(f"/api/v1/outreach/tasks/{t1.pk}/outcome", {"outcome": "done", "answers": DONE})
    assert r.status_code == 200
    progress = api(personas.staff_a).get(f"/api/v1/outreach/campaigns/{door.campaign.pk}/progress")
    body = progress.json()
    assert body["totals"]["done"] == 1
    assert {r["name"]: r["done"] for r in body["buildings"]} == {"1号楼": 1, "2号楼": 0}
    mine = phone.get("/api/v1/outreach/my-buildings").json()
    assert [(b["building"], b["pending"]) for b in mine] == [("1号楼", 1)]


def test_out_of_scope_is_404_and_a_bad_answer_is_400(api, door, city, personas):
    other = api(personas.staff_b)
    assert other.get(f"/api/v1/outreach/campaigns/{door.campaign.pk}").status_code == 404
    t1 = task_of(door.campaign, city.ha1)
    assert (
        other.post(f"/api/v1/outreach/tasks/{t1.pk}/outcome", {"outcome": "done"}).status_code
        == 404
    )
    refused = api(door.cadre2).post(
        f"/api/v1/outreach/tasks/{t1.pk}/outcome", {"outcome": "done", "answers": DONE}
    )
    assert refused.status_code == 403
    bad = api(personas.staff_a).post(
        f"/api/v1/outreach/tasks/{t1.pk}/outcome", {"outcome": "done", "answers": {"people": "x"}}
    )
    assert bad.status_code == 400
    assert "answers.present" in bad.content.decode()


def test_staff_create_a_campaign_and_assign_buildings(api, door, city, personas):
    staff = api(personas.staff_a)
    r = staff.post(
        "/api/v1/outreach/campaigns",
        {
            "name": "疫苗接种",
            "kind": "vaccination",
            "community_id": city.a.pk,
            "place_ids": [city.ka1.pk],
            "questions": [{"key": "doses", "label": "剂次", "type": "number", "required": True}],
        },
    )
    assert r.status_code == 201, r.content
    cid = r.json()["id"]
    r = staff.post(
        f"/api/v1/outreach/campaigns/{cid}/assignments",
        {"building_ids": [city.ka1.pk], "team_id": door.team2.pk},
    )
    assert r.json() == {"assigned": 1}
    assert api(personas.cadre).post("/api/v1/outreach/campaigns", {
        "name": "x", "kind": "other", "community_id": city.a.pk}).status_code == 403  # fmt: skip
