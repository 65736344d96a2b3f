"""Monthly range partitions of the event tables on PostgreSQL (docs/operations.md,
"PostgreSQL layout"). SQLite keeps plain tables: every function here returns at once there.

A table is converted by its app's migration (`partition_by_month`): the table is rebuilt as
a partitioned one with the same columns, checks, defaults and id sequence; its primary key
and unique constraints are widened with the time column (PostgreSQL wants the partition key
in each); its indexes, foreign keys and triggers are made again on the parent, which gives
them to every partition. A partition holds one month of the city's time zone; a DEFAULT
partition takes rows outside every month made (a device clock years off).

`ensure_partitions` (`shequ partitions ensure`, and the worker once a day) makes the coming
months' partitions ahead of time, moving any rows that the DEFAULT partition holds for them.
Django's models are unchanged: `id` stays their primary key (it is still unique: one sequence
gives it), and a foreign key *to* a partitioned table cannot exist in the database, so such
a column is a plain indexed id (`db_constraint=False`) that services keep right.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connections, transaction

from shequ.core.partial_unique import fill_side_table

MONTHS_AHEAD = 3
_DEFAULT = "default"


@dataclass(frozen=True)
class Month:
    """One month of the city's calendar: its first day and the first day of the next."""

    first: dt.date

    @property
    def after(self) -> dt.date:
        return Month.of(self.first + dt.timedelta(days=32)).first

    @classmethod
    def of(cls, day: dt.date) -> Month:
        return cls(day.replace(day=1))

    def shifted(self, months: int) -> Month:
        n = self.first.year * 12 + self.first.month - 1 + months
        return Month(dt.date(n // 12, n % 12 + 1, 1))

    def suffix(self) -> str:
        return f"p{self.first:%Y_%m}"


def _zone() -> str:
    return str(zoneinfo.ZoneInfo(settings.TIME_ZONE))


def _bound(day: dt.date) -> str:
    """A month's edge as a timestamptz literal: midnight in the city's time zone."""
    tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return dt.datetime.combine(day, dt.time(), tzinfo=tz).isoformat()


def _q(connection: Any, name: str) -> str:
    return connection.ops.quote_name(name)


def is_partitioned(connection: Any, table: str) -> bool:
    """Whether `table` is a partitioned table (always False on SQLite)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
            "WHERE c.oid = to_regclass(%s)",
            [_q(connection, table)],
        )
        return cursor.fetchone() is not None


def _shape(cursor: Any, table: str) -> dict[str, Any]:
    """What a rebuild must make again: indexes (with their constraint, if any), foreign
    keys, triggers. Read before the table is renamed, so the text names it as it is now."""
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), i.indisunique, "
        "i.indisprimary, con.conname, i.indpred IS NOT NULL, "
        "ARRAY(SELECT a.attname FROM unnest(i.indkey) WITH ORDINALITY k(n, o) "
        "      JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o) "
        "FROM pg_index i LEFT JOIN pg_constraint con "
        "  ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN "
        "('p', 'u') WHERE i.indrelid = %s::regclass ORDER BY 1",
        [table],
    )
    indexes = cursor.fetchall()
    cursor.execute(
        "SELECT conname, pg_get_constraintdef(oid), confrelid = conrelid FROM pg_constraint "
        "WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname",
        [table],
    )
    foreign = cursor.fetchall()
    cursor.execute(
        "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s::regclass "
        "AND NOT tgisinternal AND tgparentid = 0 ORDER BY tgname",
        [table],
    )
    triggers = [row[0] for row in cursor.fetchall()]
    return {"indexes": indexes, "foreign": foreign, "triggers": triggers}


def _rebuild(connection: Any, table: str, column: str, *, partitioned: bool) -> None:
    """Rebuild `table` as a table partitioned by month on `column` (or back to a plain one),
    keeping its rows, ids, checks, defaults, indexes, foreign keys and triggers."""
    q = lambda name: _q(connection, name)  # noqa: E731 - a short local alias
    old = f"{table}__old"[:63]
    with connection.cursor() as cursor:
        shape = _shape(cursor, q(table))
        for _name, _def, unique, _pk, conname, partial, _cols in shape["indexes"]:
            if unique and (conname is None or partial):
                raise ValueError(f"{table}: unique index {_name} is no constraint; cannot widen")
        for name, _def, self_ref in shape["foreign"]:
            if self_ref:
                raise ValueError(f"{table}: {name} refers to the table itself")
        cursor.execute(
            "SELECT pg_get_serial_sequence(%s, 'id'), ARRAY(SELECT attname FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum)",
            [q(table), q(table)],
        )
        sequence, columns = cursor.fetchone()
        cursor.execute(f"SELECT last_value, is_called FROM {sequence}")  # noqa: S608 - catalog
        last_value, is_called = cursor.fetchone()
        cursor.execute(f"ALTER TABLE {q(table)} RENAME TO {q(old)}")
        cursor.execute(f"ALTER SEQUENCE {sequence} RENAME TO {q(old + '_id_seq')}")
        tail = f" PARTITION BY RANGE ({q(column)})" if partitioned else ""
        cursor.execute(
            f"CREATE TABLE {q(table)} (LIKE {q(old)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
            f"INCLUDING IDENTITY INCLUDING STORAGE INCLUDING COMMENTS){tail}"
        )
        if partitioned:
            cursor.execute(
                f"SELECT DISTINCT date_trunc('month', {q(column)} AT TIME ZONE %s)::date "  # noqa: S608
                f"FROM {q(old)}",
                [_zone()],
            )
            months = {Month(row[0]) for row in cursor.fetchall()}
            _add_partitions(cursor, connection, table, months | set(_coming(MONTHS_AHEAD)))
            cursor.execute(
                f"CREATE TABLE {q(table + '_' + _DEFAULT)} PARTITION OF {q(table)} DEFAULT"
            )
        cols = ", ".join(q(c) for c in columns)
        cursor.execute(f"INSERT INTO {q(table)} ({cols}) SELECT {cols} FROM {q(old)}")  # noqa: S608
        cursor.execute(f"DROP TABLE {q(old)}")  # refused while another table's key points at it
        # The new table's own sequence (named as the old one was) goes on from the old one.
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [q(table)])
        (new_sequence,) = cursor.fetchone()
        cursor.execute("SELECT setval(%s, %s, %s)", [new_sequence, last_value, is_called])
        for _name, definition, _unique, primary, conname, _partial, cols_ in shape["indexes"]:
            if conname is None:
                # CREATE INDEX … ON [ONLY] <table> …: on every partition of the parent now.
                cursor.execute(definition.replace(" ON ONLY ", " ON ", 1))
                continue
            keys = [c for c in cols_ if c != column] + ([column] if partitioned else [])
            kind = "PRIMARY KEY" if primary else "UNIQUE"
            cursor.execute(
                f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(conname)} {kind} "
                f"({', '.join(q(c) for c in keys)})"
            )
        for name, definition, _self in shape["foreign"]:
            cursor.execute(f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {definition}")
        for definition in shape["triggers"]:
            cursor.execute(definition)
        cursor.execute(f"ANALYZE {q(table)}")


def partition_by_month(schema_editor: Any, table: str, column: str) -> None:
    """Migration step: make `table` partitioned by month on `column` (PostgreSQL only; a
    table already partitioned is left as it is)."""
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or is_partitioned(connection, table):
        return
    _rebuild(connection, table, column, partitioned=True)


def unpartition(schema_editor: Any, table: str, column: str) -> None:
    """Migration step back: a plain table again, its keys narrowed to what they were."""
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or not is_partitioned(connection, table):
        return
    _rebuild(connection, table, column, partitioned=False)


def _coming(months_ahead: int, today: dt.date | None = None) -> list[Month]:
    """This month of the city's calendar and the `months_ahead` after it."""
    if today is None:
        today = dt.datetime.now(zoneinfo.ZoneInfo(settings.TIME_ZONE)).date()
    this = Month.of(today)
    return [this.shifted(n) for n in range(months_ahead + 1)]


def _add_partitions(cursor: Any, connection: Any, table: str, months: set[Month]) -> None:
    """CREATE each month's partition (on a table with no DEFAULT partition yet)."""
    q = lambda name: _q(connection, name)  # noqa: E731 - a short local alias
    for month in sorted(months, key=lambda m: m.first):
        cursor.execute(
            f"CREATE TABLE {q(table + '_' + month.suffix())} PARTITION OF {q(table)} "
            f"FOR VALUES FROM (%s) TO (%s)",
            [_bound(month.first), _bound(month.after)],
        )


def partitioned_tables(connection: Any) -> dict[str, str]:
    """{partitioned table: its partition column} in this database (empty on SQLite)."""
    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, a.attname FROM pg_partitioned_table p "
            "JOIN pg_class c ON c.oid = p.partrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema() "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = p.partattrs[0] "
            "ORDER BY c.relname"
        )
        return dict(cursor.fetchall())


def partitions_of(connection: Any, table: str) -> list[str]:
    """The names of `table`'s partitions, in name order (the DEFAULT one last)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass ORDER BY c.relname",
            [_q(connection, table)],
        )
        names = [row[0] for row in cursor.fetchall()]
    default = f"{table}_{_DEFAULT}"
    return [n for n in names if n != default] + [n for n in names if n == default]


def partition_rows(connection: Any, table: str) -> list[tuple[str, int]]:
    """[(partition, rows as the planner last counted them)] of `table`."""
    names = partitions_of(connection, table)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, greatest(reltuples, 0)::bigint FROM pg_class "
            "WHERE relname = ANY(%s) AND relnamespace = current_schema()::regnamespace",
            [names],
        )
        rows = dict(cursor.fetchall())
    return [(name, rows.get(name, 0)) for name in names]


def _add_month(connection: Any, table: str, column: str, month: Month) -> int:
    """Make `month`'s partition of `table`; the rows the DEFAULT partition holds for that
    month move into it (PostgreSQL refuses the partition while DEFAULT holds such rows).
    The number of rows moved."""
    q = lambda name: _q(connection, name)  # noqa: E731 - a short local alias
    name, default = f"{table}_{month.suffix()}", f"{table}_{_DEFAULT}"
    low, high = _bound(month.first), _bound(month.after)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {q(table)} IN SHARE ROW EXCLUSIVE MODE")
        cursor.execute(
            f"SELECT count(*) FROM {q(default)} WHERE {q(column)} >= %s AND {q(column)} < %s",  # noqa: S608
            [low, high],
        )
        (waiting,) = cursor.fetchone()
        if not waiting:
            cursor.execute(
                f"CREATE TABLE {q(name)} PARTITION OF {q(table)} FOR VALUES FROM (%s) TO (%s)",
                [low, high],
            )
            return 0
        # Detached, the DEFAULT partition loses the parent's triggers, and the new month's
        # table has none until it is attached: the rows move without firing any (an
        # append-only refusal, a count that would be counted twice).
        cursor.execute(f"ALTER TABLE {q(table)} DETACH PARTITION {q(default)}")
        cursor.execute(
            f"CREATE TABLE {q(name)} (LIKE {q(table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
        )
        cursor.execute(
            f"WITH moved AS (DELETE FROM {q(default)} WHERE {q(column)} >= %s "  # noqa: S608
            f"AND {q(column)} < %s RETURNING *) INSERT INTO {q(name)} SELECT * FROM moved",
            [low, high],
        )
        cursor.execute(
            f"ALTER TABLE {q(table)} ATTACH PARTITION {q(name)} FOR VALUES FROM (%s) TO (%s)",
            [low, high],
        )
        cursor.execute(f"ALTER TABLE {q(table)} ATTACH PARTITION {q(default)} DEFAULT")
        return waiting


def ensure_partitions(
    *, months_ahead: int = MONTHS_AHEAD, today: dt.date | None = None, using: str = "default"
) -> list[tuple[str, int]]:
    """Make every partitioned table's partitions for this month and the `months_ahead`
    after it, where missing: [(partition made, rows moved into it from DEFAULT)]."""
    connection = connections[using]
    made: list[tuple[str, int]] = []
    for table, column in partitioned_tables(connection).items():
        have = set(partitions_of(connection, table))
        for month in _coming(months_ahead, today):
            name = f"{table}_{month.suffix()}"
            if name not in have:
                made.append((name, _add_month(connection, table, column, month)))
    return made


# A client UUID must stay unique over the whole table, also when two devices send the same
# event with different clocks: a side table of the keys taken (its primary key), filled by a
# trigger on every insert, does that across partitions. A taken key raises unique_violation,
# as a unique index would; inside `core.bulk`'s "skip what is taken" insert (which sets
# SKIP_TAKEN) the row is left out instead, as ON CONFLICT DO NOTHING would. Inserting into the
# side table waits for a concurrent transaction holding the same key, as an index does.
SKIP_TAKEN = "shequ.skip_taken_keys"
_KEYS_SQL = """
CREATE TABLE {keys} ({col} {type} PRIMARY KEY);
CREATE FUNCTION {keys}_take() RETURNS trigger AS $$
BEGIN
    INSERT INTO {keys} VALUES (NEW.{col}) ON CONFLICT DO NOTHING;
    IF FOUND THEN
        RETURN NEW;
    END IF;
    IF current_setting('{skip}', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE unique_violation USING
        MESSAGE = 'duplicate key value violates unique constraint "{keys}_pkey"',
        DETAIL = format('Key ({col})=(%s) already exists.', NEW.{col});
END;
$$ LANGUAGE plpgsql;
CREATE FUNCTION {keys}_free() RETURNS trigger AS $$
BEGIN
    DELETE FROM {keys} WHERE {col} = OLD.{col};
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE FUNCTION {keys}_clear() RETURNS trigger AS $$
BEGIN
    TRUNCATE {keys};
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {keys}_take BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION {keys}_take();
CREATE TRIGGER {keys}_free AFTER DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {keys}_free();
CREATE TRIGGER {keys}_clear AFTER TRUNCATE ON {table} FOR EACH STATEMENT
    EXECUTE FUNCTION {keys}_clear();
"""
_KEYS_DROP = """
DROP TRIGGER IF EXISTS {keys}_take_all ON {table};
DROP FUNCTION IF EXISTS {keys}_take_all();
DROP TRIGGER IF EXISTS {keys}_take ON {table};
DROP TRIGGER IF EXISTS {keys}_free ON {table};
DROP TRIGGER IF EXISTS {keys}_clear ON {table};
DROP FUNCTION IF EXISTS {keys}_take();
DROP FUNCTION IF EXISTS {keys}_free();
DROP FUNCTION IF EXISTS {keys}_clear();
DROP TABLE IF EXISTS {keys};
"""


# The same rule, taken a statement at a time (what `take_keys_per_statement` makes of the
# side table's triggers): the keys of every row an INSERT or COPY added go into the side
# table in one INSERT … SELECT from the statement's transition table, which raises
# unique_violation on a key taken, as the per-row trigger did, at a fraction of its cost
# (one PL/pgSQL call per statement, not per row). Only the "skip what is taken" insert,
# which must leave out the single row whose key is taken, still takes its keys row by row.
# Two rules follow, kept by every writer today: rows go in through the partitioned table
# (a statement trigger of the parent does not fire for an INSERT into a partition), and no
# UPDATE moves a row to another month (that is a DELETE and an INSERT: its key would be
# freed, not taken again). The passage log is append-only; nothing updates an attendance
# event's time.
_KEYS_PER_STATEMENT = """
CREATE OR REPLACE FUNCTION {keys}_take_all() RETURNS trigger AS $$
BEGIN
    IF current_setting('{skip}', true) = 'on' THEN
        RETURN NULL;
    END IF;
    INSERT INTO {keys} SELECT {col} FROM added ORDER BY 1;  -- in key order: no deadlock
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS {keys}_take ON {table};
CREATE TRIGGER {keys}_take BEFORE INSERT ON {table} FOR EACH ROW
    WHEN (current_setting('{skip}', true) = 'on') EXECUTE FUNCTION {keys}_take();
DROP TRIGGER IF EXISTS {keys}_take_all ON {table};
CREATE TRIGGER {keys}_take_all AFTER INSERT ON {table} REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION {keys}_take_all();
"""
_KEYS_PER_ROW = """
DROP TRIGGER IF EXISTS {keys}_take_all ON {table};
DROP FUNCTION IF EXISTS {keys}_take_all();
DROP TRIGGER IF EXISTS {keys}_take ON {table};
CREATE TRIGGER {keys}_take BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION {keys}_take();
"""


def take_keys_per_statement(schema_editor: Any, table: str, column: str) -> None:
    """Migration step (PostgreSQL only): the side table of `column`'s keys (made by
    `keep_unique_across_partitions`) filled once per statement, not once per row."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            _KEYS_PER_STATEMENT.format(
                keys=keys_table(table, column), col=column, table=table, skip=SKIP_TAKEN
            )
        )


def take_keys_per_row(schema_editor: Any, table: str, column: str) -> None:
    """Migration step back: the per-row trigger alone again."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(_KEYS_PER_ROW.format(keys=keys_table(table, column), table=table))


def keys_table(table: str, column: str) -> str:
    return f"{table}_{column}s"[:63]


def keep_unique_across_partitions(schema_editor: Any, table: str, column: str) -> None:
    """Migration step (PostgreSQL only): `column` unique over all of `table`'s partitions,
    through the side table of keys taken (see SKIP_TAKEN)."""
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [keys_table(table, column)])
        if cursor.fetchone()[0] is not None:
            return  # made already (a migration applied again after a restore)
        cursor.execute(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = %s::regclass AND attname = %s",
            [_q(connection, table), column],
        )
        (kind,) = cursor.fetchone()
        cursor.execute(
            _KEYS_SQL.format(
                keys=keys_table(table, column), col=column, type=kind, table=table, skip=SKIP_TAKEN
            )
        )
    # The keys of the rows there already, by one sort (a table converted with rows in it).
    fill_side_table(connection, keys_table(table, column), f"SELECT {column} FROM {table}")  # noqa: S608


def drop_unique_across_partitions(schema_editor: Any, table: str, column: str) -> None:
    """Migration step back: the side table of keys and its triggers gone."""
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(_KEYS_DROP.format(keys=keys_table(table, column), table=table))


def refill_keys(connection: Any, table: str, column: str) -> None:
    """Take the keys of rows written with triggers off (the city seed's COPY)."""
    keys = keys_table(table, column)
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [keys])
        if cursor.fetchone()[0] is not None:
            fill_side_table(connection, keys, f"SELECT {column} FROM {table}")  # noqa: S608


_CONFLICT_KEYS: dict[tuple[str, str, str], list[str]] = {}


def unique_key(connection: Any, table: str, column: str) -> list[str]:
    """The columns of `column`'s unique constraint on `table`: the column itself, and on a
    partitioned table the partition column too (for `ON CONFLICT (…)`). A device resends an
    event with its own time unchanged, so a resend still meets the constraint."""
    key = (connection.alias, table, column)
    if key not in _CONFLICT_KEYS:
        partition = partitioned_tables(connection).get(table)
        extra = [partition] if partition and partition != column else []
        _CONFLICT_KEYS[key] = [column, *extra]
    return _CONFLICT_KEYS[key]


_last_ensured: dict[str, dt.date] = {}


def ensure_partitions_daily() -> None:
    """The worker's periodic job: `ensure_partitions` once a day per process (cheap when
    nothing is missing; SQLite has nothing to do)."""
    connection = connections["default"]
    if connection.vendor != "postgresql":
        return
    today = dt.datetime.now(zoneinfo.ZoneInfo(settings.TIME_ZONE)).date()
    if _last_ensured.get("default") == today:
        return
    ensure_partitions(today=today)
    _last_ensured["default"] = today
