"""/api/v1/checkpoints over HTTP with bearer tokens: the batch endpoint, the gate snapshot,
passes, rules, the log and figures — and the 404s outside one's scope."""

from __future__ import annotations

import datetime as dt
import json

from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from shequ.checkpoints.decisions import DEFAULT_RULES
from shequ.checkpoints.models import GateRules, Passage
from tests.checkpoints.conftest import item, qr

BATCH = "/api/v1/checkpoints/passages:batch"


def test_batch_answers_each_item_in_order(api, personas, gates) -> None:
    one = item(gates.gate, pass_code=qr(gates.p1))
    r = api(personas.cadre).post(BATCH, {"items": [one, item(gates.gate, direction="up"), one]})
    assert r.status_code == 200
    body = r.json()
    assert [x["status"] for x in body] == ["created", "rejected", "duplicate"]
    assert body[1]["field"] == "direction"
    assert body[0]["decision"] == "allow"
    assert Passage.objects.count() == 1


def test_batch_over_a_thousand_is_refused_whole(api, personas, gates) -> None:
    r = api(personas.cadre).post(BATCH, {"items": [item(gates.gate)] * 1001})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"].startswith("items")
    assert not Passage.objects.exists()


def test_batch_needs_a_login(client, gates) -> None:
    r = client.post(BATCH, json.dumps({"items": []}), content_type="application/json")
    assert r.status_code == 401


def test_gate_snapshot_holds_passes_rules_and_masked_residents(
    api, personas, gates, on_shift
) -> None:
    r = api(personas.cadre).get(f"/api/v1/checkpoints/gates/{gates.gate.pk}/snapshot")
    assert r.status_code == 200
    snap = r.json()
    tokens = {p["id"]: p["token"] for p in snap["passes"]}
    assert tokens == {gates.p1.pk: qr(gates.p1), gates.p2.pk: qr(gates.p2)}  # not B's pass
    people = {p["name"]: p for p in snap["residents"]}
    assert set(people) == {"甲一", "甲二", "甲三"}
    assert people["甲三"]["status"] == "home_isolation"
    assert len(people["甲一"]["last4"]) == 4
    assert gates.a1.document_number not in r.content.decode()  # never the whole ID number
    assert snap["rules"]["fever_at"] == 37.3
    assert snap["reasons"]["fever"]["alert"] is True


def test_snapshot_and_gates_of_another_community_are_404(api, personas, gates) -> None:
    assert (
        api(personas.staff_b).get(f"/api/v1/checkpoints/gates/{gates.gate.pk}/snapshot").status_code
        == 404
    )
    mine = api(personas.cadre).get("/api/v1/checkpoints/gates").json()
    assert [g["name"] for g in mine] == ["北门"]


def test_passes_issue_revoke_reissue_over_the_api(api, personas, gates, city) -> None:
    staff = api(personas.staff_a)
    r = staff.post(f"/api/v1/checkpoints/passes/{gates.p1.pk}/revoke", {"reason": ""})
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "reason"
    r = staff.post(f"/api/v1/checkpoints/passes/{gates.p1.pk}/revoke", {"reason": "搬离"})
    assert r.json()["status"] == "revoked"
    r = staff.post(f"/api/v1/checkpoints/passes/{gates.p1.pk}/reissue", {})
    assert (r.json()["status"], r.json()["version"]) == ("active", 2)
    assert r.json()["qr"] != qr(gates.p1)
    r = staff.post(
        "/api/v1/checkpoints/passes",
        {"household_id": city.ha1.pk, "valid_from": "2026-12-01", "valid_until": "2026-12-31"},
    )
    assert r.status_code == 400  # the household has a pass already
    other = staff.post(f"/api/v1/checkpoints/passes/{gates.pb.pk}/revoke", {"reason": "x"})
    assert other.status_code == 404


def test_a_holder_from_a_place_you_cannot_see_is_unknown_and_never_named(
    api, personas, gates, city
) -> None:
    r = api(personas.staff_a).post(
        "/api/v1/checkpoints/passes",
        {
            "household_id": city.ha1.pk,
            "valid_from": "2026-12-01",
            "valid_until": "2026-12-31",
            "holder_ids": [gates.a1.pk, gates.b1.pk],
        },
    )
    assert r.status_code == 404
    assert "乙一" not in r.content.decode()


def test_pass_list_is_only_what_you_issue(api, personas, gates) -> None:
    ids = [p["id"] for p in api(personas.staff_a).get("/api/v1/checkpoints/passes").json()["items"]]
    assert sorted(ids) == sorted([gates.p1.pk, gates.p2.pk])
    assert api(personas.cadre).get("/api/v1/checkpoints/passes").json()["items"] == []


def test_rules_set_and_read(api, personas, gates, city) -> None:
    staff = api(personas.staff_a)
    url = f"/api/v1/checkpoints/communities/{city.a.pk}/rules"
    r = staff.post(url, {"rules": {}})
    assert r.status_code == 405  # rules are PUT
    client, headers = Client(), staff.headers
    r = client.put(
        url,
        json.dumps({"rules": {"fever_at": 45}}),
        content_type="application/json",
        headers=headers,
    )
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "fever_at"
    r = client.put(
        url,
        json.dumps({"rules": {"exit_quota": {"people": 1, "days": 2}}}),
        content_type="application/json",
        headers=headers,
    )
    assert (r.json()["version"], r.json()["rules"]["exit_quota"]) == (1, {"people": 1, "days": 2})
    assert staff.get(url).json()["version"] == 1
    assert api(personas.staff_b).get(url).status_code == 404


def _put_rules(api, user, community, rules: dict):
    url = f"/api/v1/checkpoints/communities/{community.pk}/rules"
    body = json.dumps({"rules": rules})
    return Client().put(url, body, content_type="application/json", headers=api(user).headers)


def test_putting_the_rules_in_force_again_makes_no_new_version(api, personas, city) -> None:
    assert _put_rules(api, personas.staff_a, city.a, DEFAULT_RULES).json()["version"] == 0
    quota = {"exit_quota": {"people": 1, "days": 2}}
    assert _put_rules(api, personas.staff_a, city.a, quota).json()["version"] == 1
    again = _put_rules(api, personas.staff_a, city.a, quota)
    assert (again.status_code, again.json()["version"]) == (200, 1)
    assert GateRules.objects.filter(community=city.a).count() == 1


def test_page_and_api_refuse_a_rules_reader_in_the_same_words(
    api, client, login, personas, city
) -> None:
    r = _put_rules(api, personas.district, city.a, {"fever_at": 38})
    assert r.status_code == 403
    detail = r.json()["detail"]
    assert city.a.name in detail
    login(personas.district)
    page = client.post(reverse("checkpoints:rules", args=[city.a.pk]), {"fever_at": "38"})
    assert page.status_code == 403
    assert escape(detail) in page.content.decode()
    assert not GateRules.objects.exists()


def test_passage_log_masks_phones_and_hides_other_communities(api, personas, gates) -> None:
    api(personas.cadre).post(
        BATCH,
        {
            "items": [
                item(
                    gates.gate,
                    subject="visitor",
                    visitor_name="访客",
                    visitor_phone="10000000777",
                    direction="in",
                )
            ]
        },
    )
    rows = api(personas.staff_a).get("/api/v1/checkpoints/passages").json()["items"]
    assert [r["visitor_phone"] for r in rows] == ["100****0777"]
    assert api(personas.staff_b).get("/api/v1/checkpoints/passages").json()["items"] == []


def test_hours_per_gate(api, personas, gates, city) -> None:
    now = timezone.now()
    api(personas.cadre).post(
        BATCH,
        {
            "items": [
                item(gates.gate, pass_code=qr(gates.p1), device_time=now.isoformat()),
                item(
                    gates.gate,
                    pass_code=qr(gates.p1),
                    temperature=39.0,
                    device_time=now.isoformat(),
                ),
            ]
        },
    )
    day = timezone.localdate(now).isoformat()
    rows = (
        api(personas.staff_a)
        .get(f"/api/v1/checkpoints/communities/{city.a.pk}/hours", day=day)
        .json()
    )
    assert [(r["gate"], r["passages_out"], r["refused"]) for r in rows] == [("北门", 1, 1)]
    assert dt.datetime.fromisoformat(rows[0]["hour"]).minute == 0
