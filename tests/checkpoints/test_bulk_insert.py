"""`core.bulk.insert_new_rows`, the passage log's insert: on SQLite and on PostgreSQL (where it
COPYs straight into the table, and falls back to INSERT … ON CONFLICT when a key is taken),
the rows read back through the ORM exactly as written, and a taken key is left alone."""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import connection
from django.utils import timezone

from shequ.checkpoints.ingest import FIELDS
from shequ.checkpoints.models import Passage
from shequ.core.bulk import insert_new_rows


def _row(gates, actor, **kw) -> list:
    values = {
        "client_uuid": uuid.uuid4(), "gate": gates.gate.pk, "community": gates.gate.community_id,
        "direction": "in", "device_time": timezone.now() - dt.timedelta(minutes=5),
        "server_time": timezone.now(), "recorded_by": actor.pk, "subject": "visitor",
        "resident": None, "entry_pass": None, "pass_version": None, "visitor_name": "访客甲",
        "visitor_phone": "13800000000", "plate": "", "temperature": 36.6,
        "health_code": "green", "travel_star": False, "decision": "allow", "reasons": [],
        "alert": False, "device_decision": "", "disagrees": False, "rules_version": 1,
        "corrects": None, "note": "",
    }  # fmt: skip
    values.update(kw)
    return [values[name] for name in FIELDS]


def test_new_rows_go_in_and_read_back_as_written(personas, gates) -> None:
    rows = [
        _row(gates, personas.cadre, temperature=37.8, decision="refuse", reasons=["fever"]),
        _row(gates, personas.cadre, subject="resident", resident=gates.a1.pk,
             entry_pass=gates.p1.pk, pass_version=1, visitor_name="", visitor_phone=""),
    ]  # fmt: skip
    created = insert_new_rows(Passage, FIELDS, rows, key="client_uuid")

    assert set(created) == {rows[0][0], rows[1][0]}
    fever = Passage.objects.get(pk=created[rows[0][0]])
    assert (fever.client_uuid, fever.temperature, fever.reasons) == (rows[0][0], 37.8, ["fever"])
    assert fever.visitor_phone == "13800000000"  # decrypted: stored encrypted
    with connection.cursor() as cursor:
        cursor.execute("SELECT visitor_phone FROM checkpoints_passage WHERE id = %s", [fever.pk])
        assert cursor.fetchone()[0].startswith("v1:")  # at rest: ciphertext only
    assert fever.device_time == rows[0][FIELDS.index("device_time")]
    resident = Passage.objects.get(pk=created[rows[1][0]])
    assert (resident.resident_id, resident.entry_pass_id) == (gates.a1.pk, gates.p1.pk)


def test_a_taken_key_is_skipped_and_the_rest_go_in(personas, gates) -> None:
    first = _row(gates, personas.cadre, note="first")
    insert_new_rows(Passage, FIELDS, [first], key="client_uuid")
    again = _row(gates, personas.cadre, client_uuid=first[0], note="resent")
    fresh = _row(gates, personas.cadre, note="fresh")

    created = insert_new_rows(Passage, FIELDS, [again, fresh], key="client_uuid")

    assert list(created) == [fresh[0]]
    assert Passage.objects.get(client_uuid=first[0]).note == "first"
    assert Passage.objects.get(pk=created[fresh[0]]).note == "fresh"
    assert Passage.objects.count() == 2


def test_json_with_quotes_escapes_and_non_ascii_reads_back_as_written(personas, gates) -> None:
    # On PostgreSQL COPY carries a JSON column as its text: quotes, backslashes, tabs and
    # newlines must survive both JSON's and COPY's escaping.
    reasons = ['引号"', "back\\slash", "tab\there", "line\nbreak", {"nested": [1, None]}]
    row = _row(gates, personas.cadre, reasons=reasons)
    created = insert_new_rows(Passage, FIELDS, [row], key="client_uuid")
    assert Passage.objects.get(pk=created[row[0]]).reasons == reasons
