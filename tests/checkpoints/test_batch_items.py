"""The batch contract on the passage endpoint (issue #14 finding 6): every kind of bad item
is answered alone — with its field — between good ones that land, never a 409 or 422 for the
whole batch; only a request that is no list of at most 1,000 items is refused whole."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.utils import timezone, translation

from shequ.checkpoints.models import Passage
from tests.checkpoints.conftest import item, qr

BATCH = "/api/v1/checkpoints/passages:batch"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _table(gates, stored: dict) -> list[tuple[dict | object, str, str]]:
    """(item, expected status, expected field), good items between the bad ones."""
    g = gates.gate
    now = timezone.now()
    local, utc = timezone.localtime(now).replace(tzinfo=None), now.astimezone(dt.UTC)
    good = lambda **kw: item(g, **{"pass_code": qr(gates.p1), **kw})  # noqa: E731 - a table row
    first = good()
    return [
        (good(), "created", ""),
        # unknown ids, and rows out of scope
        (item(g, resident_id=999_999), "rejected", "resident_id"),
        (item(g, gate_id=999_999, pass_code=qr(gates.p1)), "rejected", "gate_id"),
        (item(gates.gate_b, pass_code=qr(gates.pb)), "rejected", "gate_id"),
        (item(g, resident_id=gates.b1.pk), "rejected", "resident_id"),
        (good(corrects=str(uuid.uuid4())), "rejected", "corrects"),
        (good(), "created", ""),
        # values out of range, wrong types, missing fields
        (good(temperature=48), "rejected", "temperature"),
        (good(temperature="hot"), "rejected", "temperature"),
        (good(temperature=True), "rejected", "temperature"),
        (good(gate_id=str(g.pk)), "rejected", "gate_id"),
        (good(gate_id=-1), "rejected", "gate_id"),
        (good(resident_id=1.5), "rejected", "resident_id"),
        (good(direction=["out"]), "rejected", "direction"),
        (good(travel_star="yes"), "rejected", "travel_star"),
        (good(note={"a": 1}), "rejected", "note"),
        (good(note="x" * 201), "rejected", "note"),
        ({k: v for k, v in good().items() if k != "gate_id"}, "rejected", "gate_id"),
        ({k: v for k, v in good().items() if k != "client_uuid"}, "rejected", "client_uuid"),
        ({k: v for k, v in good().items() if k != "device_time"}, "rejected", "device_time"),
        (good(client_uuid="not-a-uuid"), "rejected", "client_uuid"),
        (good(client_uuid=12345), "rejected", "client_uuid"),
        ("not an object", "rejected", "item"),
        (None, "rejected", "item"),
        (good(), "created", ""),
        # huge numbers
        (good(gate_id=2**64), "rejected", "gate_id"),
        (good(resident_id=10**30), "rejected", "resident_id"),
        (good(temperature=1e308), "rejected", "temperature"),
        (good(temperature=-(2**70)), "rejected", "temperature"),
        # NUL bytes and broken text
        (item(g, subject="visitor", visitor_name="访\x00客"), "rejected", "visitor_name"),
        (good(note="a\x00"), "rejected", "note"),
        (good(pass_code="P1.1:\x00"), "rejected", "pass_code"),
        (good(note="\ud800"), "rejected", "note"),
        # times
        (good(device_time=(now + dt.timedelta(hours=2)).isoformat()), "rejected", "device_time"),
        (good(device_time=(now - dt.timedelta(days=31)).isoformat()), "rejected", "device_time"),
        (good(device_time="yesterday"), "rejected", "device_time"),
        (good(device_time=1_700_000_000), "rejected", "device_time"),
        (good(device_time="0001-01-01T00:00:00+14:00"), "rejected", "device_time"),
        (good(device_time=(now + dt.timedelta(minutes=5)).isoformat()), "created", ""),
        (good(device_time=local.isoformat()), "created", ""),  # no zone: city time
        (good(device_time=utc.isoformat().replace("+00:00", "Z")), "created", ""),
        # the same client UUID twice in the batch, and one stored before
        (first, "created", ""),
        ({**first, "temperature": 38.5}, "duplicate", ""),
        (stored, "duplicate", ""),
        (good(), "created", ""),
    ]


def test_every_kind_of_bad_item_is_answered_alone_and_the_good_ones_land(
    api, personas, gates
) -> None:
    stored = item(gates.gate, pass_code=qr(gates.p1))
    assert api(personas.cadre).post(BATCH, {"items": [stored]}).status_code == 200
    table = _table(gates, stored)
    response = api(personas.cadre).post(BATCH, {"items": [row[0] for row in table]})
    assert response.status_code == 200
    answers = response.json()
    got = [(a["status"], a["field"]) for a in answers]
    assert got == [(status, field) for _i, status, field in table]
    assert all(a["message"] for a in answers if a["status"] == "rejected")
    assert not any(a["message"] for a in answers if a["status"] != "rejected")
    # In order, each with its client UUID as sent (those that had a proper one).
    for (raw, _s, _f), answer in zip(table, answers, strict=True):
        if isinstance(raw, dict) and isinstance(raw.get("client_uuid"), str):
            assert answer["client_uuid"] == raw["client_uuid"][:64]
    created = [a["id"] for a in answers if a["status"] == "created"]
    assert Passage.objects.count() == 1 + len(created)
    assert set(Passage.objects.values_list("pk", flat=True)) >= set(created)
    connection.check_constraints()  # nothing refers to a row that does not exist


@pytest.mark.django_db(transaction=True)
def test_an_unknown_resident_does_not_block_the_batch(api, personas, gates) -> None:
    """The finding as reported: one good passage and one with an unknown resident_id was a
    409 ("someone else changed this") and recorded neither; the gate resent it forever."""
    good = item(gates.gate, pass_code=qr(gates.p1))
    bad = item(gates.gate, resident_id=999_999)
    for _attempt in range(2):  # the resend gets the same answers
        response = api(personas.cadre).post(BATCH, {"items": [good, bad]})
        assert response.status_code == 200
        assert [a["field"] for a in response.json()] == ["", "resident_id"]
    assert [a["status"] for a in response.json()] == ["duplicate", "rejected"]
    assert list(Passage.objects.values_list("client_uuid", flat=True)) == [
        uuid.UUID(good["client_uuid"])
    ]


def test_only_a_request_that_is_no_list_of_items_is_refused_whole(api, personas, gates) -> None:
    me = api(personas.cadre)
    for body in ({"items": {"0": item(gates.gate)}}, {"items": [item(gates.gate)] * 1001}, {}):
        whole = me.post(BATCH, body)
        assert whole.status_code == 422
        assert whole.json()["errors"][0]["field"].startswith("items")
    broken = me.post(BATCH, raw='{"items": [')
    assert broken.status_code == 400
    assert "detail" in broken.json()
    assert me.post(BATCH, {"items": []}).json() == []
    assert not Passage.objects.exists()
