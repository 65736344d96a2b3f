"""The batch contract on the attendance endpoint: every kind of bad item is answered alone —
with its field — between good ones that land, never a 422 for the whole batch; only a request
that is no list of at most 1,000 items is refused whole."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone, translation

from shequ.duty import attendance
from shequ.duty.attendance import ingest
from shequ.duty.models import Assignment, Attendance, AttendanceEvent
from tests.duty.helpers import attendance_item, day_shift, login_for, put, roster_for

BATCH = "/api/v1/duty/attendance/batch"


def _without(item: dict, key: str) -> dict:
    return {k: v for k, v in item.items() if k != key}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def test_every_kind_of_bad_item_is_answered_alone_and_the_good_ones_land(
    api, personas, duty
) -> None:
    me, gate = duty.people[0].pk, duty.gate
    now = timezone.now()

    def local(when: dt.datetime) -> dt.datetime:
        return timezone.localtime(when).replace(tzinfo=None)

    def ago(minutes: int) -> dt.datetime:
        return now - dt.timedelta(minutes=minutes)

    def check_in(minutes: int, **kw) -> dict:
        return {**attendance_item("in", me, ago(minutes), post_id=gate.pk), **kw}

    stored = [check_in(120), attendance_item("out", me, ago(110))]
    assert api(personas.cadre).post(BATCH, {"items": stored}).status_code == 200

    def bad(**kw) -> dict:
        """A check-in with one thing wrong (each with its own client UUID)."""
        return check_in(45, **kw)

    first = check_in(20, post_id=None, post_token=gate.token)
    table = [
        (check_in(60), "created", ""),
        (attendance_item("out", me, ago(50)), "created", ""),
        # unknown ids, and rows out of scope
        (bad(staff_id=999_999), "rejected", "staff_id"),
        (bad(staff_id=duty.b1.pk), "rejected", "staff_id"),
        (bad(post_id=999_999), "rejected", "post_id"),
        (bad(post_id=None, post_token="no-such-post"), "rejected", "post_token"),
        (bad(post_id=duty.post_b.pk), "rejected", "post_id"),
        # values out of range, wrong types, missing fields
        (bad(kind="sideways"), "rejected", "kind"),
        (_without(bad(), "kind"), "rejected", "kind"),
        (bad(staff_id=str(me)), "rejected", "staff_id"),
        (bad(staff_id=0), "rejected", "staff_id"),
        (bad(post_id=[gate.pk]), "rejected", "post_id"),
        (bad(post_id=None, post_token=12), "rejected", "post_token"),
        (bad(post_id=None, post_token="x" * 33), "rejected", "post_token"),
        (_without(bad(), "staff_id"), "rejected", "staff_id"),
        (_without(bad(), "at"), "rejected", "at"),
        (_without(bad(), "client_uuid"), "rejected", "client_uuid"),
        (bad(client_uuid="1234"), "rejected", "client_uuid"),
        ("check in", "rejected", "item"),
        # huge numbers
        (bad(staff_id=2**64), "rejected", "staff_id"),
        (bad(post_id=10**30), "rejected", "post_id"),
        (bad(staff_id=1e308), "rejected", "staff_id"),
        # NUL bytes and broken text
        (bad(post_id=None, post_token=gate.token + "\x00"), "rejected", "post_token"),
        (bad(post_id=None, post_token="\ud83d"), "rejected", "post_token"),
        # times
        (bad(at=(now + dt.timedelta(hours=1)).isoformat()), "rejected", "at"),
        (bad(at=(now - dt.timedelta(days=8)).isoformat()), "rejected", "at"),
        (bad(at="soon"), "rejected", "at"),
        (bad(at=1_700_000_000), "rejected", "at"),
        (bad(at="0001-01-01T00:00:00"), "rejected", "at"),
        (check_in(40, at=local(ago(40)).isoformat()), "created", ""),  # no zone: city time
        (attendance_item("out", me, ago(30).astimezone(dt.UTC)), "created", ""),
        # the same client UUID twice in the batch, and one stored before
        (first, "created", ""),
        ({**first, "kind": "out"}, "duplicate", ""),
        (stored[0], "duplicate", ""),
    ]
    response = api(personas.cadre).post(BATCH, {"items": [row[0] for row in table]})
    assert response.status_code == 200
    answers = response.json()
    assert [(a["status"], a["field"]) for a in answers] == [(s, f) for _i, s, f in table]
    assert all(a["message"] for a in answers if a["status"] == "rejected")
    assert answers[-2]["id"] == answers[-3]["id"]
    # The stored pair, two pairs of this batch and the open check-in.
    assert Attendance.objects.count() == 4
    assert Attendance.objects.get(check_out_at__isnull=True).pk == answers[-3]["id"]
    # The answers about a post are kept for a resend; not those about a person who cannot be
    # stored, nor items that did not read (a resend reads the same).
    assert AttendanceEvent.objects.count() == 2 + 6 + 3
    connection.check_constraints()


def test_only_a_request_that_is_no_list_of_items_is_refused_whole(api, personas, duty) -> None:
    me = api(personas.cadre)
    one = attendance_item("in", duty.people[0].pk, timezone.now(), post_id=duty.gate.pk)
    for body in ({"items": one}, {"items": [one] * 1001}, {}):
        whole = me.post(BATCH, body)
        assert whole.status_code == 422
        assert whole.json()["errors"][0]["field"].startswith("items")
    assert not AttendanceEvent.objects.exists()


def test_a_shift_deleted_while_the_batch_is_written_refuses_only_its_check_in(
    personas, city, duty, monkeypatch
) -> None:
    """The batch reads the shifts, then a planner's re-plan deletes one before the rows go in:
    the check-in attached to it is refused alone (it was the whole batch's 409)."""
    day = timezone.localdate() - dt.timedelta(days=1)
    roster = roster_for(personas.staff_a, city.a, day)
    mine = put(roster, day_shift(duty), day, duty.people[0])
    other = put(roster, day_shift(duty), day, duty.people[1], leader=True)
    leader = login_for(other.staff, "leader")
    write = ingest.Batch.write

    def replanned(self):
        Assignment.objects.filter(pk=mine.pk).delete()
        return write(self)

    monkeypatch.setattr(ingest.Batch, "write", replanned)
    at = mine.starts_at + dt.timedelta(minutes=5)
    results = attendance.attendance_batch(
        actor=leader,
        items=[
            attendance_item("in", duty.people[0].pk, at, post_id=duty.gate.pk),
            attendance_item("in", other.staff_id, at, post_id=duty.gate.pk),
        ],
    )
    assert [(r.status, r.field) for r in results] == [("rejected", "at"), ("created", "")]
    assert results[0].id is None
    assert "record it again" in results[0].message
    assert list(Attendance.objects.values_list("staff_id", flat=True)) == [other.staff_id]
    connection.check_constraints()
