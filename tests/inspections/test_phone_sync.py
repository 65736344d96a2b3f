"""The inspector's phone: the plans it keeps (items, targets) and visits recorded on it and
synced later with one answer per item; a resend is the same visit; scope and errors."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from shequ.core.models import AuditEvent
from shequ.inspections.models import Finding, Visit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _body(insp, target, **kw):
    body = {
        "client_uuid": str(uuid.uuid4()),
        "plan_id": insp.plan.pk,
        "place_id": target.pk,
        "visited_at": (timezone.now() - dt.timedelta(hours=5)).isoformat(),
        "answers": [
            {"item_id": insp.ask.pk, "result": "ok"},
            {"item_id": insp.check.pk, "result": "problem", "note": "登记缺页"},
            {"item_id": insp.look.pk, "result": "ok"},
        ],
    }
    body.update(kw)
    return body


def test_the_phone_keeps_the_plans_and_syncs_a_visit_once(api, insp, city):
    client = api(insp.inspector)
    [plan] = client.get("/api/v1/inspections/plans").json()
    assert [i["section"] for i in plan["items"]] == ["ask", "check", "look"]
    names = {t["name"] for t in plan["targets"]}
    assert "甲社区" in names
    assert "乙小区" in names
    assert any(t["kind"] == "premises" for t in plan["targets"])
    body = _body(insp, city.a)
    first = client.post("/api/v1/inspections/visits", body)
    assert first.status_code == 200, first.content
    assert first.json()["problems"] == 1
    again = client.post("/api/v1/inspections/visits", body)
    assert again.json()["id"] == first.json()["id"]  # a resend is the same visit
    visit = Visit.objects.get()
    assert visit.visited_at < timezone.now() - dt.timedelta(hours=4)  # the phone's time
    assert Finding.objects.filter(visit=visit).count() == 3
    assert AuditEvent.objects.filter(action="inspections.visit_record").count() == 1


def test_a_sync_names_the_item_without_an_answer_and_keeps_the_scope(api, insp, city):
    client = api(insp.inspector)
    body = _body(insp, city.a)
    body["answers"] = body["answers"][:2]
    missing = client.post("/api/v1/inspections/visits", body)
    assert missing.status_code == 400
    assert f"item_{insp.look.pk}" in missing.content.decode()
    old = _body(insp, city.a, visited_at=(timezone.now() - dt.timedelta(days=30)).isoformat())
    late = client.post("/api/v1/inspections/visits", old)
    assert late.status_code == 400
    assert "visited_at" in late.content.decode()
    other = api(insp.inspector2)  # another district: the plan is not theirs
    refused = other.post("/api/v1/inspections/visits", _body(insp, city.a))
    assert refused.status_code == 404
    assert other.get("/api/v1/inspections/plans").json() == []
    assert not Visit.objects.exists()


def test_a_batch_of_visits_answers_each_and_a_bad_one_stops_none(api, insp, city, personas):
    """The phone page's sync (core/batches.py): created, duplicate, or rejected with the
    field to fix; the good visits are recorded whatever the bad ones."""
    client = api(insp.inspector)
    good = _body(insp, city.a)
    no_answer = _body(insp, city.a)
    no_answer["answers"] = no_answer["answers"][:2]
    old = _body(insp, city.a, visited_at=(timezone.now() - dt.timedelta(days=8)).isoformat())
    shop = _body(insp, city.a, place_id=None, premises_id=insp.shop.pk)
    elsewhere = _body(insp, insp.c3)  # another district's community: not the inspector's
    items = [good, no_answer, old, good, shop, elsewhere, {"plan_id": 1}]
    response = client.post("/api/v1/inspections/visits:batch", {"items": items})
    assert response.status_code == 200, response.content
    answers = response.json()
    assert [a["status"] for a in answers] == [
        "created", "rejected", "rejected", "duplicate", "created", "rejected", "rejected",
    ]  # fmt: skip
    assert answers[0]["problems"] == 1
    assert answers[1]["field"] == f"item_{insp.look.pk}"
    assert answers[2]["field"] == "visited_at"
    assert "7" in answers[2]["message"]
    assert answers[3]["id"] == answers[0]["id"]
    assert answers[5]["field"] == "place_id"
    assert answers[6]["field"] == "client_uuid"
    assert Visit.objects.count() == 2
    assert Finding.objects.count() == 6
    assert AuditEvent.objects.filter(action="inspections.visit_record").count() == 2
    # Sent again (no answer reached the phone): the same visits, nothing written.
    again = client.post("/api/v1/inspections/visits:batch", {"items": [good, shop]}).json()
    assert [a["status"] for a in again] == ["duplicate", "duplicate"]
    assert [a["id"] for a in again] == [answers[0]["id"], answers[4]["id"]]
    assert Visit.objects.count() == 2
    # Another inspector reusing a UUID is refused, not shown the visit.
    stolen = api(insp.inspector2).post("/api/v1/inspections/visits:batch", {"items": [good]})
    assert stolen.json()[0]["status"] == "rejected"
    assert stolen.json()[0]["id"] is None
    # Not an inspector: the whole batch is refused.
    other = api(personas.staff_a).post("/api/v1/inspections/visits:batch", {"items": [good]})
    assert other.status_code == 403


def test_the_phone_page_and_its_worker(client, insp, personas):
    client.force_login(insp.inspector)
    page = client.get("/inspections/phone/")
    assert page.status_code == 200
    assert b"/api/v1/inspections/visits:batch" in page.content
    assert b"inspections/phone.js" in page.content
    worker = client.get("/inspections/phone/sw.js")
    assert worker.status_code == 200
    assert b'"cache": "shequ-inspect"' in worker.content
    assert b"inspections/phone.js" in worker.content
    client.force_login(personas.staff_a)
    assert client.get("/inspections/phone/").status_code == 403
