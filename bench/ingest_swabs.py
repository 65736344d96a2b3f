"""Benchmark: swabs through the HTTP batch endpoint, against a raw insert baseline (issue #8).

    .venv/bin/python bench/ingest_swabs.py [--swabs 200000] [--batch 500] [--clients 2]
        [--database sqlite|postgres|both] [--workers 1] [--stations 40]

For each database, in its own process: a fresh database (SQLite file in a temp folder, WAL;
or a scratch PostgreSQL database on 127.0.0.1:5432), migrated and seeded with one street of
four communities (one household per 2.5 residents, one resident per swab, ID numbers and
phones encrypted and blind-indexed as the model does, a few in hospital), a running round over
the street (10 to a tube), a sampling site per community with `--stations` stations in all,
and a street officer with an API token. It generates what the station devices would send:
each station swabs its own queue of residents, ten to a tube (the tube closes itself when
full; a station's last tube is closed by a "close" item), 70 % picked by their code
(resident_id) and 30 % by scanning the ID card (id_number, looked up by blind index); each
device uploads its queue in batches of `--batch`, and the batches of the stations are
interleaved. Then granian starts on a free port on 127.0.0.1 with the real WSGI app, and
`--clients` processes POST their share of the batches to /api/v1/testing/swabs:batch over
keep-alive connections (http.client), timing each batch.

Printed: swabs/s (all items / wall time of the send phase), p50/p95/max batch latency, the
server's peak RSS (granian and its workers), the check that every swab was answered
"created" and the table holds one row each. Then the raw baseline in the same run: the same
rows, read back from the sample table, inserted into a scratch copy of the table (same
columns, indexes and checks, no foreign keys) in the same batch size, one commit per batch —
psycopg `executemany` and COPY on PostgreSQL, `sqlite3` `executemany` on SQLite — and the
ratio of the API rate to it.

Issue #8's target: sampling ingest ≥ 10,000 swabs/s through the batch endpoint.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import random
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

PG_DB = "shequ_bench_swabs"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PATH = "/api/v1/testing/swabs:batch"
COMMUNITIES = 4
HOUSEHOLDS_PER_BUILDING = 48


# --- seeding ---------------------------------------------------------------------------------


def seed(n: int, stations: int, seed_value: int) -> dict:  # type: ignore[type-arg]
    """Migrate and fill the database; what the item generator needs."""
    import datetime as dt

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import transaction
    from django.utils import timezone

    from shequ.core import pii
    from shequ.core.bulk import insert_rows
    from shequ.core.models import User
    from shequ.core.services import api_token_create, role_grant
    from shequ.places.models import Place, PlaceKind
    from shequ.places.services import place_create, places_insert
    from shequ.residents.idcard import check_char
    from shequ.residents.models import Resident
    from shequ.testing import services
    from shequ.testing.models import Station

    rng = random.Random(seed_value)
    parent = place_create(actor=None, kind=PlaceKind.CITY, code="B", name="基准市")
    for kind in (PlaceKind.DISTRICT, PlaceKind.STREET):
        parent = place_create(
            actor=None, kind=kind, code=f"B-{kind}", name=str(kind), parent=parent
        )
    street = parent
    user = User.objects.create_user("officer", "x")
    role_grant(actor=None, user=user, role="street_officer", place=street)
    households_wanted = max(1, int(n / 2.5))
    per_community = -(-households_wanted // COMMUNITIES)
    buildings_per_community = -(-per_community // HOUSEHOLDS_PER_BUILDING)
    with transaction.atomic():
        communities = places_insert(
            [
                Place(kind=PlaceKind.COMMUNITY, parent=street, code=f"C{c}", name=f"社区{c + 1}")
                for c in range(COMMUNITIES)
            ]
        )
        grids = places_insert(
            [
                Place(kind=PlaceKind.GRID, parent=c, code=f"{c.code}-G", name="网格")
                for c in communities
            ]
        )
        compounds = places_insert(
            [
                Place(kind=PlaceKind.COMPOUND, parent=g, code=f"{g.code}-K", name="小区")
                for g in grids
            ]
        )
        buildings = places_insert(
            [
                Place(kind=PlaceKind.BUILDING, parent=k, code=f"{k.code}-{b}", name=f"{b + 1}号楼")
                for k in compounds
                for b in range(buildings_per_community)
            ]
        )
        households = places_insert(
            [
                Place(
                    kind=PlaceKind.HOUSEHOLD,
                    parent=b,
                    code=f"{b.code}-{r + 101}",
                    name=f"{r + 101}室",
                )
                for b in buildings
                for r in range(HOUSEHOLDS_PER_BUILDING)
            ]
        )
        # Residents as the model writes them (insert_rows encrypts through the fields); the
        # blind indexes computed here, as BlindIndexField would.
        fields = ["name", "gender", "birth_date", "document_type", "document_number",
                  "document_hmac", "phone", "phone_hmac", "household", "relation", "occupancy",
                  "tags", "notes", "health_status", "created_at", "updated_at"]  # fmt: skip
        now = timezone.now()
        rows = []
        born0 = dt.date(1930, 1, 1)
        community_of_household = {h.pk: h.parent.parent.parent.parent_id for h in households}
        for i in range(n):
            h = households[i % len(households)]
            seq = 2 * (i // 30000) + (i % 2)
            born = born0 + dt.timedelta(days=i % 30000)
            first17 = f"629999{born:%Y%m%d}{seq:03d}"
            number = first17 + check_char(first17)
            phone = f"100{i:08d}" if i % 10 else ""
            rows.append([
                f"居民{i}", "male" if seq % 2 else "female", born, "resident_id", number,
                pii.blind_index(number, kind="document"), phone,
                pii.blind_index(phone, kind="phone") if phone else "", h.pk, "other", "owner",
                0, "", "hospital" if rng.random() < 0.002 else "normal", now, now,
            ])  # fmt: skip
        for start in range(0, len(rows), 5000):
            insert_rows(Resident, fields, rows[start : start + 5000])
    today = timezone.localdate()
    round_ = services.round_create(
        actor=user, name="基准轮", places=[street], starts_on=today, ends_on=today, pool_size=10
    )
    station_ids: dict[int, list[int]] = {}
    for c, community in enumerate(communities):
        site = services.site_create(
            actor=user,
            community=community,
            name="广场采样点",
            opens=dt.time(7),
            closes=dt.time(20),
            stations=stations // COMMUNITIES + (c < stations % COMMUNITIES),
        )
        station_ids[community.pk] = list(
            Station.objects.filter(site=site).order_by("pk").values_list("pk", flat=True)
        )
    _token, secret = api_token_create(actor=None, user=user, name="bench")
    people = [
        (pk, community_of_household[h], status)
        for pk, h, status in Resident.objects.order_by("pk").values_list(
            "pk", "household_id", "health_status"
        )
    ]
    numbers = {}
    for i, (pk, _c, _s) in enumerate(people):
        if i % 10 < 3:  # the ID cards scanned: decrypt only those
            numbers[pk] = None
    for r in Resident.objects.filter(pk__in=list(numbers)).only("pk", "document_number"):
        numbers[r.pk] = r.document_number
    return {
        "secret": secret,
        "round": round_.pk,
        "stations": station_ids,
        "people": people,
        "numbers": numbers,
        "residents": len(people),
        "households": len(households),
    }


# --- the items -------------------------------------------------------------------------------


def make_bodies(world: dict, batch: int, seed_value: int) -> tuple[list[bytes], int]:  # type: ignore[type-arg]
    """Every resident not in hospital swabbed once at their community's stations, as JSON
    bodies of `batch` items, each body one station's upload, the stations interleaved."""
    import datetime as dt

    from django.utils import timezone

    rng = random.Random(seed_value + 1)
    now = timezone.now()
    start = now - dt.timedelta(hours=12)
    queues: dict[int, list[int]] = {}
    for pk, community, status in world["people"]:
        if status == "hospital":
            continue
        stations = world["stations"][community]
        queues.setdefault(stations[pk % len(stations)], []).append(pk)
    streams: list[list[bytes]] = []
    count = 0
    for station, queue in queues.items():
        step = dt.timedelta(hours=11) / max(len(queue), 1)
        items = []
        barcode = ""
        for k, pk in enumerate(queue):
            if k % 10 == 0:
                barcode = f"S{station}-{k // 10 + 1:06d}"
            item = {
                "client_uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "kind": "swab",
                "round_id": world["round"],
                "station_id": station,
                "tube": barcode,
                "sampled_at": (start + step * k).isoformat(),
            }
            number = world["numbers"].get(pk)
            if number:
                item["id_number"] = number
            else:
                item["resident_id"] = pk
            items.append(item)
        if len(queue) % 10:
            items.append({
                "client_uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "kind": "close",
                "round_id": world["round"],
                "station_id": station,
                "tube": barcode,
                "sampled_at": (start + step * len(queue)).isoformat(),
            })  # fmt: skip
        count += len(items)
        streams.append([
            json.dumps({"items": items[i : i + batch]}, ensure_ascii=False).encode()
            for i in range(0, len(items), batch)
        ])  # fmt: skip
    bodies = []
    for k in range(max(len(s) for s in streams)):
        bodies += [s[k] for s in streams if k < len(s)]
    return bodies, count


# --- the server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(env: dict, workers: int) -> tuple[subprocess.Popen, int]:  # type: ignore[type-arg]
    port = free_port()
    cmd = [
        sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1",
        "--port", str(port), "--workers", str(workers), "--log-level", "warning",
        "shequ.wsgi:application",
    ]  # fmt: skip
    server = subprocess.Popen(cmd, env=env)  # noqa: S603 - our own command line
    deadline = time.monotonic() + 60
    while True:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            c.request("GET", "/api/v1/health")
            response = c.getresponse()
            body = response.read()
            c.close()
            if response.status == 200:
                break
            raise RuntimeError(f"health: {response.status} {body[:200]!r}")
        except (ConnectionError, OSError):
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("granian did not start") from None
            time.sleep(0.2)
    return server, port


def tree_peak_rss_mb(pid: int) -> float:
    """Sum of VmHWM of a process and its descendants (granian's main process and workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, ()))
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


# --- the clients -----------------------------------------------------------------------------

_BODIES: list[bytes] = []


def client(me: int, clients: int, port: int, secret: str, barrier, results) -> None:  # type: ignore[no-untyped-def]
    """POST every `clients`-th body over one keep-alive connection, timing each batch."""
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    latencies: list[float] = []
    counts: dict[str, int] = {}
    barrier.wait()
    try:
        for body in _BODIES[me::clients]:
            t = time.perf_counter()
            conn.request("POST", PATH, body, headers)
            response = conn.getresponse()
            data = response.read()
            latencies.append(time.perf_counter() - t)
            if response.status != 200:
                raise RuntimeError(f"{response.status}: {data[:300]!r}")
            for answer in json.loads(data):
                key = answer["status"]
                if key == "rejected":
                    key += ": " + answer["message"][:60]
                counts[key] = counts.get(key, 0) + 1
    except Exception as exc:  # noqa: BLE001 - reported by the parent
        results.put((me, None, repr(exc)))
        return
    conn.close()
    results.put((me, latencies, counts))


def send(bodies: list[bytes], clients: int, port: int, secret: str) -> dict:  # type: ignore[type-arg]
    global _BODIES
    _BODIES = bodies
    ctx = mp.get_context("fork")  # the children inherit the bodies
    barrier = ctx.Barrier(clients + 1)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=client, args=(c, clients, port, secret, barrier, results))
        for c in range(clients)
    ]
    for p in procs:
        p.start()
    barrier.wait()
    t = time.perf_counter()
    parts = [results.get() for _p in procs]
    seconds = time.perf_counter() - t
    for p in procs:
        p.join()
    failed = [err for _me, lat, err in parts if lat is None]
    if failed:
        raise RuntimeError(f"client failed: {failed}")
    latencies = sorted(x for _me, lat, _c in parts for x in lat)
    counts: dict[str, int] = {}
    for _me, _l, c in parts:
        for k, v in c.items():
            counts[k] = counts.get(k, 0) + v

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {
        "seconds": seconds,
        "counts": counts,
        "batches": len(latencies),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "max_ms": latencies[-1] * 1000,
    }


# --- the raw baseline ------------------------------------------------------------------------


def baseline(database: str, batch: int) -> dict[str, float]:
    """The same rows, inserted raw into a scratch copy of the sample table."""
    from django.db import connection

    from shequ.testing.ingest import FIELDS
    from shequ.testing.models import Sample

    table = Sample._meta.db_table
    columns = [Sample._meta.get_field(f).column for f in FIELDS]
    copy = "bench_sample_raw"
    out: dict[str, float] = {}
    if database == "sqlite":
        import sqlite3

        path = connection.settings_dict["NAME"]
        connection.close()
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA foreign_keys=OFF")
        rows = db.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY id").fetchall()  # noqa: S608
        schema = db.execute(
            "SELECT type, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL",
            [table],
        ).fetchall()
        for kind, sql in schema:
            if kind == "table":
                # Same columns and checks, without the foreign keys.
                sql = re.sub(r" REFERENCES \"[^\"]+\" \(\"id\"\) DEFERRABLE INITIALLY DEFERRED",
                             "", sql)  # fmt: skip
                db.execute(sql.replace(f'"{table}"', f'"{copy}"', 1))
            elif kind == "index":  # CREATE [UNIQUE] INDEX "name" ON "table" (...)
                db.execute(
                    re.sub(r'INDEX "([^"]+)" ON "[^"]+"', rf'INDEX "\1_raw" ON "{copy}"', sql)
                )
        insert = (
            f"INSERT INTO {copy} ({', '.join(columns)}) "  # noqa: S608
            f"VALUES ({', '.join('?' * len(columns))})"
        )
        t = time.perf_counter()
        for start in range(0, len(rows), batch):
            db.execute("BEGIN IMMEDIATE")
            db.executemany(insert, rows[start : start + batch])
            db.execute("COMMIT")
        out["executemany"] = len(rows) / (time.perf_counter() - t)
        assert db.execute(f"SELECT count(*) FROM {copy}").fetchone()[0] == len(rows)  # noqa: S608
        db.close()
        return out

    import psycopg

    connection.close()
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{PG_DB}") as db:
        db.execute(f"CREATE TABLE {copy} (LIKE {table} INCLUDING ALL)")
        db.commit()
        rows = db.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY id").fetchall()  # noqa: S608
        db.commit()
        cols = ", ".join(columns)
        values = ", ".join(["%s"] * len(columns))
        for label in ("executemany", "copy"):
            db.execute(f"TRUNCATE {copy}")
            db.commit()
            t = time.perf_counter()
            with db.cursor() as cur:
                for start in range(0, len(rows), batch):
                    chunk = rows[start : start + batch]
                    if label == "executemany":
                        cur.executemany(f"INSERT INTO {copy} ({cols}) VALUES ({values})", chunk)  # noqa: S608
                    else:
                        with cur.copy(f"COPY {copy} ({cols}) FROM STDIN") as cp:
                            for row in chunk:
                                cp.write_row(row)
                    db.commit()
            out[label] = len(rows) / (time.perf_counter() - t)
            count = db.execute(f"SELECT count(*) FROM {copy}").fetchone()[0]  # noqa: S608
            assert count == len(rows), (count, len(rows))
            db.commit()
    return out


# --- one database ----------------------------------------------------------------------------


def run_one(args: argparse.Namespace, database: str) -> dict:  # type: ignore[type-arg]
    tmp = tempfile.mkdtemp(prefix="shequ-swabs-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "shequ.settings"
    os.environ["SHEQU_VAR_DIR"] = tmp
    os.environ["SHEQU_LOCAL_SECRETS"] = "1"
    if database == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
            c.execute(f"CREATE DATABASE {PG_DB}")
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
    else:
        os.environ.pop("DATABASE_URL", None)
    server = None
    try:
        t = time.perf_counter()
        # One resident per swab, plus the few in hospital who are not swabbed.
        world = seed(int(args.swabs * 1.002) + 1, args.stations, args.seed)
        bodies, items = make_bodies(world, args.batch, args.seed)
        swabs = sum(1 for _pk, _c, s in world["people"] if s != "hospital")
        prepared = time.perf_counter() - t
        from django.db import connection

        connection.close()
        server, port = start_server(dict(os.environ), args.workers)
        load = os.getloadavg()
        sent = send(bodies, args.clients, port, world["secret"])
        rss = tree_peak_rss_mb(server.pid)
        server.terminate()
        server.wait(timeout=30)
        server = None
        del bodies
        from shequ.testing.models import Sample, Tube

        rows = Sample.objects.count()
        tubes = Tube.objects.count()
        open_tubes = Tube.objects.filter(status="open").count()
        raw = baseline(database, args.batch)
        return {
            "database": database,
            "swabs": swabs,
            "items": items,
            "batch": args.batch,
            "clients": args.clients,
            "workers": args.workers,
            "stations": args.stations,
            "residents": world["residents"],
            "households": world["households"],
            "prepare_s": prepared,
            "load_before": load,
            "load_after": os.getloadavg(),
            "rows": rows,
            "tubes": tubes,
            "open_tubes": open_tubes,
            "rate": swabs / sent["seconds"],
            "server_rss_mb": rss,
            "baseline": raw,
            **sent,
        }
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if database == "postgres":
            from django.db import connections

            connections.close_all()
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as c:
                c.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


def report(results: list[dict]) -> str:  # type: ignore[type-arg]
    lines = [
        "| database | swabs | seconds | swabs/s | p50 batch | p95 batch | max batch "
        "| server peak RSS | raw baseline rows/s | API / baseline |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        name = {"sqlite": "SQLite (WAL)", "postgres": "PostgreSQL"}[r["database"]]
        base = " / ".join(f"{v:,.0f} ({k})" for k, v in r["baseline"].items())
        ratio = " / ".join(f"{r['rate'] / v:.2f}" for v in r["baseline"].values())
        lines.append(
            f"| {name} | {r['swabs']:,} | {r['seconds']:.1f} | {r['rate']:,.0f} "
            f"| {r['p50_ms']:.0f} ms | {r['p95_ms']:.0f} ms | {r['max_ms']:.0f} ms "
            f"| {r['server_rss_mb']:.0f} MB | {base} | {ratio} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--swabs", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--stations", type=int, default=40)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--workers", type=int, default=1, help="granian worker processes")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--one", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:  # one database, in a process of its own (Django is set up once per process)
        result = run_one(args, args.one)
        Path(args.out).write_text(json.dumps(result))
        return 0

    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    results = []
    for database in databases:
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            cmd = [sys.executable, __file__, *sys.argv[1:], "--one", database, "--out", out.name]
            subprocess.run(cmd, check=True)  # noqa: S603 - this script, again
            r = json.loads(Path(out.name).read_text())
        results.append(r)
        la, lb = r["load_before"], r["load_after"]
        print(
            f"{database}: {r['households']:,} households, {r['residents']:,} residents, "
            f"{r['stations']} stations; seeded and generated in {r['prepare_s']:.1f} s; load "
            f"average at the send {la[0]:.2f} {la[1]:.2f} {la[2]:.2f}, after "
            f"{lb[0]:.2f} {lb[1]:.2f} {lb[2]:.2f}",
            flush=True,
        )
        print(
            f"{database}: {r['swabs']:,} swabs ({r['items']:,} items with the closings) in "
            f"{r['batches']} batches of {r['batch']} by {r['clients']} clients, "
            f"{r['workers']} granian worker(s): {r['seconds']:.2f} s, {r['rate']:,.0f} swabs/s; "
            f"batch p50 {r['p50_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms, max {r['max_ms']:.0f} "
            f"ms; answers {r['counts']}; rows {r['rows']:,}; tubes {r['tubes']:,} "
            f"({r['open_tubes']} open)",
            flush=True,
        )
        ok = r["rows"] == r["swabs"] and r["counts"] == {"created": r["items"]}
        ok = ok and r["open_tubes"] == 0
        print(f"{database}: check rows == swabs, all created, no tube left open: "
              f"{'OK' if ok else 'FAILED'}")  # fmt: skip
        for label, rate in r["baseline"].items():
            print(
                f"{database}: raw baseline ({label}): {rate:,.0f} rows/s; API / baseline "
                f"{r['rate'] / rate:.2f}",
                flush=True,
            )
    print()
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
