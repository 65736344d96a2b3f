"""Benchmark: issuing stock from a big warehouse on PostgreSQL (issue #20).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<scratch> \
        .venv/bin/python bench/supplies_issue.py [--items 10000] [--batches 100] [--issues 1000]

On the scratch database (its tables are replaced): migrates, builds the demo city's places,
one street warehouse and its keeper, then COPYs --items items × --batches batches each, one
stock row per batch and one receipt movement per stock row (items × batches movements: a
million at the defaults), ANALYZEs, and times --issues calls of `services.stock_issue` (the
whole service: validation, the scope check, the conditional UPDATE, the movement, the audit
row, its transaction) on random batches, then the FEFO suggestion for random items and one
week's ledger of the whole warehouse. Prints p50 / p95 / max in ms.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH_PASSWORD = "bench-pass-1234"  # noqa: S105 - scratch logins nobody uses
sys.path.insert(0, str(REPO / "src"))


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def _copy(cursor, table: str, columns: tuple[str, ...], rows) -> None:
    """COPY `rows` (tuples) into `table` in chunks of text."""
    buf = io.StringIO()
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"

    def flush() -> None:
        with cursor.copy(sql) as copy:
            copy.write(buf.getvalue())
        buf.seek(0)
        buf.truncate()

    for n, row in enumerate(rows, 1):
        buf.write("\t".join("\\N" if v is None else str(v) for v in row) + "\n")
        if n % 200_000 == 0:
            flush()
    flush()


def _report(name: str, values: list[float]) -> None:
    print(
        f"| {name} | {len(values)} | {_pct(values, 0.5):.1f} | {_pct(values, 0.95):.1f} "
        f"| {max(values):.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--batches", type=int, default=100)
    parser.add_argument("--issues", type=int, default=1000)
    parser.add_argument(
        "--reuse", action="store_true", help="time again on the data an earlier run seeded"
    )
    parser.add_argument(
        "--ledger", action="store_true", help="also time one week's ledger of the warehouse"
    )
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a scratch PostgreSQL database.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    os.environ.setdefault("SHEQU_LOCAL_SECRETS", "1")  # a scratch database: bench keys
    import django

    django.setup()
    import datetime as dt

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from shequ.core import services as core_services
    from shequ.core.roles import Role
    from shequ.places.demo import build_demo_city
    from shequ.places.models import Place, PlaceKind
    from shequ.supplies.models import Item, Stock, Warehouse

    if args.reuse:
        from shequ.core.models import User

        warehouse = Warehouse.objects.get(name="基准仓库")
        keeper = User.objects.get(username="bkeeper")
        total = Stock.objects.filter(warehouse=warehouse).count()
        n_items = Item.objects.count()
        _time(args, warehouse, keeper, total, n_items)
        return
    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", interactive=False, verbosity=0)
    began = time.monotonic()
    build_demo_city(seed=42)
    street = Place.objects.filter(kind=PlaceKind.STREET).order_by("code").first()
    keeper = core_services.user_create(
        actor=None, username="bkeeper", password=BENCH_PASSWORD, check_password=False
    )
    core_services.role_grant(actor=None, user=keeper, role=Role.WAREHOUSE_KEEPER, place=street)
    warehouse = Warehouse.objects.create(place=street, name="基准仓库", low_stock=10)
    print(f"places and keeper: {time.monotonic() - began:.1f} s")
    began = time.monotonic()
    n_items, n_batches = args.items, args.batches
    now = timezone.now() - dt.timedelta(days=30)
    today = dt.date.today()
    with connection.cursor() as c:
        cursor = c.cursor  # psycopg's own, for COPY
        _copy(
            cursor, "supplies_item", ("id", "name", "unit", "category", "barcode", "tracks_expiry"),
            ((i, f"物品{i:05d}", "盒", "medical" if i % 2 else "living", f"69{i:011d}",
              "t" if i % 2 else "f") for i in range(1, n_items + 1)),
        )  # fmt: skip
        _copy(
            cursor, "supplies_batch", ("id", "item_id", "code", "expires_on"),
            ((i * n_batches + b + 1, i + 1, f"B{b:03d}", today + dt.timedelta(days=30 + b))
             for i in range(n_items) for b in range(n_batches)),
        )  # fmt: skip
        print(f"items and batches: {time.monotonic() - began:.1f} s")
        rng = random.Random(1)
        quantities = [rng.randint(100, 10_000) for _ in range(n_items * n_batches)]
        _copy(
            cursor, "supplies_stock", ("id", "warehouse_id", "item_id", "batch_id", "quantity"),
            ((k + 1, warehouse.pk, k // n_batches + 1, k + 1, q)
             for k, q in enumerate(quantities)),
        )  # fmt: skip
        _copy(
            cursor, "supplies_movement",
            ("id", "kind", "warehouse_id", "item_id", "batch_id", "delta", "source", "reason",
             "note", "team", "by_id", "at"),
            ((k + 1, "receive", warehouse.pk, k // n_batches + 1, k + 1, q, "allocation", "",
              "", "", keeper.pk, (now + dt.timedelta(seconds=k)).isoformat())
             for k, q in enumerate(quantities)),
        )  # fmt: skip
        for table in ("supplies_item", "supplies_batch", "supplies_stock", "supplies_movement"):
            top = f"SELECT max(id) FROM {table}"  # noqa: S608 - our own table names
            c.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), ({top}))")
            c.execute(f"ANALYZE {table}")
    total = n_items * n_batches
    print(f"seeded {n_items} items × {n_batches} batches, {total} stock rows and movements: "
          f"{time.monotonic() - began:.1f} s")  # fmt: skip

    _time(args, warehouse, keeper, total, n_items)


def _time(args, warehouse, keeper, total: int, n_items: int) -> None:
    import datetime as dt

    from django.utils import timezone

    from shequ.supplies import ledger, selectors, services
    from shequ.supplies.models import Batch, Item

    rng = random.Random(2)
    timings: list[float] = []
    for _ in range(args.issues):
        batch_id = rng.randint(1, total)
        batch = Batch.objects.select_related("item").get(pk=batch_id)
        t0 = time.perf_counter()
        services.stock_issue(
            actor=keeper, warehouse=warehouse, batch=batch, quantity=rng.randint(1, 5),
            team="基准队",
        )  # fmt: skip
        timings.append((time.perf_counter() - t0) * 1000)
    fefo: list[float] = []
    for _ in range(100):
        item = Item(pk=rng.randint(1, n_items))
        t0 = time.perf_counter()
        selectors.fefo(warehouse, item)
        fefo.append((time.perf_counter() - t0) * 1000)
    print("| what | runs | p50 ms | p95 ms | max ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    _report("stock_issue (service, one transaction)", timings)
    _report("FEFO suggestion (100 batches)", fefo)
    if not args.ledger:
        return
    t0 = time.perf_counter()
    book = ledger.ledger(warehouse, timezone.localdate() - dt.timedelta(days=6),
                         timezone.localdate())  # fmt: skip
    ledger_ms = (time.perf_counter() - t0) * 1000
    assert all(line.balances() for line in book.lines)
    print(f"| ledger, one week, {len(book.lines)} lines | 1 | {ledger_ms:.0f} | | |")


if __name__ == "__main__":
    main()
