"""The batch contract on the report-in endpoint: every kind of bad item is answered alone —
with its field — between good ones that land, never a 422 for the whole batch; only a request
that is no list of at most 1,000 items is refused whole."""

from __future__ import annotations

import uuid

from django.db import connection

from shequ.mobilization.models import Enlistment, EnlistmentState, Posting, ReportInEvent

BATCH = "/api/v1/mobilization/report-ins"


def _item(token: str, **kw) -> dict:
    return {"client_uuid": str(uuid.uuid4()), "token": token, **kw}


def _without(item: dict, key: str) -> dict:
    return {k: v for k, v in item.items() if k != key}


def test_every_kind_of_bad_item_is_answered_alone_and_the_good_ones_land(
    api, personas, city, mob
) -> None:
    stored = _item(mob.e["外一"].token)
    assert api(personas.staff_a).post(BATCH, {"items": [stored]}).status_code == 200
    token = mob.e["甲二"].token  # each bad item is 甲二's report-in with one thing wrong
    first = _item(mob.e["甲一"].token)
    table = [
        (first, "created", ""),
        # unknown ids, and rows out of scope
        (_item("no-such-token"), "rejected", "token"),
        (_item(token, community_id=999_999), "rejected", "community_id"),
        (_item(token, community_id=city.b.pk), "rejected", "community_id"),
        (_item(mob.e["乙一"].token), "rejected", "community_id"),
        (_item(token, community_id=city.ka.pk), "rejected", "community_id"),
        # wrong types, missing fields, values out of range
        (_item(token, community_id=str(city.a.pk)), "rejected", "community_id"),
        (_item(token, community_id=-5), "rejected", "community_id"),
        (_item(12345), "rejected", "token"),
        (_item(""), "rejected", "token"),
        (_item("t" * 33), "rejected", "token"),
        (_without(_item(token), "token"), "rejected", "token"),
        (_without(_item(token), "client_uuid"), "rejected", "client_uuid"),
        (_item(token, client_uuid=str(uuid.uuid4())[:-1]), "rejected", "client_uuid"),
        (42, "rejected", "item"),
        # huge numbers
        (_item(token, community_id=2**64), "rejected", "community_id"),
        (_item(token, community_id=1e308), "rejected", "community_id"),
        # NUL bytes and broken text
        (_item(token + "\x00"), "rejected", "token"),
        (_item("\udc80"), "rejected", "token"),
        # the same client UUID twice in the batch, and one stored before
        ({**first, "community_id": city.b.pk}, "duplicate", ""),
        (stored, "duplicate", ""),
        (_item(token), "created", ""),
    ]
    response = api(personas.staff_a).post(BATCH, {"items": [row[0] for row in table]})
    assert response.status_code == 200
    answers = response.json()
    assert [(a["status"], a["field"]) for a in answers] == [(s, f) for _i, s, f in table]
    assert all(a["message"] for a in answers if a["status"] == "rejected")
    assert answers[0]["id"] == answers[-3]["id"] == mob.e["甲一"].pk
    here = Enlistment.objects.filter(state=EnlistmentState.REPORTED_IN, community=city.a)
    assert set(here.values_list("staff__name", flat=True)) == {"甲一", "甲二", "外一"}
    assert Posting.objects.count() == 3
    assert not Enlistment.objects.filter(pk=mob.e["乙一"].pk, state="reported_in").exists()
    # Refusals of items that read are kept for a resend.
    assert ReportInEvent.objects.count() == 1 + 2 + 5
    connection.check_constraints()


def test_only_a_request_that_is_no_list_of_items_is_refused_whole(api, personas, mob) -> None:
    me = api(personas.staff_a)
    one = _item(mob.e["甲一"].token)
    for body in ({"items": None}, {"items": [one] * 1001}, {"tokens": [one]}):
        whole = me.post(BATCH, body)
        assert whole.status_code == 422
        assert whole.json()["errors"][0]["field"].startswith("items")
    assert not ReportInEvent.objects.exists()
