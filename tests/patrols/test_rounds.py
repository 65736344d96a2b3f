"""Rounds: recorded at an area in one's community, the agent drawn from the store's stock
(never blocked by it), and the phone's batch answered per item."""

from __future__ import annotations

import base64
import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied

from shequ.core.errors import ValidationError
from shequ.core.models import AuditEvent
from shequ.patrols import services
from shequ.patrols.batch import rounds_batch
from shequ.patrols.models import Round
from shequ.supplies.models import Movement, Stock, StockAlert
from tests.patrols.conftest import local, png


def _stock(pt) -> int:
    return sum(
        Stock.objects.filter(warehouse=pt.store, item=pt.agent).values_list("quantity", flat=True)
    )


def test_a_round_draws_its_units_from_the_store(pt, frozen):
    frozen(local(2026, 3, 2, 8, 10))
    the_round = services.round_record(actor=pt.cadre, area=pt.area)
    assert (the_round.quantity, the_round.drawn) == (2, 2)
    assert _stock(pt) == 8
    movement = Movement.objects.get(warehouse=pt.store, delta=-2)
    assert "1号楼楼道" in movement.note
    assert AuditEvent.objects.filter(action="patrols.round_record").count() == 1


def test_a_round_is_recorded_when_the_store_runs_short_and_the_keepers_are_alerted(pt, frozen):
    frozen(local(2026, 3, 2, 8, 10))
    the_round = services.round_record(actor=pt.cadre, area=pt.area, quantity=15)
    assert (the_round.quantity, the_round.drawn) == (15, 10)
    assert _stock(pt) == 0
    alert = StockAlert.objects.get(warehouse=pt.store, kind="shortfall")
    assert alert.quantity == 5


def test_a_cadre_of_another_community_is_refused(pt, frozen):
    frozen(local(2026, 3, 2, 8, 10))
    with pytest.raises(PermissionDenied) as exc:
        services.round_record(actor=pt.cadre_b, area=pt.area)
    assert "本社区" in str(exc.value)  # the reason, in the default language (zh-Hans)
    assert not Round.objects.exists()
    assert _stock(pt) == 10


def test_a_round_in_the_future_is_refused_naming_its_time(pt, frozen):
    frozen(local(2026, 3, 2, 8, 10))
    with pytest.raises(ValidationError) as exc:
        services.round_record(actor=pt.cadre, area=pt.area, done_at=local(2026, 3, 2, 9))
    assert "done_at" in exc.value.errors
    assert _stock(pt) == 10


def _item(pt, **kw):
    return {"client_uuid": str(uuid.uuid4()), "area_id": pt.area.pk,
            "done_at": local(2026, 3, 2, 8, 5).isoformat(), **kw}  # fmt: skip


def test_the_batch_answers_each_kind_of_bad_item_and_records_the_good_ones(pt, frozen):
    frozen(local(2026, 3, 2, 8, 10))
    good = _item(pt, photo=base64.b64encode(png()).decode())
    again = dict(good)
    items = [
        good,
        _item(pt, area_id=999_999),  # unknown area
        _item(pt, area_id=pt.area_b.pk),  # another community's area
        _item(pt, done_at=local(2026, 3, 2, 10).isoformat()),  # in the future
        _item(pt, photo=base64.b64encode(b"not an image").decode()),  # bad photo
        _item(pt, photo="***"),  # not base64
        again,  # the same UUID twice in the batch
        _item(pt, done_at="yesterday"),
        {"area_id": pt.area.pk},  # no UUID
    ]
    answers = rounds_batch(actor=pt.cadre, items=items)
    got = [(a.status, a.field) for a in answers]
    assert got == [
        ("created", ""),
        ("rejected", "area_id"),
        ("rejected", "area_id"),
        ("rejected", "done_at"),
        ("rejected", "photo"),
        ("rejected", "photo"),
        ("duplicate", ""),
        ("rejected", "done_at"),
        ("rejected", "client_uuid"),
    ]
    assert "晚于当前时间" in answers[3].message  # "in the future", in zh-Hans
    assert Round.objects.count() == 1
    assert Round.objects.get().photo  # the good one's photo is kept, sealed
    assert answers[0].drawn == 2
    assert _stock(pt) == 8


def test_a_batch_sent_again_is_answered_duplicate_and_writes_nothing(pt, frozen):
    frozen(local(2026, 3, 2, 8, 10))
    items = [_item(pt), _item(pt, done_at=local(2026, 3, 2, 7, 30).isoformat())]
    first = rounds_batch(actor=pt.cadre, items=items)
    second = rounds_batch(actor=pt.cadre, items=items)
    assert [a.status for a in first] == ["created", "created"]
    assert [a.status for a in second] == ["duplicate", "duplicate"]
    assert [a.id for a in second] == [a.id for a in first]
    assert Round.objects.count() == 2
    assert _stock(pt) == 6


def test_another_persons_uuid_is_refused_not_revealed(pt, frozen, personas):
    frozen(local(2026, 3, 2, 8, 10))
    item = _item(pt)
    rounds_batch(actor=pt.cadre, items=[item])
    [answer] = rounds_batch(actor=personas.staff_a, items=[item])
    assert (answer.status, answer.field, answer.id) == ("rejected", "client_uuid", None)


def test_the_batch_is_refused_whole_to_a_role_that_records_no_rounds(pt, personas):
    with pytest.raises(PermissionDenied):
        rounds_batch(actor=personas.district, items=[_item(pt)])


def test_the_batch_endpoint_answers_per_item_and_refuses_the_other_community(pt, frozen, api):
    frozen(local(2026, 3, 2, 8, 10))
    resp = api(pt.cadre_b).post("/api/v1/patrols/rounds:batch", {"items": [_item(pt)]})
    assert resp.status_code == 200
    [answer] = resp.json()
    assert (answer["status"], answer["field"]) == ("rejected", "area_id")
    resp = api(pt.cadre).post("/api/v1/patrols/rounds:batch", {"items": [_item(pt)]})
    assert resp.json()[0]["status"] == "created"


def test_a_round_older_than_the_phone_may_keep_is_refused(pt, frozen):
    frozen(local(2026, 3, 6, 9))
    [answer] = rounds_batch(
        actor=pt.cadre, items=[_item(pt, done_at=(local(2026, 3, 2, 8)).isoformat())]
    )
    assert (answer.status, answer.field) == ("rejected", "done_at")
    assert dt.timedelta(days=services.OFFLINE_DAYS) < local(2026, 3, 6, 9) - local(2026, 3, 2, 8)
