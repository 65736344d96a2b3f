"""Benchmark: the city HQ's home page (its "today": reports/today.py), issue #19.

    .venv/bin/python bench/hq_today.py --database sqlite [--residents 20000] [--runs 20]
        [--var DIR]
    .venv/bin/python bench/hq_today.py --database postgres --residents 1000000 [--runs 20]
        [--reuse]

sqlite: seeds the demo city (`shequ seed --scenario demo`) into a fresh SQLite database in a
temp folder. postgres: builds the city of bench/testing_scale.py (districts → streets of
~110,000 residents → communities → … → households, N residents loaded with COPY, a running
round over the city with ~60 % sampled) into the scratch database `shequ_bench_today` (or
`SHEQU_BENCH_PG_DB`) on 127.0.0.1:5432, then 13 days of compiled daily reports for every
community (their figure rows bulk-inserted: what the set-hour compile leaves behind).
`--reuse` times a database built by an earlier run (migrated first: the coverage counts of
testing/counts.py are backfilled once).

Then it GETs `/` as the city HQ through Django's test client, a warm-up and --runs timed
runs, and prints the first view's milliseconds, p50 / p95 / max of the runs and the page's
number of SQL queries. Today's live figures and the round's coverage are kept
SHEQU_TODAY_CACHE_SECONDS (`--cache-seconds`, 60 as shipped; 0 counts them on every view).
Targets: < 1 s on the demo city, < 2 s at 1,000,000 residents on PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))
PG_DB = os.environ.get("SHEQU_BENCH_PG_DB", "shequ_bench_today")  # a scratch database
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def log(message: str) -> None:
    print(message, flush=True)


def seed_sqlite(residents: int, var: str) -> None:
    reuse = bool(var)
    var = var or tempfile.mkdtemp(prefix="shequ-today-bench-")
    os.environ.update(
        SHEQU_VAR_DIR=var, SHEQU_LOCAL_SECRETS="1", DJANGO_SETTINGS_MODULE="shequ.settings"
    )
    os.environ.pop("DATABASE_URL", None)
    if reuse:
        return
    shequ = str(Path(sys.executable).parent / "shequ")
    t = time.perf_counter()
    subprocess.run(  # noqa: S603 - our own command, fixed arguments
        [shequ, "seed", "--scenario", "demo", "--residents", str(residents)],
        env=os.environ, check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    log(
        f"seeded the demo city ({residents:,} residents) in {time.perf_counter() - t:.0f} s "
        f"(--var {var} reuses it)"
    )


def seed_postgres(residents: int, reuse: bool) -> None:
    import psycopg

    os.environ.update(
        DJANGO_SETTINGS_MODULE="shequ.settings",
        SHEQU_VAR_DIR=tempfile.mkdtemp(prefix="shequ-today-bench-"),
        SHEQU_LOCAL_SECRETS="1",
        SHEQU_PII_KEY="bench-only-key-not-a-secret-" + "x" * 20,
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{PG_DB}",
    )
    if not reuse:
        with psycopg.connect(PG_ADMIN, autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
            c.execute(f"CREATE DATABASE {PG_DB}")
    import django
    from django.core.management import call_command

    django.setup()
    if reuse:  # a database kept from an older schema gets today's (and its counts' backfill)
        call_command("migrate", verbosity=0)
        return
    from bench import testing_scale

    t = time.perf_counter()
    call_command("migrate", verbosity=0)
    testing_scale.build(residents, 0.6, 8)
    log(f"built the city in {time.perf_counter() - t:.0f} s")
    t = time.perf_counter()
    n = compiled_history(13)
    log(f"13 days of compiled reports: {n:,} figure rows in {time.perf_counter() - t:.0f} s")


def compiled_history(days: int) -> int:
    """Every community's report of each of the `days` days before today, with every figure
    (random, plausible values), bulk-inserted; ANALYZEd."""
    from django.db import connection
    from django.utils import timezone

    from shequ.places.models import Place, PlaceKind
    from shequ.reports.figures import all_figures
    from shequ.reports.models import DailyReport, ReportFigure

    rng = random.Random(19)
    today = timezone.localdate()
    communities = list(Place.objects.filter(kind=PlaceKind.COMMUNITY).values_list("pk", flat=True))
    reports = DailyReport.objects.bulk_create(
        DailyReport(
            community_id=c,
            day=today - dt.timedelta(days=back),
            status="submitted",
            submitted_at=timezone.now(),
        )
        for back in range(1, days + 1)
        for c in communities
    )
    keys = [f.key for f in all_figures()]
    rows = [
        ReportFigure(report=r, key=k, value=(v := rng.randint(0, 40)), compiled_value=v)
        for r in reports
        for k in keys
    ]
    ReportFigure.objects.bulk_create(rows, batch_size=5000)
    with connection.cursor() as c:
        c.execute("ANALYZE reports_dailyreport; ANALYZE reports_reportfigure")
    return len(rows)


def measure(runs: int) -> None:
    from django.db import connection
    from django.test import Client

    from shequ.core.models import User
    from shequ.places.models import Place, PlaceKind
    from shequ.residents.models import Resident

    hq = User.objects.filter(role_assignments__role="city_hq").order_by("pk").first()
    assert hq is not None, "no city HQ login"
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(hq)
    log(
        f"{Resident.objects.count():,} residents, "
        f"{Place.objects.filter(kind=PlaceKind.COMMUNITY).count():,} communities, "
        f"{Place.objects.filter(kind=PlaceKind.STREET).count():,} streets; "
        f"database {connection.vendor}; load average {os.getloadavg()[0]:.2f}"
    )
    queries: list[str] = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    client.get("/places/")  # the process's own warm-up (URLs, templates, catalogues)
    t = time.perf_counter()
    client.get("/")  # the first view: nothing kept yet
    first = (time.perf_counter() - t) * 1000
    with connection.execute_wrapper(count):
        response = client.get("/")
    assert response.status_code == 200
    assert b'data-testid="home-today"' in response.content
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        response = client.get("/")
        times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
    log(f"queries per page: {len(queries)}; first view {first:.0f} ms")
    log("| page | runs | p50 ms | p95 ms | max ms |")
    log("| --- | ---: | ---: | ---: | ---: |")
    log(
        f"| HQ home (today) | {runs} | {statistics.median(times):.0f} | {_pct(times, 0.95):.0f} "
        f"| {max(times):.0f} |"
    )
    log(f"load average {os.getloadavg()[0]:.2f} after")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--residents", type=int, default=None)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--reuse", action="store_true", help="postgres: time the kept database")
    parser.add_argument("--var", default="", help="sqlite: the folder of a demo city seeded before")
    parser.add_argument(
        "--cache-seconds",
        type=int,
        default=60,
        help="SHEQU_TODAY_CACHE_SECONDS for the run (0: every view counts afresh)",
    )
    args = parser.parse_args()
    os.environ["SHEQU_TODAY_CACHE_SECONDS"] = str(args.cache_seconds)
    if args.database == "sqlite":
        seed_sqlite(args.residents or 20_000, args.var)
        import django

        django.setup()
    else:
        seed_postgres(args.residents or 1_000_000, args.reuse)
    measure(args.runs)


if __name__ == "__main__":
    main()
