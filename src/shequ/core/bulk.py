"""Plain multi-row INSERTs for hot paths, without building a model instance per row.

`bulk_create` instantiates and prepares a model per row; for event tables written a
thousand rows at a time (report-ins, passages, swabs) that is most of the cost. Values still
go through each field's own database preparation (UUIDs, datetimes, JSON), so the rows are
exactly what the ORM would have written, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, models, router
from django.db.models.lookups import In

CHUNK = 500  # rows per statement; keeps parameters well under SQLite's limit


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
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # psycopg pipelines executemany; the one short statement stays in its cache.
            cursor.executemany(
                head + one,
                [
                    [
                        f.get_db_prep_save(value, connection)
                        for f, value in zip(columns, row, strict=True)
                    ]
                    for row in rows
                ],
            )
            return
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            params = [
                f.get_db_prep_save(value, connection)
                for row in chunk
                for f, value in zip(columns, row, strict=True)
            ]
            # One statement per chunk: SQLite has no pipeline, so fewer statements is faster.
            cursor.execute(head + ", ".join([one] * len(chunk)), params)


def insert_new_rows(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]], *, key: str
) -> dict[Any, int]:
    """INSERT `rows`, skipping any whose unique `key` column is already taken (also by a
    concurrent transaction): {key value: new primary key} for the rows that went in.

    `ON CONFLICT DO NOTHING RETURNING` works the same on PostgreSQL and SQLite (≥ 3.35), so
    two devices sending the same client UUID at once get one row, without an error.
    """
    if not rows:
        return {}
    connection = connections[router.db_for_write(model)]
    columns = [model._meta.get_field(name) for name in fields]
    key_field = model._meta.get_field(key)
    quote = connection.ops.quote_name
    head = "INSERT INTO {} ({}) VALUES ".format(  # noqa: S608 - identifiers, not input
        quote(model._meta.db_table), ", ".join(quote(f.column) for f in columns)
    )
    key_column, pk_column = quote(key_field.column), quote(model._meta.pk.column)
    tail = f" ON CONFLICT ({key_column}) DO NOTHING RETURNING {key_column}, {pk_column}"
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    created: dict[Any, int] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            params = [
                f.get_db_prep_save(value, connection)
                for row in chunk
                for f, value in zip(columns, row, strict=True)
            ]
            cursor.execute(head + ", ".join([one] * len(chunk)) + tail, params)
            for value, pk in cursor.fetchall():
                created[key_field.to_python(value)] = pk
    return created


@models.Field.register_lookup
class AnyOf(In):
    """`field__any=[...]`: like `__in`, but one array parameter on PostgreSQL.

    A thousand-item IN list is a thousand placeholders that psycopg re-parses on every call
    (statements that long skip its cache); `= ANY(%s)` keeps the statement short and the same.
    Other databases use the ordinary IN list.
    """

    lookup_name = "any"

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        field = self.lhs.output_field
        values = [field.get_db_prep_value(v, connection, prepared=False) for v in self.rhs]
        return f"{lhs} = ANY(%s)", [*lhs_params, values]
