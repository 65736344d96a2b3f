"""PostgreSQL-only: `shequ backup` (pg_dump -Fc) and `shequ restore` (pg_restore) round
trips, into the live database and into a scratch one; the retention purge may delete
passages, which the append-only trigger refuses to anyone else."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection, transaction
from django.db.utils import DatabaseError
from django.utils import timezone

from shequ import retention
from shequ.checkpoints.models import Passage
from shequ.core import backup as backups
from shequ.residents.models import Resident
from tests.duty.conftest import duty  # noqa: F401 - fixture used below
from tests.residents.factories import ResidentFactory

pytestmark = pytest.mark.pg
LEAF = ("checkpoints", "0007_keys_per_statement")


@pytest.fixture
def registry(transactional_db, city, personas):
    kept = ResidentFactory(name="留下", household=city.ha1, phone="10012345678")
    gone = ResidentFactory(name="将删", household=city.ha2)
    return kept, gone


def _admin(sql: str) -> None:
    cfg = connection.settings_dict
    with psycopg.connect(
        dbname="postgres",
        host=cfg["HOST"] or None,
        port=cfg["PORT"] or None,
        user=cfg["USER"] or None,
        password=cfg["PASSWORD"] or None,
        autocommit=True,
    ) as admin:
        admin.execute(sql)


@pytest.fixture
def scratch():
    """The name of an empty database beside the test database, dropped afterwards."""
    name = f"opshelper_scratch_{uuid.uuid4().hex[:8]}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _shequ(database: str, *args: str) -> subprocess.CompletedProcess:
    """Run the `shequ` command on another database, as an operator would."""
    cfg = connection.settings_dict
    url = f"postgres://{cfg['USER']}@{cfg['HOST']}:{cfg['PORT']}/{database}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SHEQU_SECRET_KEY": settings.SECRET_KEY,
        "SHEQU_PII_KEY": settings.PII_KEY,
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    return subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "shequ", *args], env=env, capture_output=True, text=True,
        check=False, timeout=300,
    )  # fmt: skip


def _rows(database: str, sql: str) -> list[tuple]:
    cfg = connection.settings_dict
    with psycopg.connect(
        dbname=database, host=cfg["HOST"] or None, port=cfg["PORT"] or None,
        user=cfg["USER"] or None, password=cfg["PASSWORD"] or None,
    ) as db:  # fmt: skip
        return db.execute(sql).fetchall()


def _backup_with_migrations(file: Path, change: str, row: tuple[str, str] = LEAF) -> Path:
    """A backup whose migration state differs from the code's by one row; the test
    database's own state is put back afterwards (flushes do not touch django_migrations)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT app, name, applied FROM django_migrations")
        before = cursor.fetchall()
        cursor.execute(change, list(row))
    try:
        return backups.backup(to=file)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM django_migrations")
            cursor.executemany(
                "INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, %s)", before
            )


def test_restore_brings_back_the_data_as_it_was_at_the_backup(registry, tmp_path) -> None:
    assert connection.vendor == "postgresql"
    kept, gone = registry
    file = backups.backup(to=tmp_path / "b.pgdump")
    assert file.read_bytes().startswith(backups.PGDUMP_MAGIC)

    Resident.objects.filter(pk=kept.pk).update(name="改名")
    gone.delete()
    ResidentFactory(name="之后才有", household=kept.household)
    with pytest.raises(backups.BackupError, match="already holds data"):
        backups.restore(path=file)

    result = backups.restore(path=file, force=True)

    assert result.migrated == []
    assert result.pii_readable is True
    assert set(Resident.objects.values_list("name", flat=True)) == {"留下", "将删"}
    assert Resident.objects.get(pk=kept.pk).phone == "10012345678"
    # The append-only trigger came back with the restore, on the partitioned table and so on
    # each of its monthly partitions.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM pg_trigger WHERE tgname = 'checkpoints_passage_no_update' "
            "AND tgrelid = 'checkpoints_passage'::regclass"
        )
        assert cursor.fetchone()[0] == 1
        cursor.execute(
            "SELECT COUNT(*) FROM pg_inherits i LEFT JOIN pg_trigger t ON t.tgrelid = i.inhrelid "
            "AND t.tgname = 'checkpoints_passage_no_update' "
            "WHERE i.inhparent = 'checkpoints_passage'::regclass AND t.oid IS NULL"
        )
        assert cursor.fetchone()[0] == 0


def test_restore_into_an_empty_database_migrates_an_older_backup(
    registry, tmp_path, scratch
) -> None:
    file = _backup_with_migrations(
        tmp_path / "older.pgdump", "DELETE FROM django_migrations WHERE app = %s AND name = %s"
    )

    done = _shequ(scratch, "restore", str(file))

    assert done.returncode == 0, done.stderr
    assert f"migrated forward: {'.'.join(LEAF)}" in done.stdout
    names = _rows(scratch, "SELECT name FROM residents_resident")
    assert sorted(n for (n,) in names) == sorted(["留下", "将删"])
    applied = _rows(
        scratch,
        "SELECT 1 FROM django_migrations "
        "WHERE app = 'checkpoints' AND name = '0007_keys_per_statement'",
    )
    assert applied == [(1,)]


def test_a_backup_from_a_newer_schema_is_refused(registry, tmp_path, scratch) -> None:
    file = _backup_with_migrations(
        tmp_path / "newer.pgdump",
        "INSERT INTO django_migrations (app, name, applied) VALUES (%s, %s, now())",
        ("residents", "9999_from_the_future"),
    )

    done = _shequ(scratch, "restore", str(file))

    assert done.returncode == 1
    assert "newer Shequ" in done.stderr
    assert "residents.9999_from_the_future" in done.stderr
    tables = _rows(scratch, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    assert tables == []


def test_an_sqlite_file_is_refused(registry, tmp_path) -> None:
    file = tmp_path / "b.sqlite3"
    file.write_bytes(backups.SQLITE_MAGIC + b"\x00" * 100)
    with pytest.raises(backups.BackupError, match="is an SQLite backup"):
        backups.restore(path=file, force=True)
    assert Resident.objects.count() == 2


def test_without_pg_dump_on_path_the_backup_says_so(registry, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(backups.BackupError, match="pg_dump is not on PATH"):
        backups.backup(to=tmp_path / "b.pgdump")
    assert not list(tmp_path.glob("*pgdump*"))


def test_the_purge_may_delete_passages_which_the_trigger_refuses_to_others(
    transactional_db,
    personas,
    duty,  # noqa: F811
) -> None:
    old = timezone.now() - dt.timedelta(days=60)
    rows = [
        Passage.objects.create(
            client_uuid=uuid.uuid4(), gate=duty.gate, community=duty.gate.community,
            direction="in", device_time=old, recorded_by=personas.staff_a, subject="resident",
            decision="allow",
        )
        for _ in range(3)
    ]  # fmt: skip
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM checkpoints_passage WHERE id = %s", [rows[0].pk])
    assert Passage.objects.count() == 3

    counts = retention.purge(
        actor=personas.hq, before=timezone.localdate() - dt.timedelta(days=30), batch=2
    )

    assert counts["checkpoints.passage"] == 3
    assert Passage.objects.count() == 0
    # The permission ended with the purge's transactions.
    Passage.objects.create(
        client_uuid=uuid.uuid4(), gate=duty.gate, community=duty.gate.community,
        direction="in", device_time=old, recorded_by=personas.staff_a, subject="resident",
        decision="allow",
    )  # fmt: skip
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM checkpoints_passage")
