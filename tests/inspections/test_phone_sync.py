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
