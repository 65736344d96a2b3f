"""Loading many rows into PostgreSQL fast: COPY, with a table's secondary indexes and unique
constraints set aside during the load and built once afterwards (what pg_restore does).

Everything happens in the caller's transaction: if the seed fails, the indexes come back
with the rollback. Foreign keys are not checked row by row while loading when the role may
set `session_replication_role` (a superuser, as pg_restore --disable-triggers); the rows are
made consistent by construction, and `restore()` leaves the keys checked again for every
later write.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any


class Loader:
    """COPY into tables whose indexes were set aside by `set_aside`; `restore` builds them."""

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor  # psycopg's own cursor (Django's `.cursor`), for COPY
        self.rows: dict[str, int] = {}
        self._aside: list[tuple[str, str]] = []  # (kind, SQL to recreate)
        self.built: list[tuple[float, str]] = []  # (seconds, SQL) of each index built
        self.triggers_off = False

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> None:
        self.cursor.execute(sql, params)

    def next_id(self, table: str) -> int:
        """The first id free in `table` (ids are given here: paths and keys need them)."""
        self.cursor.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")  # noqa: S608
        return self.cursor.fetchone()[0]

    def has_column(self, table: str, column: str) -> bool:
        self.cursor.execute(
            "SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = %s AND column_name = %s",
            [table, column],
        )
        return self.cursor.fetchone() is not None

    def copy(self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
        """COPY `rows` (tuples in the order of `columns`) into `table`; how many went in."""
        n = 0
        # Only table and column names from this package go into the text; values are data.
        with self.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
        self.rows[table] = self.rows.get(table, 0) + n
        return n

    def copy_text(self, table: str, columns: Sequence[str], count: int, text: bytes) -> None:
        """COPY rows already in COPY's text format."""
        with self.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            copy.write(text)
        self.rows[table] = self.rows.get(table, 0) + count

    def reset_sequence(self, table: str) -> None:
        self.cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
            f"(SELECT coalesce(max(id), 1) FROM {table}))"
        )

    def fast_session(self) -> None:
        """Session settings for a bulk load: more memory for index builds (the sort of a
        10-million-row index of blind indexes fits in 1 GB and is not spilled to disk), FK
        triggers off where allowed (a savepoint keeps a refusal from ending the
        transaction)."""
        self.cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
        self.cursor.execute("SET LOCAL synchronous_commit = off")
        self.cursor.execute("SAVEPOINT city_triggers")
        try:
            self.cursor.execute("SET LOCAL session_replication_role = replica")
            self.triggers_off = True
        except Exception:  # noqa: BLE001 - not a superuser: keys are checked row by row
            self.cursor.execute("ROLLBACK TO SAVEPOINT city_triggers")
        self.cursor.execute("RELEASE SAVEPOINT city_triggers")

    def set_aside(self, tables: Sequence[str]) -> None:
        """Drop the tables' unique constraints (but the primary key) and other indexes,
        remembering how to make them again."""
        c = self.cursor
        # Rows written before (deferred foreign keys) are checked now: a table with checks
        # still pending cannot be altered.
        c.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in tables:
            c.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'u'",
                [table],
            )
            for name, definition in c.fetchall():
                c.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
                self._aside.append(
                    ("constraint", f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
                )
            c.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                "WHERE i.schemaname = current_schema() AND i.tablename = %s AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint k WHERE k.conname = i.indexname "
                "AND k.conrelid = %s::regclass)",
                [table, table],
            )
            for name, definition in c.fetchall():
                c.execute(f'DROP INDEX "{name}"')
                # A partitioned table's index reads "ON ONLY <table>", which would build it
                # on the parent alone (core.partitions): built again, it must cover each part.
                definition = definition.replace(" ON ONLY ", " ON ", 1)
                self._aside.append(("index", definition))
        c.execute("SET CONSTRAINTS ALL DEFERRED")

    def restore(self) -> int:
        """Build every index set aside; foreign keys checked again from here on. How long
        each took is kept in `built` (seconds, statement), slowest first."""
        self.cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for _kind, sql in self._aside:
            began = time.monotonic()
            self.cursor.execute(sql)
            self.built.append((time.monotonic() - began, sql))
        self.built.sort(reverse=True)
        built = len(self._aside)
        self._aside.clear()
        if self.triggers_off:
            self.cursor.execute("SET LOCAL session_replication_role = origin")
            self.triggers_off = False
        self.cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        return built
