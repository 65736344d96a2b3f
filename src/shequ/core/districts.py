"""`district_id` on the large tables (PostgreSQL): the district each row belongs to, the
column a Citus cluster distributes them by (docs/operations.md, "Distributing by district with
Citus"). SQLite keeps its tables as they are: every function here returns at once there.

The database keeps the column, so every way a row goes in (the ORM, `core.bulk`'s COPY, a
migration's SQL) gets it without the application naming it: a `BEFORE INSERT OR UPDATE OF
<anchor>` trigger on each table reads the district of the row's anchor, the place (or parent
row) it hangs from, by its primary key. A place's own district is its parent's, or the place
itself when its parent is the city. The city itself, and a row whose anchor is empty (an audit
event of no place, an attendance event without a post), are in "district 0", the city's own
shard: the column is never NULL (Citus refuses a NULL distribution value). The city seed
writes the column itself in its COPY, with triggers off (citygen).

Django's models do not name the column (nothing reads it on one server; Citus would, in each
hot query's WHERE clause). A place moved under another district takes its subtree's rows
with it (`follow_move`, called by `places.services.subtree_move`); the passage log, otherwise
append-only, lets exactly that column change.
"""

# ruff: noqa: S608 - the SQL here is built only from CARRIERS' fixed table and column names

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import migrations

PLACES = "places_place"
COLUMN = "district_id"


@dataclass(frozen=True)
class Carrier:
    """A table that carries `district_id`, read from `via`'s row that `anchor` names."""

    table: str
    anchor: str
    via: str = PLACES


# In the order a move follows them: each table after the one its `via` names.
CARRIERS: tuple[Carrier, ...] = (
    Carrier(PLACES, "parent_id"),
    Carrier("residents_resident", "household_id"),
    Carrier("checkpoints_entrypass", "community_id"),
    Carrier("checkpoints_entrypass_holders", "entrypass_id", "checkpoints_entrypass"),
    Carrier("checkpoints_passage", "community_id"),
    Carrier("testing_tube", "community_id"),
    Carrier("testing_sample", "tube_id", "testing_tube"),
    Carrier("testing_recall", "tube_id", "testing_tube"),
    Carrier("testing_transfer", "community_id"),
    Carrier("duty_post", "community_id"),
    Carrier("duty_attendance", "community_id"),
    Carrier("duty_attendanceevent", "post_id", "duty_post"),
    Carrier("assistance_helprequest", "community_id"),
    Carrier("assistance_isolationreport", "community_id"),
    Carrier("assistance_watchcheck", "community_id"),
    Carrier("reports_dailyreport", "community_id"),
    Carrier("core_auditevent", "place_id"),
)
BY_TABLE = {c.table: c for c in CARRIERS}


def _function(table: str) -> str:
    return f"{table}_district"


def _body(carrier: Carrier) -> str:
    """The trigger function's body: NEW.district_id from the anchor, read under the lock a
    foreign key check takes (FOR KEY SHARE). A move in progress (`follow_move`) holds its
    subtree's anchors FOR UPDATE, so a row written meanwhile waits for it and then reads
    the anchor's new district, instead of keeping the old one for good."""
    if carrier.table == PLACES:
        # A district is a child of the city (the one place without a parent).
        read = (
            "SELECT CASE WHEN p.parent_id IS NULL THEN NEW.id ELSE p.district_id END "
            "INTO found FROM places_place p WHERE p.id = NEW.parent_id FOR KEY SHARE;"
        )
    else:
        read = (
            f"SELECT v.district_id INTO found FROM {carrier.via} v "
            f"WHERE v.id = NEW.{carrier.anchor} FOR KEY SHARE;"
        )
    return f"DECLARE found integer; BEGIN {read} NEW.district_id := COALESCE(found, 0); "


def carry(schema_editor: Any, table: str) -> None:
    """Migration step: give `table` (one of CARRIERS) its `district_id`, filled for the rows
    it holds and kept by a trigger from now on (PostgreSQL only; run again, it changes
    nothing). The backfill is one UPDATE of the rows without one: fine at migration time on
    a young database; on a big live one, fill it in batches before (docs/operations.md)."""
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    c = BY_TABLE[table]
    function = _function(table)
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {COLUMN} integer")
        cursor.execute(
            f"CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$ "
            f"{_body(c)} RETURN NEW; END; $$ LANGUAGE plpgsql"
        )
        cursor.execute(f"DROP TRIGGER IF EXISTS {function} ON {table}")
        cursor.execute(
            f"CREATE TRIGGER {function} BEFORE INSERT OR UPDATE OF {c.anchor} ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()"
        )
        if table == PLACES:
            # '/city/district/…/': the district is the path's second id.
            cursor.execute(
                f"UPDATE {PLACES} SET {COLUMN} = "
                f"COALESCE(NULLIF(split_part(path, '/', 3), '')::integer, 0) "
                f"WHERE {COLUMN} IS NULL"
            )
        else:
            cursor.execute(
                f"UPDATE {table} t SET {COLUMN} = COALESCE((SELECT v.{COLUMN} FROM {c.via} v "
                f"WHERE v.id = t.{c.anchor}), 0) WHERE t.{COLUMN} IS NULL"
            )
        cursor.execute(f"ALTER TABLE {table} ALTER COLUMN {COLUMN} SET NOT NULL")


def steps(*tables: str) -> migrations.RunPython:
    """An app's `00xx_district_id` migration operation: `carry` each of `tables` forwards
    (in this order: a table after the one its anchor is in), `uncarry` them backwards."""

    def forwards(_apps: Any, schema_editor: Any) -> None:
        for table in tables:
            carry(schema_editor, table)

    def backwards(_apps: Any, schema_editor: Any) -> None:
        for table in reversed(tables):
            uncarry(schema_editor, table)

    return migrations.RunPython(forwards, backwards)


def uncarry(schema_editor: Any, table: str) -> None:
    """Migration step back: the trigger, its function and the column gone."""
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    function = _function(table)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER IF EXISTS {function} ON {table}")
        cursor.execute(f"DROP FUNCTION IF EXISTS {function}()")
        cursor.execute(f"ALTER TABLE {table} DROP COLUMN IF EXISTS {COLUMN}")


def carriers_here(connection: Any) -> list[str]:
    """The tables of CARRIERS that have the column in this database (none on SQLite)."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND column_name = %s",
            [COLUMN],
        )
        found = {row[0] for row in cursor.fetchall()}
    return [c.table for c in CARRIERS if c.table in found]


def district_of(connection: Any, place_id: int) -> int | None:
    """The district a place is in, as the database keeps it (0: the city; None on SQLite)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {COLUMN} FROM {PLACES} WHERE id = %s", [place_id])
        row = cursor.fetchone()
    return row[0] if row else None


def follow_move(connection: Any, *, prefix: str, old: int | None) -> int:
    """After a subtree (every place whose path starts with `prefix`) was hung under a new
    parent: when that parent is in another district than `old`, every row of the subtree,
    in every carrying table, takes the new one. Returns the rows changed (0 when the move
    stayed inside its district, and on SQLite). Inside the caller's transaction.

    The tables are visited in CARRIERS' order, so a row whose anchor is another carrying
    table's row (a pass's holders, a tube's swabs) reads that row's new district. Each is
    reached through its anchors' indexed keys, never by reading a whole table. The
    subtree's anchors are locked FOR UPDATE first: a row being written under one of them
    (its trigger reads the anchor FOR KEY SHARE) is waited for and then moved too, and one
    written after waits for this transaction and reads the new district. So the move holds
    up the subtree's gates and stations until it commits: move places between districts
    off-hours."""
    if connection.vendor != "postgresql":
        return 0
    changed = 0
    here = set(carriers_here(connection))
    like = _like_prefix(prefix)
    subtree = f"SELECT id FROM {PLACES} WHERE path LIKE %s"
    with connection.cursor() as cursor:
        # The moved place: its trigger read the new parent's district.
        cursor.execute(f"SELECT {COLUMN} FROM {PLACES} WHERE path = %s", [prefix])
        row = cursor.fetchone()
        new = row[0] if row else None
        if new == old:
            return 0
        cursor.execute(f"{subtree} ORDER BY id FOR UPDATE", [like])
        for via in sorted({c.via for c in CARRIERS if c.via != PLACES and c.via in here}):
            cursor.execute(
                f"SELECT id FROM {via} WHERE {BY_TABLE[via].anchor} IN ({subtree}) "
                f"ORDER BY id FOR UPDATE",
                [like],
            )
        cursor.execute(
            f"UPDATE {PLACES} SET {COLUMN} = %s WHERE path LIKE %s",
            [new, like],
        )
        changed += cursor.rowcount
        for c in CARRIERS[1:]:
            if c.table not in here:
                continue
            if c.via == PLACES:
                scope = f"v.id IN ({subtree})"
            else:  # through its anchor's own anchor, a place of the subtree
                scope = f"v.{BY_TABLE[c.via].anchor} IN ({subtree})"
            cursor.execute(
                f"UPDATE {c.table} t SET {COLUMN} = v.{COLUMN} FROM {c.via} v "
                f"WHERE v.id = t.{c.anchor} AND t.{COLUMN} IS DISTINCT FROM v.{COLUMN} "
                f"AND {scope}",
                [like],
            )
            changed += cursor.rowcount
    return changed


def _like_prefix(prefix: str) -> str:
    """A LIKE pattern for paths starting with `prefix` (paths hold digits and slashes)."""
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
