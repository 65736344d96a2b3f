"""Benchmark: the help queue and "my tasks" pages through the real views (issue #18).

    .venv/bin/python bench/assistance_pages.py [--residents 20000] [--requests 1000]
        [--runs 30] [--keep] [--reuse]

The issue's scale (p95 < 100 ms), about 15 minutes to build on a free 2-core machine:

    .venv/bin/python bench/assistance_pages.py --residents 1000000 --requests 50000

Builds a scratch PostgreSQL database on 127.0.0.1:5432 (`shequ_bench_help`, dropped at the
end unless --keep): the city tree and N synthetic residents of bench/testing_scale.py (their
PII encrypted as the model does; all COPYed), then M **open** help requests spread over every
community's households (COPYed; a tenth of the first community's claimed by its 20 cadres),
plus as many delivered ones (history the queue must skip). Then it asks, through Django's
test client (URL routing, middleware, the views, the templates — no HTTP socket), --runs
times each after one warm-up:

* `/help/` — a community staff's open queue, first page (25 rows + count);
* `/help/?compound=…&kind=water` — the same filtered by compound and kind;
* `/help/?status=overdue`;
* `/help/mine/` — a cadre's claimed requests grouped by building;
* `/help/isolation/` — the isolation board of the community.

Prints p50 / p95 / max in ms, the page's size, and for one more run its SQL statements and
the time they took as Django saw it (round trips included), and the load average before and
after (the machine may be shared: say so when you record the figures in bench/README.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

PG_DB = os.environ.get("SHEQU_BENCH_PG_DB", "shequ_bench_help")  # a scratch database
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
CADRES = 20


def log(message: str) -> None:
    print(message, flush=True)


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def build_requests(cursor, open_requests: int, seed: int) -> dict:
    """M open requests over every community's households (a tenth of the first community's
    claimed by its cadres) and as many delivered ones, COPYed."""
    from django.utils import timezone
    from testing_scale import _copy, _reset_sequence

    from shequ.assistance.models import HelpKind
    from shequ.core.models import User
    from shequ.core.services import role_grant
    from shequ.places.models import Place

    communities = list(Place.objects.filter(kind="community").order_by("pk"))
    first = communities[0]
    staff = User.objects.create_user("staff", "x")
    role_grant(actor=None, user=staff, role="community_staff", place=first)
    cadres = []
    for i in range(CADRES):
        cadre = User.objects.create_user(f"cadre{i}", "x")
        role_grant(actor=None, user=cadre, role="cadre", place=first)
        cadres.append(cadre.pk)
    # Every household with its building and community, from the paths.
    by_path = {c.path: c.pk for c in communities}
    households: dict[int, list[tuple[int, int]]] = {c.pk: [] for c in communities}
    cursor.execute("SELECT id, parent_id, path FROM places_place WHERE kind = 'household'")
    for pk, parent_id, path in cursor.fetchall():
        parts = path.strip("/").split("/")
        community = by_path.get("/" + "/".join(parts[:4]) + "/")
        if community is not None:
            households[community].append((pk, parent_id))
    rng = random.Random(seed)
    now = timezone.now()
    kinds = HelpKind.values

    def rows():
        for i in range(open_requests * 2):
            community = communities[i % len(communities)].pk
            household, building = rng.choice(households[community])
            created = now - dt.timedelta(hours=rng.uniform(0, 24 * 30 if i % 2 else 30))
            open_ = i % 2 == 0
            claimed = open_ and community == first.pk and rng.random() < 0.1
            status = "claimed" if claimed else "new" if open_ else "delivered"
            claimer = rng.choice(cadres) if claimed or not open_ else None
            yield (
                community, building, household, rng.choice(kinds), False, "两桶水", "hotline",
                status, False, staff.pk, created, created + dt.timedelta(hours=24), claimer,
                created + dt.timedelta(minutes=5) if claimer else None,
                None if open_ else created + dt.timedelta(hours=rng.uniform(1, 30)), "", "", "",
            )  # fmt: skip

    columns = [
        "community_id", "building_id", "household_id", "kind", "urgent", "details", "channel",
        "status", "for_ledger", "created_by_id", "created_at", "due_at", "claimed_by_id",
        "claimed_at", "delivered_at", "end_reason", "receipt_path", "receipt_type",
    ]  # fmt: skip
    count = _copy(cursor, "assistance_helprequest", columns, rows())
    _reset_sequence(cursor, "assistance_helprequest")
    return {"requests": count, "communities": len(communities)}


def build(residents: int, open_requests: int, seed: int) -> None:
    import math

    from django.db import connection, transaction
    from testing_scale import (
        build_places,
        build_residents,
        column_defaults,
        counts_off,
        counts_on,
    )

    households = math.ceil(residents / 3.0 * 1.03)
    column_defaults("assistance.HelpRequest")  # its own COPY below; places, residents: build
    with transaction.atomic():
        cursor = connection.cursor().cursor  # psycopg's, for COPY
        counts_off(cursor)
        t = time.perf_counter()
        tree = build_places(cursor, households)
        log(
            "places: "
            + ", ".join(f"{len(v):,} {k}" for k, v in tree["levels"].items())
            + f" in {time.perf_counter() - t:.1f} s"
        )
        t = time.perf_counter()
        count, _people = build_residents(cursor, residents, tree["levels"]["household"], seed)
        log(f"residents: {count:,} in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        got = build_requests(cursor, open_requests, seed)
        log(
            f"help requests: {got['requests']:,} (half open) over {got['communities']} "
            f"communities in {time.perf_counter() - t:.1f} s"
        )
        counts_on(cursor)
    t = time.perf_counter()
    with connection.cursor() as c:
        c.execute("VACUUM ANALYZE")
    log(f"VACUUM ANALYZE in {time.perf_counter() - t:.1f} s")


def measure(runs: int) -> list[tuple[str, list[float], int]]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from shequ.core.models import User
    from shequ.places.models import Place

    staff = User.objects.get(username="staff")
    cadre = User.objects.get(username="cadre0")
    community = Place.objects.filter(kind="community").order_by("pk").first()
    compound = Place.objects.filter(kind="compound", path__startswith=community.path).first()
    as_staff, as_cadre = Client(), Client()
    as_staff.force_login(staff)
    as_cadre.force_login(cadre)
    cases = [
        ("/help/ (staff: open queue, page 1)", as_staff, "/help/"),
        (
            "/help/?compound&kind=water",
            as_staff,
            f"/help/?compound={compound.pk}&kind=water",
        ),
        ("/help/?status=overdue", as_staff, "/help/?status=overdue"),
        ("/help/mine/ (cadre)", as_cadre, "/help/mine/"),
        ("/help/isolation/ (staff)", as_staff, "/help/isolation/"),
    ]
    results = []
    for label, client, url in cases:
        response = client.get(url)  # warm
        assert response.status_code == 200, (url, response.status_code)
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - t) * 1000)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        sql = sum(float(q["time"]) for q in ctx.captured_queries) * 1000
        results.append((label, times, len(response.content), len(ctx.captured_queries), sql))
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--residents", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=1_000, help="open help requests")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--keep", action="store_true", help="leave the database for --reuse")
    parser.add_argument("--reuse", action="store_true", help="time the kept database")
    args = parser.parse_args()
    import psycopg

    tmp = tempfile.mkdtemp(prefix="shequ-help-bench-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "shequ.settings"
    os.environ["SHEQU_VAR_DIR"] = tmp
    os.environ["SHEQU_LOCAL_SECRETS"] = "1"
    os.environ["SHEQU_PII_KEY"] = "bench-only-key-not-a-secret-" + "x" * 20
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
    os.environ.setdefault("SHEQU_ALLOWED_HOSTS", "testserver")
    load = os.getloadavg()
    log(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} before the run")
    if not args.reuse:
        with psycopg.connect(PG_ADMIN, autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
            c.execute(f"CREATE DATABASE {PG_DB}")
    import django
    from django.core.management import call_command

    django.setup()
    from django.conf import settings

    if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    try:
        if not args.reuse:
            t = time.perf_counter()
            call_command("migrate", verbosity=0)
            log(f"migrated in {time.perf_counter() - t:.1f} s")
            t = time.perf_counter()
            build(args.residents, args.requests, args.seed)
            log(f"built in {time.perf_counter() - t:.1f} s")
        from django.db import connection

        with connection.cursor() as c:
            c.execute("SELECT version()")
            log(c.fetchone()[0])
        load = os.getloadavg()
        log(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} before timing")
        results = measure(args.runs)
        load = os.getloadavg()
        log(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} after timing")
        print()
        print("| page | runs | p50 ms | p95 ms | max ms | bytes | queries | SQL ms |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for label, times, size, queries, sql in results:
            print(
                f"| {label} | {len(times)} | {statistics.median(times):.1f} | "
                f"{_pct(times, 0.95):.1f} | {max(times):.1f} | {size:,} | {queries} | {sql:.0f} |"
            )
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            with psycopg.connect(PG_ADMIN, autocommit=True) as c:
                c.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
