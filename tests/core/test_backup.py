"""`shequ backup` / `shequ restore` on SQLite: a round trip gives the data as it was at the
backup; a database with data, a newer schema and a file of the other engine are refused; an
older backup is migrated forward; a restore under another PII key says so."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from django.db import connection
from typer.testing import CliRunner

from shequ.cli import app
from shequ.core import backup as backups
from shequ.core.models import User
from shequ.residents.models import Resident
from tests.residents.factories import ResidentFactory

runner = CliRunner()
pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite backups; tests/pg/test_backup.py for PostgreSQL"
)
LEAF = ("checkpoints", "0007_keys_per_statement")


@pytest.fixture
def registry(transactional_db, city, personas):
    kept = ResidentFactory(name="留下", household=city.ha1, phone="10012345678")
    gone = ResidentFactory(name="将删", household=city.ha2)
    return kept, gone


def _edit_backup(path: Path, *statements: str) -> None:
    db = sqlite3.connect(path)
    with db:
        for sql in statements:
            db.execute(sql)
    db.close()


def test_restore_brings_back_the_data_as_it_was_at_the_backup(registry, tmp_path) -> None:
    kept, gone = registry
    file = backups.backup(to=tmp_path / "b.sqlite3")
    assert file.read_bytes().startswith(backups.SQLITE_MAGIC)

    Resident.objects.filter(pk=kept.pk).update(name="改名")
    gone.delete()
    ResidentFactory(name="之后才有", household=kept.household)

    result = backups.restore(path=file, force=True)

    assert result.migrated == []
    assert result.pii_readable is True
    names = set(Resident.objects.values_list("name", flat=True))
    assert names == {"留下", "将删"}
    assert Resident.objects.get(pk=kept.pk).phone == "10012345678"  # still decrypts
    assert User.objects.filter(username="hq").exists()


def test_backup_refuses_to_overwrite_a_file(registry, tmp_path) -> None:
    (tmp_path / "b.sqlite3").write_bytes(b"older")
    with pytest.raises(backups.BackupError, match="exists already"):
        backups.backup(to=tmp_path / "b.sqlite3")
    assert (tmp_path / "b.sqlite3").read_bytes() == b"older"


def test_restore_refuses_a_database_with_data_unless_forced(registry, tmp_path) -> None:
    kept, _ = registry
    file = backups.backup(to=tmp_path / "b.sqlite3")
    Resident.objects.filter(pk=kept.pk).update(name="改名")

    with pytest.raises(backups.BackupError, match=r"already holds data.*--force"):
        backups.restore(path=file)

    assert Resident.objects.get(pk=kept.pk).name == "改名"


def test_restore_into_a_freshly_migrated_database_needs_no_force(registry, tmp_path) -> None:
    file = backups.backup(to=tmp_path / "b.sqlite3")
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)
    assert not Resident.objects.exists()

    backups.restore(path=file)

    assert Resident.objects.count() == 2


def test_a_backup_from_a_newer_schema_is_refused(registry, tmp_path) -> None:
    file = backups.backup(to=tmp_path / "b.sqlite3")
    _edit_backup(
        file,
        "INSERT INTO django_migrations (app, name, applied) "
        "VALUES ('residents', '9999_from_the_future', '2030-01-01')",
    )
    Resident.objects.update(name="改名")

    with pytest.raises(backups.BackupError, match=r"newer Shequ.*residents\.9999_from_the_future"):
        backups.restore(path=file, force=True)

    assert set(Resident.objects.values_list("name", flat=True)) == {"改名"}


def test_an_older_backup_is_migrated_forward_after_the_restore(registry, tmp_path) -> None:
    file = backups.backup(to=tmp_path / "b.sqlite3")
    _edit_backup(
        file,
        "DELETE FROM django_migrations "
        "WHERE app = 'checkpoints' AND name = '0007_keys_per_statement'",
    )

    result = backups.restore(path=file, force=True)

    assert result.migrated == [".".join(LEAF)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM django_migrations WHERE app = %s AND name = %s", list(LEAF)
        )
        assert cursor.fetchone()[0] == 1
    assert Resident.objects.count() == 2


def test_a_file_of_the_other_engine_or_no_backup_at_all_is_refused(registry, tmp_path) -> None:
    pg = tmp_path / "x.pgdump"
    pg.write_bytes(backups.PGDUMP_MAGIC + b"\x01\x0e")
    junk = tmp_path / "notes.txt"
    junk.write_text("hello")

    with pytest.raises(backups.BackupError, match="is a PostgreSQL backup"):
        backups.restore(path=pg, force=True)
    with pytest.raises(backups.BackupError, match="is not a Shequ backup"):
        backups.restore(path=junk, force=True)
    with pytest.raises(backups.BackupError, match="no file"):
        backups.restore(path=tmp_path / "missing.sqlite3", force=True)
    assert Resident.objects.count() == 2


def test_a_restore_under_another_pii_key_warns_that_phones_cannot_be_read(
    registry, tmp_path, settings
) -> None:
    file = backups.backup(to=tmp_path / "b.sqlite3")
    settings.PII_KEY = "another key entirely, not the one the backup was made under"

    out = runner.invoke(app, ["restore", str(file), "--force"])

    assert out.exit_code == 0, out.output
    assert "does not open the backup's phones and ID numbers" in out.output


def test_the_commands_back_up_and_restore(registry, tmp_path) -> None:
    kept, _ = registry
    target = tmp_path / "nested" / "shequ.sqlite3"

    out = runner.invoke(app, ["backup", "--to", str(target)])
    assert out.exit_code == 0, out.output
    assert f"backup written to {target}" in out.output
    assert "keep SHEQU_PII_KEY" in out.output
    assert not list(target.parent.glob(".*partial"))

    Resident.objects.filter(pk=kept.pk).update(name="改名")
    refused = runner.invoke(app, ["restore", str(target)])
    assert refused.exit_code == 1
    assert "already holds data" in refused.output
    assert Resident.objects.get(pk=kept.pk).name == "改名"

    out = runner.invoke(app, ["restore", str(target), "--force"])
    assert out.exit_code == 0, out.output
    assert Resident.objects.get(pk=kept.pk).name == "留下"


def test_the_default_backup_file_lands_under_var_backups(registry, settings, tmp_path) -> None:
    settings.VAR_DIR = tmp_path / "var"

    file = backups.backup()

    assert file.parent == tmp_path / "var" / "backups"
    assert file.name.startswith("shequ-")
    assert file.suffix == ".sqlite3"
