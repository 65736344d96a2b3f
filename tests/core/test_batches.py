"""`core.batches`: the shared reading loop, and `insert_each`, which writes a batch's rows so
that a row the database refuses (a foreign key to a row gone meanwhile, a broken constraint)
fails alone, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pytest
from django.db import connection, transaction
from django.utils import timezone

from shequ.core.batches import (
    CLOCK_SKEW,
    MAX_ITEMS,
    ItemAnswer,
    create_each,
    insert_each,
    missing_references,
    read_batch,
)
from shequ.core.device_items import BadItem, text_field, time_field
from shequ.core.errors import ValidationError
from shequ.mobilization.models import ReportInEvent
from tests.mobilization.conftest import mob  # noqa: F401 - the fixture the tests use

FIELDS = ["client_uuid", "enlistment", "result", "field", "reason", "received_at", "by"]


@dataclass
class _Item:
    client_uuid: uuid.UUID
    n: int


def _read(raw: dict, client_uuid: uuid.UUID, _now: dt.datetime) -> _Item:
    if not isinstance(raw.get("n"), int):
        raise BadItem("n", "Send n.")
    return _Item(client_uuid, raw["n"])


def test_the_loop_answers_each_item_and_a_repeat_as_its_first() -> None:
    u, v = str(uuid.uuid4()), str(uuid.uuid4())
    items = [{"client_uuid": u, "n": 1}, {"client_uuid": v}, [], {"client_uuid": u, "n": 2},
             {"client_uuid": v, "n": 3}, {"client_uuid": "x" * 100}]  # fmt: skip
    batch = read_batch(items, _read, ItemAnswer, timezone.now())
    assert [(n, i.n) for n, i in batch.fresh] == [(0, 1), (4, 3)]
    batch.answers[0].id = 7
    answers = batch.finish()
    assert [(a.status, a.field, a.id) for a in answers] == [
        ("created", "", 7),
        ("rejected", "n", None),
        ("rejected", "item", None),
        ("duplicate", "", 7),  # the first of its UUID was recorded
        ("created", "", None),  # the earlier item of that UUID did not read: this one is first
        ("rejected", "client_uuid", None),
    ]
    assert answers[5].client_uuid == "x" * 64  # echoed, cut short
    with pytest.raises(ValidationError):
        read_batch([{}] * (MAX_ITEMS + 1), _read, ItemAnswer, timezone.now())
    with pytest.raises(ValidationError):
        read_batch({"n": 1}, _read, ItemAnswer, timezone.now())


@pytest.mark.parametrize(
    "value",
    ["a\x00b", "\ud800", "\udfff tail", 5, ["a"], "x" * 11],
)
def test_text_the_databases_cannot_store_is_refused(value) -> None:
    with pytest.raises(BadItem) as bad:
        text_field({"t": value}, "t", 10)
    assert bad.value.field == "t"


def test_text_is_stripped_and_unicode_passes() -> None:
    assert text_field({"t": "  访客 ✓ "}, "t", 10) == "访客 ✓"
    assert text_field({}, "t", 10) == ""


def test_device_times_with_and_without_zone_and_the_clock_skew_rule() -> None:
    now = timezone.now()
    messages = {"not_iso": "iso", "in_future": "future", "too_old": "old"}

    def read(value: object) -> dt.datetime | str:
        try:
            return time_field({"at": value}, "at", now, max_age=dt.timedelta(days=1), **messages)
        except BadItem as bad:
            return bad.message

    local = timezone.localtime(now - dt.timedelta(minutes=1)).replace(microsecond=0)
    assert read(local.replace(tzinfo=None).isoformat()) == local  # no zone: city time
    assert read(local.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")) == local
    assert read((now + CLOCK_SKEW - dt.timedelta(seconds=5)).isoformat()) != "future"
    assert read((now + CLOCK_SKEW + dt.timedelta(seconds=5)).isoformat()) == "future"
    assert read((now - dt.timedelta(days=2)).isoformat()) == "old"
    for nonsense in ("soon", 1_700_000_000, None, "9999-12-31T23:59:59-14:00", "2" * 50):
        assert read(nonsense) == "iso"


def _row(user, enlistment_id=None, by=...):
    return [
        uuid.uuid4(), enlistment_id, "created", "", "", timezone.now(),
        user.pk if by is ... else by,
    ]  # fmt: skip


def test_a_row_refused_by_the_database_fails_alone(personas, mob) -> None:  # noqa: F811
    hq = personas.hq
    taken = _row(hq)
    insert_each(ReportInEvent, FIELDS, [taken], key="client_uuid")
    rows = [
        _row(hq),
        _row(hq, enlistment_id=10**9),  # a foreign key to nothing
        _row(hq, enlistment_id=mob.e["甲一"].pk),
        [taken[0], *_row(hq)[1:]],  # a client UUID stored before
        _row(hq, by=None),  # NOT NULL: refused by the insert itself
        _row(hq, by=10**9),
    ]
    with transaction.atomic():
        created, refused = insert_each(ReportInEvent, FIELDS, rows, key="client_uuid")
        # What was refused left nothing behind: the foreign keys hold at commit.
        connection.check_constraints()
    assert set(created) == {rows[0][0], rows[2][0]}
    assert refused == {1: "enlistment", 4: "", 5: "by"}
    assert set(ReportInEvent.objects.values_list("client_uuid", flat=True)) == {
        taken[0], rows[0][0], rows[2][0]
    }  # fmt: skip
    assert ReportInEvent.objects.get(client_uuid=rows[2][0]).enlistment_id == mob.e["甲一"].pk


def test_missing_references_names_the_field_of_each_row(personas, mob) -> None:  # noqa: F811
    rows = [_row(personas.hq), _row(personas.hq, 10**9, by=10**9), _row(personas.hq, 10**9)]
    assert missing_references(ReportInEvent, FIELDS, rows) == {1: "enlistment", 2: "enlistment"}


def test_an_object_refused_by_the_database_is_left_out_alone(personas, mob) -> None:  # noqa: F811
    from shequ.mobilization.models import Posting

    a1, a2 = mob.e["甲一"].staff, mob.e["甲二"].staff
    now = timezone.now()
    objs = [
        Posting(staff=a1, place_id=mob.order.scope_id, starts_at=now, by=personas.hq),
        Posting(staff_id=10**9, place_id=mob.order.scope_id, starts_at=now, by=personas.hq),
        Posting(staff=a2, place_id=mob.order.scope_id, starts_at=now, by=personas.hq),
    ]
    with transaction.atomic():
        assert create_each(objs) == {1: "staff"}
        connection.check_constraints()
    assert objs[1].pk is None
    assert set(Posting.objects.values_list("pk", flat=True)) == {objs[0].pk, objs[2].pk}
