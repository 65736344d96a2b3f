"""PostgreSQL-only: the event tables partitioned by month (core.partitions) — rows land in
their month, a resend is still one row, the append-only trigger holds on every partition,
`shequ partitions ensure` makes months ahead and takes rows out of DEFAULT, and a migration's
rebuild keeps rows, ids and triggers."""

from __future__ import annotations

import datetime as dt
import importlib
import uuid

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from typer.testing import CliRunner

from shequ.checkpoints.ingest import passages_batch
from shequ.checkpoints.models import Passage
from shequ.cli import app
from shequ.core.partitions import (
    Month,
    ensure_partitions,
    is_partitioned,
    partition_by_month,
    partitions_of,
    unpartition,
)
from shequ.testing.ingest import swabs_batch
from shequ.testing.models import Sample
from tests.checkpoints.conftest import item, qr
from tests.testing.conftest import round_world, swab

pytestmark = pytest.mark.pg

EVENT_TABLES = {
    "checkpoints_passage": "device_time",
    "duty_attendanceevent": "at",
    "core_auditevent": "at",
    "core_notification": "created_at",
    "testing_sample": "sampled_at",
}


def _home(pk: int) -> str:
    """The partition that holds the passage `pk`."""
    with connection.cursor() as c:
        c.execute("SELECT tableoid::regclass::text FROM checkpoints_passage WHERE id = %s", [pk])
        return c.fetchone()[0]


COLUMNS = (
    "gate_id, community_id, direction, server_time, recorded_by_id, subject, visitor_name,"
    " visitor_phone, plate, health_code, decision, reasons, alert, device_decision, disagrees,"
    " rules_version, note"
)


def _copy(
    pk: int, *, client_uuid: str | None = None, device_time: dt.datetime | None = None
) -> int:
    """INSERT a copy of passage `pk` straight into the table (the ingest refuses a device
    time years off), with the UUID and time given or the same: the new id."""
    with connection.cursor() as c:
        c.execute(
            f"INSERT INTO checkpoints_passage (client_uuid, device_time, {COLUMNS}) "  # noqa: S608
            f"SELECT coalesce(%s::uuid, client_uuid), coalesce(%s, device_time), {COLUMNS} "
            "FROM checkpoints_passage WHERE id = %s RETURNING id",
            [client_uuid, device_time, pk],
        )
        return c.fetchone()[0]


def _refused(sql: str, params: list) -> None:
    """`sql` is refused by the append-only trigger (in a savepoint: the test goes on)."""
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        connection.cursor().execute(sql, params)


def _one(personas, gates) -> int:
    """A passage recorded now through the ingest: its id."""
    [answer] = passages_batch(
        actor=personas.cadre, items=[item(gates.gate, pass_code=qr(gates.p1))]
    )
    assert answer.status == "created"
    return answer.id


def _this_month() -> Month:
    return Month.of(timezone.localdate())


def test_the_event_tables_are_partitioned_by_month_with_a_default(db) -> None:
    assert connection.vendor == "postgresql"
    for table in EVENT_TABLES:
        assert is_partitioned(connection, table), table
        names = partitions_of(connection, table)
        month = _this_month()
        coming = [f"{table}_{month.shifted(n).suffix()}" for n in range(4)]
        assert set(coming) <= set(names), names
        assert names[-1] == f"{table}_default"


def test_a_passage_lands_in_its_month_and_a_resend_is_one_row(personas, gates) -> None:
    sent = item(gates.gate, pass_code=qr(gates.p1))
    first = passages_batch(actor=personas.cadre, items=[sent])
    again = passages_batch(actor=personas.cadre, items=[sent])
    assert [a.status for a in first] == ["created"]
    assert [a.status for a in again] == ["duplicate"]
    row = Passage.objects.get(client_uuid=sent["client_uuid"])
    assert _home(row.pk) == f"checkpoints_passage_{_this_month().suffix()}"


FAR = dt.datetime(2031, 5, 3, 9, 0, tzinfo=dt.UTC)


def test_a_time_past_every_month_made_lands_in_default_and_is_read_back(personas, gates) -> None:
    pk = _copy(_one(personas, gates), client_uuid=str(uuid.uuid4()), device_time=FAR)
    assert Passage.objects.get(pk=pk).device_time == FAR
    assert _home(pk) == "checkpoints_passage_default"


def test_ensure_makes_the_month_and_moves_its_rows_out_of_default(personas, gates) -> None:
    pk = _copy(_one(personas, gates), client_uuid=str(uuid.uuid4()), device_time=FAR)
    made = ensure_partitions(months_ahead=1, today=dt.date(2031, 5, 20))
    assert ("checkpoints_passage_p2031_05", 1) in made
    assert ("checkpoints_passage_p2031_06", 0) in made
    assert ("core_auditevent_p2031_05", 0) in made
    assert _home(pk) == "checkpoints_passage_p2031_05"
    assert Passage.objects.get(pk=pk).device_time == FAR
    # The moved row is still append-only (the trigger reached the new partition) …
    _refused("UPDATE checkpoints_passage SET note = 'x' WHERE id = %s", [pk])
    # … and a copy of it (same UUID, same time) is still refused.
    with pytest.raises(DatabaseError), transaction.atomic():
        _copy(pk)
    # Nothing more to make the second time.
    assert ensure_partitions(months_ahead=1, today=dt.date(2031, 5, 20)) == []


def test_the_append_only_trigger_refuses_updates_and_deletes_on_a_partition(
    personas, gates
) -> None:
    pk = _one(personas, gates)
    part = connection.ops.quote_name(_home(pk))
    _refused(f"UPDATE {part} SET note = 'x' WHERE id = %s", [pk])  # noqa: S608 - a table name
    _refused(f"DELETE FROM {part} WHERE id = %s", [pk])  # noqa: S608 - a table name
    assert Passage.objects.filter(pk=pk, note="").exists()


def test_a_rebuild_keeps_rows_ids_sequence_and_trigger(personas, gates) -> None:
    """What the migration does, both ways, on a table with rows (rolled back at the end)."""
    answers = passages_batch(
        actor=personas.cadre, items=[item(gates.gate, pass_code=qr(gates.p1)) for _ in range(5)]
    )
    before = sorted(Passage.objects.values_list("pk", "client_uuid"))
    with transaction.atomic(), connection.schema_editor(atomic=False) as editor:
        unpartition(editor, "checkpoints_passage", "device_time")
        assert not is_partitioned(connection, "checkpoints_passage")
        assert sorted(Passage.objects.values_list("pk", "client_uuid")) == before
        partition_by_month(editor, "checkpoints_passage", "device_time")
        assert is_partitioned(connection, "checkpoints_passage")
        assert sorted(Passage.objects.values_list("pk", "client_uuid")) == before
        # The sequence goes on after the old ids; the trigger is back.
        [new] = passages_batch(
            actor=personas.cadre, items=[item(gates.gate, pass_code=qr(gates.p2))]
        )
        assert new.id > max(a.id for a in answers)
        _refused("UPDATE checkpoints_passage SET note = 'x' WHERE id = %s", [new.id])
        transaction.set_rollback(True)


def test_a_copy_with_the_same_uuid_and_time_is_refused_by_the_database(personas, gates) -> None:
    """The widened key (client_uuid, device_time) still refuses a copy of a row; a resend
    through the ingest is answered "duplicate"."""
    sent = item(gates.gate, pass_code=qr(gates.p1))
    [first] = passages_batch(actor=personas.cadre, items=[sent])
    [again] = passages_batch(actor=personas.cadre, items=[sent])
    assert (first.status, again.status) == ("created", "duplicate")
    with pytest.raises(DatabaseError), transaction.atomic():
        _copy(first.id)
    assert Passage.objects.filter(client_uuid=sent["client_uuid"]).count() == 1


def test_the_same_uuid_at_another_time_is_refused_across_partitions(personas, gates) -> None:
    """The UUID alone stays unique (its side table of keys): a copy 40 days later, in another
    partition, is refused; once the purge has deleted the row, its UUID is free again."""
    pk, other = _one(personas, gates), _one(personas, gates)
    row = Passage.objects.get(pk=pk)
    later = row.device_time + dt.timedelta(days=40)
    with pytest.raises(DatabaseError, match="client_uuids_pkey"), transaction.atomic():
        _copy(other, client_uuid=str(row.client_uuid), device_time=later)
    with transaction.atomic(), connection.cursor() as c:
        c.execute("SET LOCAL shequ.retention_purge = 'on'")
        c.execute("DELETE FROM checkpoints_passage WHERE id = %s", [pk])
    again = _copy(other, client_uuid=str(row.client_uuid), device_time=later)
    assert Passage.objects.get(client_uuid=row.client_uuid).pk == again


def test_shequ_partitions_ensure_and_list(db) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["partitions", "ensure", "--months-ahead", "5"])
    assert result.exit_code == 0, result.output
    month = _this_month().shifted(5)
    assert f"made checkpoints_passage_{month.suffix()}" in result.output
    listed = runner.invoke(app, ["partitions", "list"])
    assert listed.exit_code == 0, listed.output
    assert "checkpoints_passage (by month of device_time)" in listed.output
    assert f"checkpoints_passage_{month.suffix()}" in listed.output
    assert "core_notification_default" in listed.output


SAMPLE_COLUMNS = "round_id, tube_id, resident_id, at_home, out_of_scope, received_at, operator_id"


def _swab_copy(pk: int, *, days: int, retest: bool = False, resident: int | None = None) -> int:
    """INSERT a copy of swab `pk` straight into the table, `days` later (another month's
    partition for days ≥ 32), with a new UUID (and the resident given): the new id."""
    columns = SAMPLE_COLUMNS.replace("resident_id, ", "")
    with connection.cursor() as c:
        c.execute(
            "INSERT INTO testing_sample (client_uuid, sampled_at, retest, resident_id, "  # noqa: S608
            f"{columns}) SELECT %s, sampled_at + make_interval(days => %s), %s, "
            f"coalesce(%s, resident_id), {columns} FROM testing_sample WHERE id = %s RETURNING id",
            [str(uuid.uuid4()), days, retest, resident, pk],
        )
        return c.fetchone()[0]


@pytest.fixture
def swabbed(personas, city):
    """A round's first swab of a0, recorded through the ingest: (world, sample)."""
    world = round_world(personas, city)
    [answer] = swabs_batch(actor=personas.staff_a, items=[swab(world, "T0000001", world.a[0])])
    assert answer.status == "created", answer
    return world, Sample.objects.get(pk=answer.id)


def test_one_first_swab_per_round_holds_across_months(swabbed) -> None:
    """Partitioned by month, the (round, resident) rule moved to its side table: a second
    first swab 40 days later, in another partition, is refused under the rule's own name; a
    retest there is let in; a copy made a first swab by an UPDATE is refused too; once the
    purge has deleted the first swab, the round's first swab of that resident is free."""
    world, first = swabbed
    # An UPDATE that changes no key (as a district move's does) leaves the key taken.
    Sample.objects.filter(pk=first.pk).update(at_home=True)
    with pytest.raises(DatabaseError, match="one_sample_per_round"), transaction.atomic():
        _swab_copy(first.pk, days=40)
    retest = _swab_copy(first.pk, days=40, retest=True)
    assert _home_of("testing_sample", retest) != _home_of("testing_sample", first.pk)
    with pytest.raises(DatabaseError, match="one_sample_per_round"), transaction.atomic():
        Sample.objects.filter(pk=retest).update(retest=False)
    # Another resident's first swab is no conflict, and moving it onto a0 is.
    other = _swab_copy(first.pk, days=40, resident=world.a[1].pk)
    with pytest.raises(DatabaseError, match="one_sample_per_round"), transaction.atomic():
        Sample.objects.filter(pk=other).update(resident_id=world.a[0].pk)
    Sample.objects.filter(pk__in=[first.pk, retest]).delete()
    again = _swab_copy(other, days=1, resident=world.a[0].pk)
    assert Sample.objects.get(pk=again).resident_id == world.a[0].pk
    with connection.cursor() as c:
        c.execute("SELECT resident_id FROM one_sample_per_round_keys ORDER BY 1")
        assert [r[0] for r in c.fetchall()] == sorted([world.a[0].pk, world.a[1].pk])


def test_a_swab_resent_or_sent_twice_is_one_row_in_its_month(swabbed, personas) -> None:
    """Through the ingest: the same item again is "duplicate"; the resident swabbed again
    under a new UUID is refused by the service before the database; the swab sits in this
    month's partition."""
    world, first = swabbed
    assert _home_of("testing_sample", first.pk) == f"testing_sample_{_this_month().suffix()}"
    again = swab(world, "T0000001", world.a[0], client_uuid=str(first.client_uuid))
    again["sampled_at"] = first.sampled_at.isoformat()
    [resent] = swabs_batch(actor=personas.staff_a, items=[again])
    [twice] = swabs_batch(actor=personas.staff_a, items=[swab(world, "T0000001", world.a[0])])
    assert resent.status == "duplicate"
    assert (twice.status, twice.field) == ("rejected", "resident_id")
    assert Sample.objects.filter(resident=world.a[0]).count() == 1


def _home_of(table: str, pk: int) -> str:
    with connection.cursor() as c:
        c.execute(f"SELECT tableoid::regclass::text FROM {table} WHERE id = %s", [pk])  # noqa: S608
        return c.fetchone()[0]


def test_the_swab_migration_goes_back_and_forth(swabbed) -> None:
    """testing 0007 both ways on a table with a swab (rolled back at the end): back, a plain
    table with the partial unique index and no side table; forth, partitioned again with the
    swab's key taken, so a second first swab is still refused."""
    _world, first = swabbed
    migration = importlib.import_module("shequ.testing.migrations.0007_sample_partitioned_by_month")
    with transaction.atomic(), connection.schema_editor(atomic=False) as editor:
        migration.unpartition(None, editor)
        assert not is_partitioned(connection, "testing_sample")
        with connection.cursor() as c:
            c.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'one_sample_per_round'")
            assert "WHERE (NOT retest)" in c.fetchone()[0]
            c.execute("SELECT to_regclass('one_sample_per_round_keys')")
            assert c.fetchone()[0] is None
        migration.partition(None, editor)
        assert is_partitioned(connection, "testing_sample")
        assert list(Sample.objects.values_list("pk", flat=True)) == [first.pk]
        with pytest.raises(DatabaseError, match="one_sample_per_round"), transaction.atomic():
            _swab_copy(first.pk, days=40)
        transaction.set_rollback(True)
