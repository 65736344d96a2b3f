"""The batch contract on the swab endpoint: every kind of bad item is answered alone — with
its field — between good ones that land; only a request that is no list of at most 1,000
items is refused whole."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.utils import timezone, translation

from shequ.testing import services
from shequ.testing.models import Sample, Tube
from tests.testing.conftest import swab

BATCH = "/api/v1/testing/swabs:batch"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_every_kind_of_bad_item_is_answered_alone_and_the_good_ones_land(
    api, personas, city, rnd
) -> None:
    site_b = services.site_create(
        actor=personas.staff_b, community=city.b, name="乙广场", opens=dt.time(7),
        closes=dt.time(19), stations=1,
    )  # fmt: skip
    station_b = site_b.stations.get()
    stored = swab(rnd, "T0000009", rnd.a[9])
    assert api(personas.staff_a).post(BATCH, {"items": [stored]}).status_code == 200
    people = iter(rnd.a[:9])
    now = timezone.now()

    def good(**kw) -> dict:
        return {**swab(rnd, "T0000001", next(people)), **kw}

    def bad(**kw) -> dict:
        return {**swab(rnd, "T0000001", rnd.a[10]), **kw}

    first = good()
    table = [
        (good(), "created", ""),
        # unknown ids, and rows out of scope
        (bad(round_id=999_999), "rejected", "round_id"),
        (bad(station_id=999_999), "rejected", "station_id"),
        (bad(station_id=station_b.pk), "rejected", "station_id"),
        (bad(station_id=None, home_task_id=999_999), "rejected", "home_task_id"),
        (bad(resident_id=999_999), "rejected", "resident_id"),
        (bad(resident_id=None, id_number="110101199001010000"), "rejected", "resident_id"),
        (good(), "created", ""),
        # values out of range, wrong types, missing fields
        (bad(kind="open"), "rejected", "kind"),
        (bad(kind=["swab"]), "rejected", "kind"),
        (bad(round_id=0), "rejected", "round_id"),
        (bad(round_id=str(rnd.round.pk)), "rejected", "round_id"),
        (bad(station_id=1.0), "rejected", "station_id"),
        (bad(tube=""), "rejected", "tube"),
        (bad(tube="T" * 41), "rejected", "tube"),
        (bad(tube=7), "rejected", "tube"),
        (bad(id_number=12345, resident_id=None), "rejected", "id_number"),
        (bad(resident_id=None), "rejected", "resident_id"),
        ({k: v for k, v in bad().items() if k != "round_id"}, "rejected", "round_id"),
        ({k: v for k, v in bad().items() if k != "client_uuid"}, "rejected", "client_uuid"),
        ({k: v for k, v in bad().items() if k != "sampled_at"}, "rejected", "sampled_at"),
        (bad(client_uuid="{not-a-uuid}"), "rejected", "client_uuid"),
        ([1, 2], "rejected", "item"),
        (good(), "created", ""),
        # huge numbers
        (bad(round_id=2**64), "rejected", "round_id"),
        (bad(resident_id=10**30), "rejected", "resident_id"),
        (bad(station_id=1e308), "rejected", "station_id"),
        # NUL bytes and broken text
        (bad(tube="T000\x00001"), "rejected", "tube"),
        (bad(resident_id=None, id_number="1101\x00"), "rejected", "id_number"),
        (bad(tube="\udfff"), "rejected", "tube"),
        # times
        (bad(sampled_at=(now + dt.timedelta(hours=1)).isoformat()), "rejected", "sampled_at"),
        (bad(sampled_at=(now - dt.timedelta(days=4)).isoformat()), "rejected", "sampled_at"),
        (bad(sampled_at="9999-12-31T23:59:59-14:00"), "rejected", "sampled_at"),
        (bad(sampled_at=True), "rejected", "sampled_at"),
        (good(sampled_at=timezone.localtime(now).replace(tzinfo=None).isoformat()), "created", ""),
        (good(sampled_at=now.astimezone(dt.UTC).isoformat()), "created", ""),
        # the same client UUID twice in the batch, and one stored before
        (first, "created", ""),
        ({**first, "tube": "T0000002"}, "duplicate", ""),
        (stored, "duplicate", ""),
        (good(), "created", ""),
    ]
    response = api(personas.staff_a).post(BATCH, {"items": [row[0] for row in table]})
    assert response.status_code == 200
    answers = response.json()
    assert [(a["status"], a["field"]) for a in answers] == [(s, f) for _i, s, f in table]
    assert all(a["message"] for a in answers if a["status"] == "rejected")
    created = [a for a in answers if a["status"] == "created"]
    assert Sample.objects.count() == 1 + len(created)
    assert {a["tube"] for a in created} == {"T0000001"}
    assert Tube.objects.get(barcode="T0000001").samples.count() == len(created)
    assert not Tube.objects.filter(barcode="T0000002").exists()
    connection.check_constraints()


def test_only_a_request_that_is_no_list_of_items_is_refused_whole(api, personas, rnd) -> None:
    me = api(personas.staff_a)
    one = swab(rnd, "T0000001", rnd.a[0])
    for body in ({"items": "T0000001"}, {"items": [one] * 1001}, {"item": [one]}):
        whole = me.post(BATCH, body)
        assert whole.status_code == 422
        assert whole.json()["errors"][0]["field"].startswith("items")
    assert me.post(BATCH, {"items": []}).json() == []
    assert not Sample.objects.exists()
    assert me.post(BATCH, {"items": [{**one, "client_uuid": str(uuid.uuid4())}]}).status_code == 200
