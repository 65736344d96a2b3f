"""A partial unique index kept over the partitions of a partitioned table (core.partitions,
docs/operations.md "PostgreSQL layout"), where PostgreSQL cannot keep the index itself, and
the filling of such side tables of keys by one sort (also the UUIDs' of core.partitions)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class UniqueWhere:
    """A partial unique index that partitioning cannot keep (its columns hold no partition
    key, and widening it with one would let a second row in): `columns` unique among the
    rows meeting `where` over every partition, through a side table of the keys taken, its
    primary key named `name` as the index was (so a refusal names the same rule). Kept a
    statement at a time by triggers with transition tables (INSERT, COPY, UPDATE, DELETE,
    TRUNCATE): a key taken raises unique_violation, and waits for a concurrent transaction
    holding it, as an index does; the "skip what is taken" insert does not skip it (a second
    key is a refusal, not a resend). PostgreSQL only; SQLite keeps the partial index."""

    table: str
    name: str
    columns: tuple[str, ...]
    where: str

    @property
    def keys(self) -> str:
        return f"{self.name}_keys"[:63]

    def install(self, connection: Any) -> None:
        """Make the side table (filled from the rows there) and its triggers."""
        if connection.vendor != "postgresql":
            return
        cols = ", ".join(self.columns)
        match = " AND ".join(f"k.{c} = r.{c}" for c in self.columns)
        where = self.where
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT string_agg(format('%%I %%s', attname, format_type(atttypid, atttypmod)),"
                " ', ' ORDER BY array_position(%s, attname::text)) FROM pg_attribute "
                "WHERE attrelid = %s::regclass AND attname = ANY(%s)",
                [list(self.columns), self.table, list(self.columns)],
            )
            (typed,) = cursor.fetchone()
            # Only names from the code (never from a request) go into the text.
            cursor.execute(
                f"""
CREATE TABLE {self.keys} ({typed}, CONSTRAINT {self.name} PRIMARY KEY ({cols}));
CREATE FUNCTION {self.keys}_sync() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO {self.keys} SELECT {cols} FROM added WHERE {where} ORDER BY {cols};
    ELSIF TG_OP = 'DELETE' THEN
        DELETE FROM {self.keys} k USING removed r WHERE {match} AND ({where});
    ELSE  -- only the keys an UPDATE changed (a move's district_id changes none)
        DELETE FROM {self.keys} k USING (SELECT {cols} FROM removed WHERE {where}
            EXCEPT ALL SELECT {cols} FROM added WHERE {where}) r WHERE {match};
        INSERT INTO {self.keys} SELECT {cols} FROM added WHERE {where}
            EXCEPT ALL SELECT {cols} FROM removed WHERE {where} ORDER BY {cols};
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE FUNCTION {self.keys}_clear() RETURNS trigger AS $$
BEGIN
    TRUNCATE {self.keys};
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {self.keys}_added AFTER INSERT ON {self.table} REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION {self.keys}_sync();
CREATE TRIGGER {self.keys}_removed AFTER DELETE ON {self.table}
    REFERENCING OLD TABLE AS removed FOR EACH STATEMENT EXECUTE FUNCTION {self.keys}_sync();
CREATE TRIGGER {self.keys}_changed AFTER UPDATE ON {self.table}
    REFERENCING OLD TABLE AS removed NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION {self.keys}_sync();
CREATE TRIGGER {self.keys}_cleared AFTER TRUNCATE ON {self.table}
    FOR EACH STATEMENT EXECUTE FUNCTION {self.keys}_clear();
"""  # noqa: S608
            )
        self.refill(connection)  # the rows there already

    def drop(self, connection: Any) -> None:
        """The side table and its triggers gone (a migration step back)."""
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            for trigger in ("added", "removed", "changed", "cleared"):
                cursor.execute(f"DROP TRIGGER IF EXISTS {self.keys}_{trigger} ON {self.table}")
            cursor.execute(f"DROP FUNCTION IF EXISTS {self.keys}_sync()")
            cursor.execute(f"DROP FUNCTION IF EXISTS {self.keys}_clear()")
            cursor.execute(f"DROP TABLE IF EXISTS {self.keys}")

    def refill(self, connection: Any) -> None:
        """Take the keys of rows written with triggers off (the city seed's COPY)."""
        if connection.vendor != "postgresql":
            return
        cols = ", ".join(self.columns)
        select = f"SELECT {cols} FROM {self.table} WHERE {self.where}"  # noqa: S608
        fill_side_table(connection, self.keys, select)


def fill_side_table(connection: Any, keys: str, select: str) -> None:
    """INSERT the keys `select` gives into the side table `keys`, those not there yet. Into
    an empty one (a seed's first load) without its primary key, which is built again after
    by one sort: ten times faster than a million inserts into the index (1.4 M swabs' keys:
    1.4 s, not 15 s). Only names from the code go into `select`."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {keys})")  # noqa: S608
        if cursor.fetchone()[0]:
            cursor.execute(f"INSERT INTO {keys} {select} ON CONFLICT DO NOTHING")
            return
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'p'",
            [keys],
        )
        name, definition = cursor.fetchone()
        cursor.execute(f'ALTER TABLE {keys} DROP CONSTRAINT "{name}"')
        cursor.execute(f"INSERT INTO {keys} {select}")
        cursor.execute(f'ALTER TABLE {keys} ADD CONSTRAINT "{name}" {definition}')
