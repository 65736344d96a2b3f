"""Plain multi-row INSERTs for hot paths, without building a model instance per row.

`bulk_create` instantiates and prepares a model per row; for event tables written a
thousand rows at a time (report-ins, passages, swabs) that is most of the cost. Values still
go through each field's own database preparation (UUIDs, datetimes, JSON), so the rows are
exactly what the ORM would have written, on SQLite and PostgreSQL alike; only where that
preparation is known to return the value unchanged (text in a plain CharField, an int in an
integer column, …) is the field's method call skipped (`_preparer`).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import uuid
import zlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import IntegrityError, connections, models, router, transaction
from django.db.models.lookups import In

from shequ.core.partitions import SKIP_TAKEN, unique_key

CHUNK = 500  # rows per statement; keeps parameters well under SQLite's limit

# Exact field classes whose database preparation of a value of these exact types is the value
# itself (subclasses, such as an encrypted text field, may do more, so they are not listed).
_UNCHANGED: dict[type[models.Field], tuple[type, ...]] = {
    models.CharField: (str,),
    models.TextField: (str,),
    models.BooleanField: (bool,),
    models.FloatField: (float,),
}
_INTEGERS = (
    models.IntegerField, models.PositiveIntegerField, models.SmallIntegerField,
    models.PositiveSmallIntegerField, models.BigIntegerField, models.PositiveBigIntegerField,
)  # fmt: skip
_AUTO = (models.AutoField, models.BigAutoField, models.SmallAutoField)


def _preparer(field: models.Field, connection: Any) -> Callable[[Any], Any]:
    """A function giving `field.get_db_prep_save(value, connection)`, faster for the plain
    cases: the same result, without the layers of calls that end in returning the value."""
    slow = field.get_db_prep_save
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    kind = type(target)
    if isinstance(field, models.ForeignKey) and type(field) is not models.ForeignKey:
        return lambda value: slow(value, connection)
    if kind in _UNCHANGED:
        same = _UNCHANGED[kind]
        return lambda value: (
            value if value is None or type(value) in same else slow(value, connection)
        )
    if kind in _AUTO:  # AutoFieldMixin.get_db_prep_value
        check = connection.ops.validate_autopk_value
        return lambda value: (
            value
            if value is None
            else check(value)
            if type(value) is int
            else slow(value, connection)
        )
    if kind in _INTEGERS:  # IntegerField.get_db_prep_value
        adapt, internal = connection.ops.adapt_integerfield_value, target.get_internal_type()
        return lambda value: (
            value
            if value is None
            else adapt(value, internal)
            if type(value) is int
            else slow(value, connection)
        )
    if kind is models.UUIDField:
        native = connection.features.has_native_uuid_field
        return lambda value: (
            (value if native else value.hex)
            if type(value) is uuid.UUID
            else slow(value, connection)
        )
    if kind is models.DateTimeField:
        adapt_time = connection.ops.adapt_datetimefield_value
        return lambda value: (
            adapt_time(value)
            if type(value) is dt.datetime and value.utcoffset() is not None
            else slow(value, connection)
        )
    return lambda value: slow(value, connection)


def _copy_preparer(field: models.Field, connection: Any) -> Callable[[Any], Any] | None:
    """For COPY on PostgreSQL: None where psycopg writes the value as the ORM would (text,
    numbers, booleans, UUIDs, and keys to them: COPY's text format carries no other type
    information), else the field's preparation (datetimes, JSON, encrypted text)."""
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    if isinstance(field, models.ForeignKey) and type(field) is not models.ForeignKey:
        return _preparer(field, connection)
    kind = type(target)
    if kind in _UNCHANGED or kind in _INTEGERS or kind in _AUTO or kind is models.UUIDField:
        return None
    if kind is models.JSONField and field.encoder is None:
        # The JSON text itself, as psycopg's Jsonb would write it (`json.dumps`): without a
        # Jsonb wrapper per row, which cost more than the rest of a passage's row.
        slow = _preparer(field, connection)
        return lambda value: json.dumps(value) if type(value) in (list, dict) else slow(value)
    return _preparer(field, connection)


def _params(preparers: Sequence[Callable[[Any], Any]], rows: Sequence[Sequence[Any]]) -> list:
    """The rows' values prepared for the database, flat, row after row."""
    return [p(value) for row in rows for p, value in zip(preparers, row, strict=True)]


def insert_rows(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """INSERT `rows` (tuples in the order of `fields`) into `model`'s table."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    columns = [model._meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    # Only quoted table and column names from the model's metadata go into the text; every
    # value is a parameter.
    head = "INSERT INTO {} ({}) VALUES ".format(  # noqa: S608 - identifiers, not input
        quote(model._meta.db_table), ", ".join(quote(f.column) for f in columns)
    )
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    preparers = [_preparer(f, connection) for f in columns]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # psycopg pipelines executemany; the one short statement stays in its cache.
            cursor.executemany(
                head + one,
                [[p(value) for p, value in zip(preparers, row, strict=True)] for row in rows],
            )
            return
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            # One statement per chunk: SQLite has no pipeline, so fewer statements is faster.
            cursor.execute(head + ", ".join([one] * len(chunk)), _params(preparers, chunk))


def db_value(model: type[models.Model], field: str, value: Any) -> Any:
    """`value` as the database takes it for `model.field` (one value used on many rows of
    `copy_rows`, such as the import's timestamp)."""
    connection = connections[router.db_for_write(model)]
    return model._meta.get_field(field).get_db_prep_save(value, connection)


def copy_rows(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """INSERT `rows` whose values are already as the database takes them (text, numbers,
    None, ISO dates, `db_value`s; encrypted columns already encrypted): nothing is prepared
    per value. PostgreSQL: COPY (psycopg formats the rows in C); SQLite: one multi-row
    INSERT per chunk. The caller's transaction holds them: all land or none."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in fields)
    table = quote(model._meta.db_table)
    # The driver's own cursor, wrapped so that its errors are Django's, as the ORM raises them.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        if connection.vendor == "postgresql":
            # Only quoted identifiers from the model's metadata go into the text.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        head = f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608 - identifiers only
        one = "(" + ", ".join(["?"] * len(fields)) + ")"
        size = max(1, min(CHUNK, 30_000 // len(fields)))  # SQLite takes 32,766 parameters
        full = head + ", ".join([one] * size)
        # sqlite3's own execute, with its placeholders: Django's wrappers would rewrite the
        # statement of thousands of placeholders on every call (sqlite3 caches it as it is).
        raw, execute = cursor.cursor, sqlite3.Cursor.execute
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            sql = full if len(chunk) == size else head + ", ".join([one] * len(chunk))
            execute(raw, sql, [v for row in chunk for v in row])


def _filled(
    model: type[models.Model], records: Sequence[Mapping[str, Any]]
) -> tuple[list[models.Field], dict[str, list[Any]]]:
    """The model's columns (but its id), and each one's values over the records: as given
    (field name or attname; a model instance as its key), or the field's default."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    plain: dict[str, list[Any]] = {}  # field name → the records' values, as given
    for f in fields:
        # As a model instance would have it: a callable default (a UUID) called per row.
        each = f.has_default() and callable(f.default)
        default = None if each else f.get_default()
        values = []
        for record in records:
            if f.name in record:
                value = record[f.name]
            elif f.attname in record:
                value = record[f.attname]
            else:
                value = f.get_default() if each else default
            values.append(value.pk if isinstance(value, models.Model) else value)
        plain[f.name] = values
    return fields, plain


def _blind_indexes(
    model: type[models.Model],
    records: Sequence[Mapping[str, Any]],
    fields: Sequence[models.Field],
    plain: dict[str, list[Any]],
) -> None:
    """Fill each blind index column that not every record carries, from its source column."""
    from shequ.core import pii
    from shequ.core.fields import BlindIndexField

    for f in fields:
        if isinstance(f, BlindIndexField) and not all(f.name in r for r in records):
            source = model._meta.get_field(f.source)
            digest = pii.blind_indexer(f.kind)
            normalize = getattr(source, "normalize", None) or (lambda v: v)
            plain[f.name] = [
                digest(n) if (n := normalize(v or "")) else "" for v in plain[f.source]
            ]


def insert_records(model: type[models.Model], records: Sequence[Mapping[str, Any]]) -> None:
    """Create a row of `model` for each record (field name or attname → value; a field left
    out takes its default), as `bulk_create` would write it but without a model instance per
    row: each column prepared in one go, an encrypted column encrypted with one cipher
    (`pii.encrypt_many`), a blind index computed only where the record does not carry it,
    then `copy_rows`. The caller's transaction holds them."""
    from shequ.core import pii
    from shequ.core.fields import EncryptedTextField

    if not records:
        return
    connection = connections[router.db_for_write(model)]
    postgres = connection.vendor == "postgresql"
    fields, plain = _filled(model, records)
    _blind_indexes(model, records, fields, plain)
    columns = []
    for f in fields:
        values = plain[f.name]
        if isinstance(f, EncryptedTextField):
            if f.normalize is not None:
                values = [f.normalize(v) if v else v for v in values]
            columns.append(pii.encrypt_many(values, context=f.context))
        else:
            prepare = _copy_preparer(f, connection) if postgres else _preparer(f, connection)
            columns.append(values if prepare is None else [prepare(v) for v in values])
    copy_rows(model, [f.name for f in fields], list(zip(*columns, strict=True)))


def insert_new_records(
    model: type[models.Model], records: Sequence[Mapping[str, Any]], *, key: str
) -> dict[Any, int]:
    """`insert_records` for rows that need their ids back, skipping a record whose unique
    `key` is already taken (also by a concurrent transaction; `insert_new_rows`):
    {key value: new id} of the rows that went in. Defaults and blind indexes are filled as
    `insert_records` fills them; each value is prepared by its field (encrypted ones too)."""
    if not records:
        return {}
    fields, plain = _filled(model, records)
    _blind_indexes(model, records, fields, plain)
    names = [f.name for f in fields]
    return insert_new_rows(
        model, names, list(zip(*(plain[n] for n in names), strict=True)), key=key
    )


_SEQUENCES: dict[tuple[str, str], str] = {}  # (database alias, table) → its id sequence


def _order(key: int) -> Callable[[tuple[int, Sequence[Any]]], Any]:
    """The sort key of (id, row) by the row's `key` column: a UUID by its number (the same
    order as UUIDs compare, without a Python-level comparison per pair)."""

    def order(pair: tuple[int, Sequence[Any]]) -> Any:
        value = pair[1][key]
        return value.int if type(value) is uuid.UUID else value

    return order


def _insert_new_rows_postgresql(
    connection: Any,
    model: type[models.Model],
    columns: Sequence[models.Field],
    key_field: models.Field,
    rows: Sequence[Sequence[Any]],
) -> dict[Any, int]:
    """COPY the rows straight into the table, with ids taken from its sequence first; if a
    key is already taken (a resend that another transaction recorded a moment ago), undo that
    (a savepoint) and go the careful way, `_insert_via_temporary_table`. Any other refusal
    (a foreign key checked at once, a check constraint) is raised: `core.batches.insert_each`
    answers it row by row.

    COPY's rows are formatted by psycopg's C code; a multi-row VALUES statement of thousands
    of placeholders was re-parsed by psycopg on every call (slower than the insert itself).
    """
    import psycopg

    prepared = [list(row) for row in rows]
    for n, field in enumerate(columns):  # column by column: only the few that need it
        prepare = _copy_preparer(field, connection)
        if prepare is not None:
            for row in prepared:
                row[n] = prepare(row[n])
    table = model._meta.db_table
    sequence = _SEQUENCES.get((connection.alias, table))
    with transaction.atomic(using=connection.alias, savepoint=False):
        with connection.cursor() as cursor:
            if sequence is None:
                cursor.execute(
                    "SELECT pg_get_serial_sequence(%s, %s)",
                    [connection.ops.quote_name(table), model._meta.pk.column],
                )
                sequence = _SEQUENCES[(connection.alias, table)] = cursor.fetchone()[0]
            cursor.execute(
                "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, len(rows)]
            )
            ids = [pk for (pk,) in cursor.fetchall()]
        quote = connection.ops.quote_name
        cols = ", ".join(quote(f.column) for f in [model._meta.pk, *columns])
        key = columns.index(key_field)
        # Only quoted identifiers from the model's metadata go into the text.
        sql = f"COPY {quote(table)} ({cols}) FROM STDIN"
        try:
            with (
                transaction.atomic(using=connection.alias),
                connection.cursor() as cursor,
                cursor.cursor.copy(sql) as copy,
            ):
                # In key order: two batches holding some of the same keys then wait for each
                # other in the same order, and cannot deadlock.
                for pk, row in sorted(zip(ids, prepared, strict=True), key=_order(key)):
                    copy.write_row([pk, *row])
        except (IntegrityError, psycopg.IntegrityError) as error:
            cause = error if isinstance(error, psycopg.Error) else error.__cause__
            if not isinstance(cause, psycopg.errors.UniqueViolation):
                raise  # not a key taken (a foreign key, a check): the caller's to answer
            return _insert_via_temporary_table(connection, model, columns, key_field, prepared)
        return {row[key]: pk for pk, row in zip(ids, rows, strict=True)}


def _insert_via_temporary_table(
    connection: Any,
    model: type[models.Model],
    columns: Sequence[models.Field],
    key_field: models.Field,
    prepared: Sequence[Sequence[Any]],
) -> dict[Any, int]:
    """COPY the (prepared) rows into a temporary table (dropped at commit), then move them
    over with one INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING: the rows whose key is
    free go in, the others are left out, whoever holds the key."""
    quote = connection.ops.quote_name
    table, cols = quote(model._meta.db_table), ", ".join(quote(f.column) for f in columns)
    # One temporary table per model and column list, private to this transaction.
    temp = quote(f"new_{model._meta.db_table}"[:54] + f"_{zlib.crc32(cols.encode()):08x}")
    key_column, pk_column = quote(key_field.column), quote(model._meta.pk.column)
    # On a table partitioned by time the key's constraint holds the time too (core.partitions).
    conflict = ", ".join(map(quote, unique_key(connection, model._meta.db_table, key_field.column)))
    created: dict[Any, int] = {}
    # Only quoted identifiers from the model's metadata go into the text; values are COPY data.
    with transaction.atomic(using=connection.alias, savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {temp} ON COMMIT DROP AS "  # noqa: S608
            f"SELECT {cols} FROM {table} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY {temp} ({cols}) FROM STDIN") as copy:
            for row in prepared:
                copy.write_row(row)
        # A key taken in another partition is skipped too, not raised (core.partitions).
        cursor.execute("SELECT set_config(%s, 'on', true)", [SKIP_TAKEN])
        # Moving the rows also empties the table, for a second call in the same transaction.
        cursor.execute(
            f"WITH moved AS (DELETE FROM {temp} RETURNING {cols}) "  # noqa: S608
            f"INSERT INTO {table} ({cols}) SELECT {cols} FROM moved ORDER BY {key_column} "
            f"ON CONFLICT ({conflict}) DO NOTHING RETURNING {key_column}, {pk_column}"
        )
        for value, pk in cursor.fetchall():
            created[key_field.to_python(value)] = pk
        cursor.execute("SELECT set_config(%s, 'off', true)", [SKIP_TAKEN])
    return created


def insert_new_rows(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]], *, key: str
) -> dict[Any, int]:
    """INSERT `rows`, skipping any whose unique `key` column is already taken (also by a
    concurrent transaction): {key value: new primary key} for the rows that went in.

    On SQLite (≥ 3.35) one `INSERT … ON CONFLICT DO NOTHING RETURNING` per chunk; on
    PostgreSQL a COPY, falling back to that INSERT only when a key turns out to be taken
    (`_insert_new_rows_postgresql`). Either way two devices sending the same client UUID at
    once get one row, without an error.
    """
    if not rows:
        return {}
    connection = connections[router.db_for_write(model)]
    columns = [model._meta.get_field(name) for name in fields]
    key_field = model._meta.get_field(key)
    if connection.vendor == "postgresql":
        return _insert_new_rows_postgresql(connection, model, columns, key_field, rows)
    quote = connection.ops.quote_name
    head = "INSERT INTO {} ({}) ".format(
        quote(model._meta.db_table), ", ".join(quote(f.column) for f in columns)
    )
    key_column, pk_column = quote(key_field.column), quote(model._meta.pk.column)
    tail = f" ON CONFLICT ({key_column}) DO NOTHING RETURNING {key_column}, {pk_column}"
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    created: dict[Any, int] = {}
    preparers = [_preparer(f, connection) for f in columns]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            sql = head + "VALUES " + ", ".join([one] * len(chunk)) + tail
            cursor.execute(sql, _params(preparers, chunk))
            for value, pk in cursor.fetchall():
                created[key_field.to_python(value)] = pk
    return created


@models.Field.register_lookup
class AnyOf(In):
    """`field__any=[...]`: like `__in`, but one array parameter on PostgreSQL.

    A thousand-item IN list is a thousand placeholders that psycopg re-parses on every call
    (statements that long skip its cache); `= ANY(%s)` keeps the statement short and the same.
    SQLite reads the list as one JSON array parameter; other databases use the ordinary IN list.
    """

    lookup_name = "any"

    def _values(self, connection: Any) -> list[Any]:
        """The list's values (None left out, as `__in` does), prepared for the database."""
        field = self.lhs.output_field
        return [
            field.get_db_prep_value(v, connection, prepared=False)
            for v in self.rhs
            if v is not None
        ]

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        if not self.rhs_is_direct_value():
            return super().as_sql(compiler, connection)
        values = self._values(connection)
        if not values:
            # Like `__in`: matches nothing, so the condition drops out of an OR (an empty
            # array there would keep PostgreSQL from using the other side's index).
            raise EmptyResultSet
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*lhs_params, values]

    def as_sqlite(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        # The same idea on SQLite: the values as one JSON array, read by json_each. The
        # statement stays short, and SQLite still looks each value up in the column's index.
        if not self.rhs_is_direct_value():
            return super().as_sql(compiler, connection)
        values = self._values(connection)
        if not values or not all(type(v) in (str, int) for v in values):
            return super().as_sql(compiler, connection)  # none: In knows it matches nothing
        lhs, lhs_params = self.process_lhs(compiler, connection)
        sql = f"{lhs} IN (SELECT value FROM json_each(%s))"  # noqa: S608 - a column, not input
        return sql, [*lhs_params, json.dumps(values)]
