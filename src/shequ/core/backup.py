"""Backups of the whole database and their restore, on SQLite and on PostgreSQL.

SQLite is copied with its online backup API: the copy is one consistent snapshot even while
the site writes. PostgreSQL is dumped with `pg_dump -Fc` (also one snapshot) and restored with
`pg_restore`. Both keep the encrypted PII columns encrypted: a backup is readable only with
the SHEQU_PII_KEY it was made under, which must be kept apart from it (docs/operations.md).

A restore reads the backup's migration state before it touches anything: a backup made by a
newer Shequ is refused; an older one is restored and then migrated forward.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone

from shequ.core.partitions import partitioned_tables

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
SHOW_AT_MOST = 5  # migration names listed in a refusal


class BackupError(Exception):
    """Something the operator must fix; the message says what."""


@dataclass(frozen=True)
class RestoreResult:
    path: Path
    migrated: list[str] = field(default_factory=list)  # migrations applied after the restore
    pii_readable: bool | None = None  # None: the backup holds no encrypted value to try


def default_backup_path(vendor: str) -> Path:
    """var/backups/shequ-YYYYmmdd-HHMMSS.<sqlite3|pgdump> (the server's local time)."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    suffix = "sqlite3" if vendor == "sqlite" else "pgdump"
    return Path(settings.VAR_DIR) / "backups" / f"shequ-{stamp}.{suffix}"


def backup(*, to: Path | None = None, using: str = DEFAULT_DB_ALIAS) -> Path:
    """Copy the whole database to `to` (default under var/backups/); returns the file written.

    The file appears only when complete (written beside it, then renamed), so a crash never
    leaves a half backup that looks whole.
    """
    connection = connections[using]
    target = Path(to) if to else default_backup_path(connection.vendor)
    if target.exists():
        raise BackupError(f"{target} exists already; name a new file with --to")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    try:
        if connection.vendor == "sqlite":
            _sqlite_backup(connection, partial)
        elif connection.vendor == "postgresql":
            _pg_dump(connection.settings_dict, partial)
        else:
            raise BackupError(f"backups are not supported on {connection.vendor}")
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def restore(*, path: Path, force: bool = False, using: str = DEFAULT_DB_ALIAS) -> RestoreResult:
    """Replace the database with the backup at `path`, then migrate it forward if it is older.

    Refuses a backup made by a newer schema, a file of the other engine, and (without
    `force`) a database that already holds data.
    """
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"no file {path}")
    connection = connections[using]
    with path.open("rb") as fh:
        head = fh.read(len(SQLITE_MAGIC))
    if connection.vendor == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError(_wrong_kind(path, head, expected="an SQLite backup (shequ backup)"))
        applied = _sqlite_applied_migrations(path)
    elif connection.vendor == "postgresql":
        if not head.startswith(PGDUMP_MAGIC):
            raise BackupError(_wrong_kind(path, head, expected="a pg_dump -Fc backup"))
        applied = _pgdump_applied_migrations(path)
    else:
        raise BackupError(f"restores are not supported on {connection.vendor}")

    missing = _check_migration_state(applied)
    if not force and _holds_data(connection):
        raise BackupError(
            "the database already holds data; restoring would replace all of it. "
            "Back it up first (shequ backup), then run the restore again with --force"
        )
    connection.close()
    if connection.vendor == "sqlite":
        _sqlite_restore(connection, path)
    else:
        _pg_restore(connection, path)
    migrated: list[str] = []
    if missing:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0, database=using)
        migrated = [f"{app}.{name}" for app, name in sorted(missing)]
    return RestoreResult(path=path, migrated=migrated, pii_readable=pii_readable(using))


def pii_readable(using: str = DEFAULT_DB_ALIAS) -> bool | None:
    """Whether the configured PII key opens the encrypted values in the database.

    Tries one non-empty encrypted value; None when there is none. A restored backup made under
    another key answers False: its phones and ID numbers cannot be read.
    """
    from shequ.core import pii
    from shequ.core.fields import EncryptedTextField

    for model in apps.get_models():
        for fld in model._meta.concrete_fields:
            if not isinstance(fld, EncryptedTextField):
                continue
            table, column = model._meta.db_table, fld.column
            with connections[using].cursor() as cursor:
                cursor.execute(
                    f"SELECT {_q(using, column)} FROM {_q(using, table)} "  # noqa: S608 - names from the models
                    f"WHERE {_q(using, column)} <> '' LIMIT 1"
                )
                row = cursor.fetchone()
            if row is None:
                continue
            try:
                pii.decrypt(row[0], context=fld.context)
            except Exception:  # noqa: BLE001 - any failure to open means "not readable"
                return False
            return True
    return None


# --- migration state ---------------------------------------------------------------------


def _check_migration_state(applied: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """Refuse a backup that has migrations this code does not know; return those it lacks."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).graph.nodes)
    unknown = applied - known
    if unknown:
        names = ", ".join(f"{a}.{n}" for a, n in sorted(unknown)[:SHOW_AT_MOST])
        more = f" and {len(unknown) - SHOW_AT_MOST} more" if len(unknown) > SHOW_AT_MOST else ""
        raise BackupError(
            f"the backup was made by a newer Shequ: it has migrations this version does not "
            f"know ({names}{more}). Upgrade Shequ to the version that made it, then restore"
        )
    if not applied:
        raise BackupError("the backup holds no Shequ database (no applied migrations)")
    return known - applied


def _holds_data(connection: Any) -> bool:
    """Any row in any of Shequ's own tables (a freshly migrated database has none)."""
    existing = set(connection.introspection.table_names())
    for model in apps.get_models():
        if not model.__module__.startswith("shequ."):
            continue
        if (
            model._meta.db_table in existing
            and model._default_manager.using(connection.alias).exists()
        ):
            return True
    return False


# --- SQLite ------------------------------------------------------------------------------


def _sqlite_backup(connection: Any, target: Path) -> None:
    connection.ensure_connection()
    destination = sqlite3.connect(target)
    try:
        # Pages go over in steps; a write by the site in between restarts the copy, so the
        # result is always one consistent snapshot.
        connection.connection.backup(destination, pages=4096)
        ok = destination.execute("PRAGMA quick_check").fetchone()[0]
        if ok != "ok":
            raise BackupError(f"the copy failed its integrity check: {ok}")
        # A backup is one self-contained file: no -wal beside it.
        destination.execute("PRAGMA journal_mode=DELETE")
    finally:
        destination.close()


def _sqlite_applied_migrations(path: Path) -> set[tuple[str, str]]:
    try:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = source.execute("SELECT app, name FROM django_migrations").fetchall()
        finally:
            source.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable Shequ backup: {exc}") from None
    return {(app, name) for app, name in rows}


def _sqlite_restore(connection: Any, path: Path) -> None:
    source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        connection.ensure_connection()
        # The backup API writes the pages of the copy over the live file in one transaction.
        source.backup(connection.connection)
    finally:
        source.close()


# --- PostgreSQL --------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not on PATH; install the PostgreSQL client of the server's major "
            f"version or newer (Debian: apt-get install postgresql-client)"
        )
    return found


def _pg_connection_args(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Arguments and environment for the PostgreSQL tools: the password goes in the
    environment (PGPASSWORD), never on the command line where `ps` shows it."""
    args = [f"--dbname={settings_dict['NAME']}"]
    if settings_dict.get("HOST"):
        args.append(f"--host={settings_dict['HOST']}")
    if settings_dict.get("PORT"):
        args.append(f"--port={settings_dict['PORT']}")
    if settings_dict.get("USER"):
        args.append(f"--username={settings_dict['USER']}")
    env = {**os.environ}
    env.pop("PGPASSWORD", None)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    options = settings_dict.get("OPTIONS") or {}
    for option, variable in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
    ):
        if options.get(option):
            env[variable] = str(options[option])
    return args, env


def _run(command: list[str], env: dict[str, str], what: str) -> str:
    done = subprocess.run(  # noqa: S603 - a fixed tool with arguments we built
        command, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{what} failed: " + " / ".join(detail[-5:]))
    return done.stdout


def _pg_dump(settings_dict: dict[str, Any], target: Path) -> None:
    args, env = _pg_connection_args(settings_dict)
    _run(
        [_pg_tool("pg_dump"), "--format=custom", f"--file={target}", *args],
        env,
        "pg_dump",
    )


def _pgdump_applied_migrations(path: Path) -> set[tuple[str, str]]:
    """The rows of django_migrations inside a custom-format dump, read without restoring."""
    script = _run(
        [
            _pg_tool("pg_restore"),
            "--data-only",
            "--table=django_migrations",
            "--file=-",
            str(path),
        ],
        {**os.environ},
        "reading the backup",
    )
    return set(_copy_rows(script.splitlines(), ("app", "name")))


def _copy_rows(lines: Iterable[str], wanted: tuple[str, ...]) -> Iterable[tuple[str, ...]]:
    """The chosen columns of the rows of a `COPY … FROM stdin;` block of a SQL script."""
    columns: list[str] | None = None
    for line in lines:
        if columns is None:
            match = re.match(r"COPY \S+ \(([^)]*)\) FROM stdin;", line)
            if match:
                columns = [c.strip().strip('"') for c in match.group(1).split(",")]
            continue
        if line == "\\.":
            return
        values = line.split("\t")
        yield tuple(values[columns.index(name)] for name in wanted)


def _pg_tables_in_dump(path: Path) -> set[str]:
    listing = _run([_pg_tool("pg_restore"), "--list", str(path)], {**os.environ}, "reading")
    return {
        m.group(1)
        for m in re.finditer(r"^\d+; \d+ \d+ TABLE \S+ (\S+) ", listing, flags=re.MULTILINE)
    }


def _pg_restore(connection: Any, path: Path) -> None:
    restore_tool = _pg_tool("pg_restore")
    # Tables that the backup does not have (made by later migrations) would block the
    # migrations that re-create them after the restore: drop them first.
    in_dump = _pg_tables_in_dump(path)
    extra = sorted(set(connection.introspection.table_names()) - in_dump)
    # pg_restore --clean drops a partition's inherited keys one by one, which PostgreSQL
    # refuses: the partitioned tables (core.partitions) go whole first, with their parts.
    extra += sorted(partitioned_tables(connection))
    if extra:
        with connection.cursor() as cursor:
            for table in extra:
                cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)} CASCADE")
        connection.close()
    args, env = _pg_connection_args(connection.settings_dict)
    _run(
        [
            restore_tool,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            *args,
            str(path),
        ],
        env,
        "pg_restore",
    )


# --- small things ------------------------------------------------------------------------


def _q(using: str, name: str) -> str:
    return connections[using].ops.quote_name(name)


def _wrong_kind(path: Path, head: bytes, *, expected: str) -> str:
    if head.startswith(SQLITE_MAGIC):
        found = "an SQLite backup"
    elif head.startswith(PGDUMP_MAGIC):
        found = "a PostgreSQL backup"
    else:
        found = "not a Shequ backup"
    return f"{path} is {found}; this database needs {expected}"
