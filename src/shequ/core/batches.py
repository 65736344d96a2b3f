"""The one contract of the batch endpoints that offline devices send to: gate passages
(checkpoints), swabs (testing), check-ins and check-outs (duty), report-ins
(mobilization) and inspection visits recorded on a phone (inspections/phone.py).

- A batch is a JSON list of at most `MAX_ITEMS` items; each item carries the device's
  `client_uuid`. A request that is not such a list is refused whole (4xx with a JSON body);
  nothing else is.
- Every item gets one answer, in order (`ItemAnswer`): `created`, `duplicate` (that client
  UUID was recorded before — earlier in the same batch, by an earlier batch, or by another
  device's batch at the same moment — and is recorded once), or `rejected` with the item's
  `field` and a `message` saying what to fix. A rejected item is not recorded and does not
  stop the others.
- Device times carry their UTC offset or are city time, and may run `CLOCK_SKEW` ahead.
- A batch that PostgreSQL chose to end, a deadlock's victim or a serialization failure, is
  run again whole (`retried`, up to `RETRIES` times): its items are idempotent by client
  UUID, so the device gets its answers rather than a server error to send again.

`read_batch` is the reading loop (each item read by the engine's own reader, duplicates in
the batch found once), `stored_answers` finds earlier recordings, and `insert_each` writes an
engine's rows so that a row the database refuses is answered alone: the engines check their
foreign keys against the database first (one query per kind of key), this catches what
changed in between.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import logging
import random
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, ParamSpec, Protocol, TypeVar

from django.db import (
    DataError,
    IntegrityError,
    OperationalError,
    connection,
    connections,
    models,
    router,
    transaction,
)
from django.utils.translation import gettext as _

from shequ.core.bulk import insert_new_rows
from shequ.core.device_items import CLOCK_SKEW, BadItem, uuid_field
from shequ.core.errors import ValidationError

__all__ = [
    "CLOCK_SKEW",
    "CREATED",
    "DUPLICATE",
    "MAX_ITEMS",
    "REJECTED",
    "Batch",
    "ItemAnswer",
    "create_each",
    "insert_each",
    "read_batch",
    "refused_message",
    "retried",
]

MAX_ITEMS = 1000  # items per request; a device with more sends several batches
CREATED, DUPLICATE, REJECTED = "created", "duplicate", "rejected"
# PostgreSQL's SQLSTATEs for a transaction it ended so that another could go on: run it again.
TRANSIENT = frozenset(("40P01", "40001"))  # deadlock_detected, serialization_failure
RETRIES = 3
logger = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")


def transient(error: BaseException) -> bool:
    """Whether `error` is a deadlock's victim or a serialization failure (PostgreSQL)."""
    return getattr(error.__cause__, "sqlstate", None) in TRANSIENT


def retried(engine: Callable[P, R]) -> Callable[P, R]:
    """Run a batch engine again, whole, when PostgreSQL ended its transaction to break a
    deadlock (or a serialization failure), up to RETRIES times with a short random pause; not
    when a caller's transaction is around it (there is nothing to run again from)."""

    @functools.wraps(engine)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(1, RETRIES):
            try:
                return engine(*args, **kwargs)
            except OperationalError as error:
                if not transient(error) or connection.in_atomic_block:
                    raise
                logger.warning("%s: %s; running the batch again", engine.__qualname__, error)
                time.sleep(random.uniform(0.01, 0.05) * attempt)  # noqa: S311 - a pause
        return engine(*args, **kwargs)  # the last time: whatever happens is the answer

    return run


@dataclass
class ItemAnswer:
    """The answer to one item. Engines subclass it to add what their devices show (the
    gate's decision, the tube's count); the JSON answer is its fields."""

    client_uuid: str
    status: str
    id: int | None = None
    field: str = ""
    message: str = ""

    def reject(self, field_name: str, message: str) -> None:
        self.status, self.field, self.message = REJECTED, field_name, message


class _Keyed(Protocol):
    client_uuid: uuid.UUID


T = TypeVar("T", bound=_Keyed)
A = TypeVar("A", bound=ItemAnswer)


@dataclass
class Batch(Generic[T, A]):
    """A batch as read: an answer per item (`created` until the engine says otherwise), the
    items to record (the first of each client UUID that read well), and the later items of
    the batch that repeat one of them."""

    answers: list[A]
    fresh: list[tuple[int, T]] = field(default_factory=list)  # (position, item)
    repeats: list[tuple[int, int]] = field(default_factory=list)  # (position, its first)

    @property
    def uuids(self) -> list[uuid.UUID]:
        return [item.client_uuid for _n, item in self.fresh]

    def finish(self) -> list[A]:
        """The answers, a repeat in the batch answered as its first (`duplicate` where that
        was `created`; a refusal stays a refusal)."""
        for n, first in self.repeats:
            answer = copy.copy(self.answers[first])
            if answer.status == CREATED:
                answer.status = DUPLICATE
            self.answers[n] = answer
        return self.answers


def _echo(raw: Any) -> str:
    """The client UUID of an item that did not read, as sent (text only, cut short): the
    device finds its item by position, this is for people reading the answer."""
    key = raw.get("client_uuid") if isinstance(raw, dict) else None
    return key[:64] if isinstance(key, str) else ""


def refused_message() -> str:
    """The message of an item whose row the database refused (`insert_each`)."""
    return _(
        "Not recorded: what this item refers to was removed or changed meanwhile; "
        "check it and record it again."
    )


def check_size(items: Any) -> None:
    """A batch is a list of at most `MAX_ITEMS` items (the schema says so too; a service
    called directly checks it here)."""
    if not isinstance(items, list | tuple):
        raise ValidationError({"items": _("Send the items as a JSON list.")})
    if len(items) > MAX_ITEMS:
        raise ValidationError({"items": _("Send at most %d items per batch.") % MAX_ITEMS})


def read_batch(
    items: Sequence[Any],
    read: Callable[[dict[str, Any], uuid.UUID, dt.datetime], T],
    answer: Callable[[str, str], A],
    now: dt.datetime,
) -> Batch[T, A]:
    """Read every item with `read(raw, client_uuid, now)` (raises `BadItem`); a bad item is
    answered `rejected` with its field, and the batch goes on."""
    check_size(items)
    batch: Batch[T, A] = Batch([])
    first: dict[uuid.UUID, int] = {}
    for n, raw in enumerate(items):
        try:
            if not isinstance(raw, dict):
                raise BadItem("item", _("Each item must be an object."))
            client_uuid = uuid_field(raw, "client_uuid", required=True)
            assert client_uuid is not None
            item = read(raw, client_uuid, now)
        except BadItem as bad:
            rejected = answer(_echo(raw), REJECTED)
            rejected.field, rejected.message = bad.field, bad.message
            batch.answers.append(rejected)
            continue
        batch.answers.append(answer(str(client_uuid), CREATED))
        earlier = first.get(client_uuid)
        if earlier is not None:
            batch.repeats.append((n, earlier))
            continue
        first[client_uuid] = n
        batch.fresh.append((n, item))
    return batch


# --- writing rows, each one alone if need be ----------------------------------------------

try:  # what the database says of a row it refuses, also from psycopg's COPY (not wrapped)
    from psycopg import DataError as _PgDataError
    from psycopg import IntegrityError as _PgIntegrityError

    _REFUSED: tuple[type[Exception], ...] = (
        IntegrityError, DataError, _PgIntegrityError, _PgDataError,
    )  # fmt: skip
except ImportError:  # pragma: no cover - SQLite-only installs
    _REFUSED = (IntegrityError, DataError)

_DEFERRED_KEYS: dict[tuple[str, str], list[str]] = {}  # (alias, table) → FK constraint names


def _deferred_keys(connection: Any, table: str) -> list[str]:
    """The table's foreign keys that PostgreSQL checks at commit (Django makes them so)."""
    names = _DEFERRED_KEYS.get((connection.alias, table))
    if names is None:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass "
                "AND contype = 'f' AND condeferrable AND condeferred ORDER BY conname",
                [connection.ops.quote_name(table)],
            )
            names = _DEFERRED_KEYS[(connection.alias, table)] = [n for (n,) in cursor.fetchall()]
    return names


def _set_keys(connection: Any, names: list[str]) -> None:
    """Check these foreign keys at the end of each statement, for the rest of the transaction."""
    if names:
        with connection.cursor() as cursor:
            # Only constraint names from the catalogue go into the text.
            quoted = ", ".join(connection.ops.quote_name(n) for n in names)
            cursor.execute(f"SET CONSTRAINTS {quoted} IMMEDIATE")


def missing_references(
    model: type[models.Model], fields: Sequence[str], rows: Sequence[Sequence[Any]]
) -> dict[int, str]:
    """{row position: field} for the rows whose foreign key names no row: one query per
    foreign key of `fields`."""
    bad: dict[int, str] = {}
    for column, name in enumerate(fields):
        f = model._meta.get_field(name)
        if not isinstance(f, models.ForeignKey) or not f.db_constraint:
            continue
        values = {row[column] for row in rows if row[column] is not None}
        if not values:
            continue
        target = f.target_field.attname
        found = set(
            f.related_model._base_manager.filter(**{f"{target}__any": list(values)})
            .order_by()
            .values_list(target, flat=True)
        )
        for n, row in enumerate(rows):
            if row[column] is not None and row[column] not in found:
                bad.setdefault(n, name)
    return bad


def _write_each(
    model: type[models.Model],
    keys: Sequence[str],
    references: Sequence[Sequence[Any]],
    items: Sequence[Any],
    write: Callable[[list[Any]], None],
) -> dict[int, str]:
    """`write` the items at once, or, when the database refuses that, each in a savepoint of
    its own: {position: field refused} of those left out. `references[n]` holds item n's values
    of the foreign keys `keys`, checked at once (see insert_each)."""
    if not items:
        return {}
    connection = connections[router.db_for_write(model)]
    refused: dict[int, str] = {}
    if connection.vendor == "postgresql":
        _set_keys(connection, _deferred_keys(connection, model._meta.db_table))
    else:
        refused = missing_references(model, keys, references)
    todo = [(n, item) for n, item in enumerate(items) if n not in refused]
    try:
        with transaction.atomic(using=connection.alias):
            write([item for _n, item in todo])
    except _REFUSED:  # one item or more refused: each alone
        for n, item in todo:
            try:
                with transaction.atomic(using=connection.alias):
                    write([item])
            except _REFUSED:
                refused[n] = next(
                    iter(missing_references(model, keys, [references[n]]).values()), ""
                )
    return refused


def insert_each(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    key: str,
) -> tuple[dict[Any, int], dict[int, str]]:
    """`insert_new_rows` (a row whose `key` is taken is left out: a duplicate), so that a row
    the database refuses fails alone: ({key: new id}, {row position: field refused}).

    Inside the caller's transaction. The foreign keys, which both databases check only at
    commit, are made to fail at once: on PostgreSQL by checking this table's keys
    immediately (`SET CONSTRAINTS … IMMEDIATE`, left so until the transaction ends: this
    table's later rows in it are checked at once too, which costs nothing more and saves a
    statement per batch); on SQLite (whose checks cannot be moved) by looking the rows' keys
    up first, exact there as the transaction holds the database's one write lock. Then all
    rows go in at once in a savepoint; if the database refuses that, each row goes in in a
    savepoint of its own, and the ones refused are named.
    """
    created: dict[Any, int] = {}

    def write(some: list[Sequence[Any]]) -> None:
        created.update(insert_new_rows(model, fields, some, key=key))

    refused = _write_each(model, fields, rows, rows, write)
    return created, refused


def create_each(objs: Sequence[models.Model]) -> dict[int, str]:
    """`bulk_create` the (unsaved) model objects of one model so that one the database
    refuses fails alone, as `insert_each` does (its foreign keys checked at once for the rest
    of the transaction too): {position: field refused} of those left out (their `pk` None)."""
    if not objs:
        return {}
    model = type(objs[0])
    keys = [
        f.name
        for f in model._meta.concrete_fields
        if isinstance(f, models.ForeignKey) and f.db_constraint
    ]
    values = [[getattr(o, model._meta.get_field(k).attname) for k in keys] for o in objs]

    def write(some: list[models.Model]) -> None:
        for obj in some:
            obj.pk = None  # not an id of an insert undone before
        model._base_manager.bulk_create(some)

    refused = _write_each(model, keys, values, objs, write)
    for n in refused:
        objs[n].pk = None
    return refused
