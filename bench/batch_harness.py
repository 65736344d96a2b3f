"""What the batch-ingest benchmarks share (`ingest_passages.py`, `ingest_swabs.py`).

A scratch database, granian serving the real WSGI app on a free port of 127.0.0.1, client
processes that POST prepared bodies over keep-alive connections and time each batch, the
server's CPU and peak memory, and the raw-insert baseline of the same rows.

Spreading the clients: granian's workers share one listening socket, and the kernel hands
each new connection to whichever worker takes it first. With two clients on keep-alive
connections and two workers, half the runs put both connections on one worker, which then
serves both while the other idles (about a third less throughput, by luck). Many devices
spread over the workers; two do not. So by default each client reconnects until its
connection is served by a worker of its own (`spread=True`: found through /proc, before the
timing starts), and the report says so; `spread=False` keeps the kernel's placement.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
# In SQLite's CREATE statements: a foreign key clause; an index's name and table.
_REFERENCES = r' REFERENCES "[^"]+" \("id"\)( DEFERRABLE INITIALLY DEFERRED)?'
_INDEX = r'INDEX "([^"]+)" ON "[^"]+"'


# --- the command line ----------------------------------------------------------------------


def common_arguments(parser: argparse.ArgumentParser) -> None:
    """The options both ingest benchmarks take (and the hidden ones of the per-database run)."""
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--database", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--workers", type=int, default=2, help="granian worker processes")
    parser.add_argument(
        "--no-spread", action="store_true",
        help="leave the clients' connections where the kernel puts them (see batch_harness)",
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--one", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)


def run_databases(
    args: argparse.Namespace, script: str, run_one: Callable[[argparse.Namespace, str], dict]
) -> list[dict[str, Any]] | None:
    """With `--one DATABASE`: run that database here (Django is set up once per process),
    write the result to `--out` and answer None. Otherwise run this script again once per
    database asked for, each in its own process, and answer their results."""
    if args.one:
        Path(args.out).write_text(json.dumps(run_one(args, args.one)))
        return None
    databases = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    results = []
    for database in databases:
        with tempfile.NamedTemporaryFile(suffix=".json") as out:
            load = os.getloadavg()
            print(
                f"{database}: load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
                f"before the run",
                flush=True,
            )
            cmd = [sys.executable, script, *sys.argv[1:], "--one", database, "--out", out.name]
            subprocess.run(cmd, check=True)  # noqa: S603 - our own interpreter and script
            results.append(json.loads(Path(out.name).read_text()))
    return results


# --- the database ----------------------------------------------------------------------------


def scratch_environment(database: str, pg_db: str, prefix: str) -> str:
    """Point Django at a fresh database (a SQLite file in a new temp folder, or a new
    PostgreSQL database `pg_db`); the temp folder, for `drop_environment`."""
    tmp = tempfile.mkdtemp(prefix=prefix)
    os.environ["DJANGO_SETTINGS_MODULE"] = "shequ.settings"
    os.environ["SHEQU_VAR_DIR"] = tmp
    os.environ["SHEQU_LOCAL_SECRETS"] = "1"
    if database == "postgres":
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {pg_db}")
            c.execute(f"CREATE DATABASE {pg_db}")
        os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{pg_db}"
    else:
        os.environ.pop("DATABASE_URL", None)
    return tmp


def drop_environment(database: str, pg_db: str, tmp: str) -> None:
    if database == "postgres":
        from django.db import connections

        connections.close_all()
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {pg_db}")
    shutil.rmtree(tmp, ignore_errors=True)


def database_pids(database: str, pg_db: str) -> list[int]:
    """The PostgreSQL backends serving the bench database (the app's connections persist)."""
    if database != "postgres":
        return []
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as c:
        rows = c.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [pg_db],
        ).fetchall()
    return [r[0] for r in rows]


def buildings_and_households(compounds: list[Any], buildings: int, rooms: int) -> tuple[list, list]:
    """`buildings` buildings in each compound, `rooms` households in each building."""
    from shequ.places.models import Place, PlaceKind
    from shequ.places.services import places_insert

    made = places_insert(
        [
            Place(kind=PlaceKind.BUILDING, parent=k, code=f"{k.code}-{b}", name=f"{b + 1}号楼")
            for k in compounds
            for b in range(buildings)
        ]
    )
    households = places_insert(
        [
            Place(
                kind=PlaceKind.HOUSEHOLD, parent=b, code=f"{b.code}-{r + 101}", name=f"{r + 101}室"
            )
            for b in made
            for r in range(rooms)
        ]
    )
    return made, households


# --- the server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(
    env: dict[str, str], workers: int, threads: int | None = None
) -> tuple[subprocess.Popen, int]:
    """granian with `shequ.wsgi:application`, once /api/v1/health answers."""
    port = free_port()
    cmd = [
        sys.executable, "-m", "granian", "--interface", "wsgi", "--host", "127.0.0.1",
        "--port", str(port), "--workers", str(workers), "--log-level", "warning",
    ]  # fmt: skip
    if threads:
        cmd += ["--blocking-threads", str(threads)]
    server = subprocess.Popen([*cmd, "shequ.wsgi:application"], env=env)  # noqa: S603 - ours
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


def process_tree(pid: int) -> list[int]:
    """A process and its descendants (granian's main process and its workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        todo.extend(children.get(p, ()))
    return found


def peak_rss_mb(pids: list[int]) -> float:
    """Sum of the processes' VmHWM."""
    total = 0
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far."""
    total = 0
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return total / os.sysconf("SC_CLK_TCK")


def _serving_worker(server_port: int, client_port: int, workers: list[int]) -> int | None:
    """Which of the worker processes holds the server's end of the connection from
    127.0.0.1:`client_port` (/proc/net/tcp gives its socket inode, /proc/PID/fd who has it)."""
    local, remote = f"0100007F:{server_port:04X}", f"0100007F:{client_port:04X}"
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        if parts[1] == local and parts[2] == remote:
            inode = parts[9]
    if inode is None:
        return None
    for pid in workers:
        try:
            fds = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(fd) == f"socket:[{inode}]":
                    return pid
            except OSError:  # closed while we looked
                continue
    return None


# --- the clients -----------------------------------------------------------------------------

_BODIES: list[bytes] = []


def _connect(port: int, want: int | None, workers: list[int]) -> http.client.HTTPConnection:
    """A keep-alive connection, served by worker `want` when one is named."""
    for _attempt in range(500):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("GET", "/api/v1/health")
        conn.getresponse().read()
        if want is None:
            return conn
        if _serving_worker(port, conn.sock.getsockname()[1], workers) == want:
            return conn
        conn.close()
    raise RuntimeError(f"no connection reached worker {want}")


def _client(me: int, clients: int, port: int, secret: str, path: str, workers: list[int],
            spread: bool, barrier, results) -> None:  # fmt: skip
    """POST every `clients`-th body over one keep-alive connection, timing each batch."""
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json"}
    latencies: list[float] = []
    counts: dict[str, int] = {}
    try:
        want = workers[me % len(workers)] if spread and workers else None
        conn = _connect(port, want, workers)
        worker = _serving_worker(port, conn.sock.getsockname()[1], workers)
        barrier.wait()
        for body in _BODIES[me::clients]:
            t = time.perf_counter()
            conn.request("POST", path, body, headers)
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
        conn.close()
    except Exception as exc:  # noqa: BLE001 - reported by the parent
        results.put((me, None, repr(exc), None, 0.0))
        return
    results.put((me, latencies, counts, worker, time.process_time()))


def send(
    bodies: list[bytes],
    *,
    path: str,
    clients: int,
    port: int,
    secret: str,
    workers: list[int],
    spread: bool = True,
    poll: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """POST the bodies from `clients` processes (connected before the clock starts); `poll()`
    is called about once a second. Seconds, answers by status, batch latency percentiles,
    the clients' CPU, and which worker served each client."""
    global _BODIES
    _BODIES = bodies
    ctx = mp.get_context("fork")  # the children inherit the bodies
    barrier = ctx.Barrier(clients + 1)
    results = ctx.Queue()
    procs = [
        ctx.Process(
            target=_client,
            args=(c, clients, port, secret, path, workers, spread, barrier, results),
        )
        for c in range(clients)
    ]
    for p in procs:
        p.start()
    try:
        barrier.wait(timeout=120)
    except threading.BrokenBarrierError:
        parts = [results.get(timeout=5) for _p in procs]
        raise RuntimeError(f"clients failed to connect: {parts}") from None
    t = time.perf_counter()
    parts = []
    while len(parts) < len(procs):
        try:
            parts.append(results.get(timeout=1))
        except queue.Empty:
            if poll is not None:
                poll()
    seconds = time.perf_counter() - t
    if poll is not None:
        poll()
    for p in procs:
        p.join()
    failed = [err for _me, lat, err, _w, _cpu in parts if lat is None]
    if failed:
        raise RuntimeError(f"client failed: {failed}")
    latencies = sorted(x for _me, lat, _c, _w, _cpu in parts for x in lat)
    counts: dict[str, int] = {}
    for _me, _l, c, _w, _cpu in parts:
        for k, v in c.items():
            counts[k] = counts.get(k, 0) + v

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    served_by = [workers.index(w) if w in workers else -1 for _me, _l, _c, w, _cpu in sorted(parts)]
    return {
        "seconds": seconds,
        "counts": counts,
        "batches": len(latencies),
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "max_ms": latencies[-1] * 1000,
        "client_cpu_s": sum(cpu for *_rest, cpu in parts),
        "served_by": served_by,
        "spread": spread,
    }


def serve_and_send(
    database: str,
    pg_db: str,
    bodies: list[bytes],
    *,
    path: str,
    secret: str,
    clients: int,
    workers: int,
    threads: int | None = None,
    spread: bool = True,
) -> dict[str, Any]:
    """Start granian, send the bodies (`send`), stop it: what `send` measured, plus the CPU
    of each worker and of the PostgreSQL backends during the send, the server's peak RSS and
    the load average before and after."""
    from django.db import connection

    connection.close()
    server, port = start_server(dict(os.environ), workers, threads)
    try:
        load = os.getloadavg()
        app = process_tree(server.pid)
        worker_pids = sorted(p for p in app if p != server.pid)
        before = {p: cpu_seconds([p]) for p in app}
        # PostgreSQL backends of the bench database come and go (CONN_MAX_AGE): each one's
        # CPU time as last seen (polled every second; a backend's CPU before the send is the
        # health check's, a few queries).
        backends: dict[int, float] = {}

        def poll() -> None:
            for pid in database_pids(database, pg_db):
                backends[pid] = max(backends.get(pid, 0.0), cpu_seconds([pid]))

        sent = send(
            bodies, path=path, clients=clients, port=port, secret=secret,
            workers=worker_pids, spread=spread, poll=poll,
        )  # fmt: skip
        each = {p: cpu_seconds([p]) - c for p, c in before.items()}
        rss = peak_rss_mb(process_tree(server.pid))
        return {
            **sent,
            "load_before": load,
            "load_after": os.getloadavg(),
            "app_cpu_s": sum(each.values()),
            "worker_cpu_s": [each[p] for p in worker_pids],
            "db_cpu_s": sum(backends.values()),
            "server_rss_mb": rss,
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


def report(results: list[dict[str, Any]], noun: str) -> str:
    """The results as a Markdown table (`noun`: the key of the count, e.g. "passages")."""
    lines = [
        f"| database | {noun} | seconds | {noun}/s | p50 batch | p95 batch | max batch "
        "| server peak RSS | raw baseline rows/s | API / baseline |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        name = {"sqlite": "SQLite (WAL)", "postgres": "PostgreSQL"}[r["database"]]
        base = " / ".join(f"{v:,.0f} ({k})" for k, v in r["baseline"].items())
        ratio = " / ".join(f"{r['rate'] / v:.2f}" for v in r["baseline"].values())
        lines.append(
            f"| {name} | {r[noun]:,} | {r['seconds']:.1f} | {r['rate']:,.0f} "
            f"| {r['p50_ms']:.0f} ms | {r['p95_ms']:.0f} ms | {r['max_ms']:.0f} ms "
            f"| {r['server_rss_mb']:.0f} MB | {base} | {ratio} |"
        )
    return "\n".join(lines)


def cpu_line(r: dict[str, Any], count: int, noun: str) -> str:
    cpu = r["app_cpu_s"] + r["db_cpu_s"]
    return (
        f"{r['database']}: CPU used during the send: server {r['app_cpu_s']:.1f} s (workers "
        + " + ".join(f"{c:.1f}" for c in r["worker_cpu_s"])
        + ")"
        + (f" + PostgreSQL backends {r['db_cpu_s']:.1f} s" if r["db_cpu_s"] else "")
        + f" = {1000 * cpu / count:.3f} ms per {noun} ({count / cpu:,.0f} per CPU-second); "
        f"the clients {r['client_cpu_s']:.1f} s"
    )


def baseline_lines(r: dict[str, Any]) -> list[str]:
    """One line per raw baseline: its rows/s and the API's rate against it."""
    return [
        f"{r['database']}: raw baseline ({label}): {rate:,.0f} rows/s; API / baseline "
        f"{r['rate'] / rate:.2f}"
        for label, rate in r["baseline"].items()
    ]


def placement(sent: dict[str, Any]) -> str:
    """How the clients' connections sat on the workers, in words."""
    workers = ", ".join(f"client {n + 1} → worker {w + 1}" for n, w in enumerate(sent["served_by"]))
    how = "spread by the bench" if sent["spread"] else "as the kernel placed them"
    return f"{workers} ({how})"


# --- the raw baseline ------------------------------------------------------------------------


def raw_baseline(
    database: str,
    pg_db: str,
    model: Any,
    fields: list[str],
    batch: int,
    rows_of: tuple[str, int] | None = None,
) -> dict[str, float]:
    """The rows of `model`'s table, read back and inserted raw into scratch copies of it in
    batches of `batch`, one commit per batch: rows/s per way. With `rows_of` (column, value)
    only those rows are timed; the table's other rows (an earlier round's) are put into each
    copy first, untimed, so that both start as full as the real table did.

    Two copies: one with the same columns, indexes, checks **and foreign keys** as the table
    (what the endpoint's own inserts must satisfy), one without the foreign keys. On
    PostgreSQL each is filled with psycopg `executemany` and with COPY; on SQLite with
    `sqlite3` `executemany`.
    """
    from django.db import connection

    table = model._meta.db_table
    columns = [model._meta.get_field(f).column for f in fields]
    json_columns = {
        model._meta.get_field(f).column
        for f in fields
        if model._meta.get_field(f).get_internal_type() == "JSONField"
    }
    out: dict[str, float] = {}
    if database == "sqlite":
        import sqlite3

        path = connection.settings_dict["NAME"]
        connection.close()
        db = sqlite3.connect(path, isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        rows, before = _rows(db, table, columns, columns, rows_of, "?")
        schema = db.execute(
            "SELECT type, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL",
            [table],
        ).fetchall()
        for label, keys in (("executemany", True), ("executemany, no foreign keys", False)):
            copy = "bench_raw_fk" if keys else "bench_raw"
            db.execute(f"PRAGMA foreign_keys={'ON' if keys else 'OFF'}")
            for kind, sql in schema:
                if kind == "table":
                    if not keys:
                        sql = re.sub(_REFERENCES, "", sql)
                    db.execute(sql.replace(f'"{table}"', f'"{copy}"', 1))
                elif kind == "index":  # CREATE [UNIQUE] INDEX "name" ON "table" (...)
                    db.execute(
                        re.sub(
                            r'INDEX "([^"]+)" ON "[^"]+"', rf'INDEX "\1_{copy}" ON "{copy}"', sql
                        )
                    )
            insert = (
                f"INSERT INTO {copy} ({', '.join(columns)}) "  # noqa: S608
                f"VALUES ({', '.join('?' * len(columns))})"
            )
            db.execute("BEGIN IMMEDIATE")
            db.executemany(insert, before)
            db.execute("COMMIT")
            t = time.perf_counter()
            for start in range(0, len(rows), batch):
                db.execute("BEGIN IMMEDIATE")
                db.executemany(insert, rows[start : start + batch])
                db.execute("COMMIT")
            out[label] = len(rows) / (time.perf_counter() - t)
            count = db.execute(f"SELECT count(*) FROM {copy}").fetchone()[0]  # noqa: S608
            assert count == len(rows) + len(before), (count, len(rows), len(before))
        db.close()
        return out

    import psycopg

    connection.close()
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{pg_db}") as db:
        keys = db.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype = 'f'",
            [table],
        ).fetchall()
        for copy, with_keys in (("bench_raw_fk", True), ("bench_raw", False)):
            db.execute(f"CREATE TABLE {copy} (LIKE {table} INCLUDING ALL)")
            if with_keys:
                for name, definition in keys:
                    db.execute(f'ALTER TABLE {copy} ADD CONSTRAINT "{name}_raw" {definition}')
        db.commit()
        select = [f"{c}::text" if c in json_columns else c for c in columns]
        rows, before = _rows(db, table, columns, select, rows_of, "%s")
        db.commit()
        cols = ", ".join(columns)
        values = ", ".join("%s::jsonb" if c in json_columns else "%s" for c in columns)
        for copy, suffix in (("bench_raw_fk", ""), ("bench_raw", ", no foreign keys")):
            for way in ("executemany", "copy"):
                db.execute(f"TRUNCATE {copy}")
                with db.cursor() as cur, cur.copy(f"COPY {copy} ({cols}) FROM STDIN") as cp:
                    for row in before:
                        cp.write_row(row)
                db.commit()
                t = time.perf_counter()
                with db.cursor() as cur:
                    for start in range(0, len(rows), batch):
                        chunk = rows[start : start + batch]
                        if way == "executemany":
                            insert = f"INSERT INTO {copy} ({cols}) VALUES ({values})"  # noqa: S608
                            cur.executemany(insert, chunk)
                        else:
                            with cur.copy(f"COPY {copy} ({cols}) FROM STDIN") as cp:
                                for row in chunk:
                                    cp.write_row(row)
                        db.commit()
                out[way + suffix] = len(rows) / (time.perf_counter() - t)
                count = db.execute(f"SELECT count(*) FROM {copy}").fetchone()[0]  # noqa: S608
                assert count == len(rows) + len(before), (count, len(rows), len(before))
                db.commit()
    return out


def _rows(
    db: Any,
    table: str,
    columns: list[str],
    select: list[str],
    rows_of: tuple[str, int] | None,
    mark: str,
) -> tuple[list[Any], list[Any]]:
    """(the rows to time, the rows to put in first), in id order."""
    sql = f"SELECT {', '.join(select)} FROM {table}"  # noqa: S608
    if rows_of is None:
        return db.execute(sql + " ORDER BY id").fetchall(), []
    column, value = rows_of
    assert column in columns, column
    timed = db.execute(f"{sql} WHERE {column} = {mark} ORDER BY id", [value]).fetchall()
    first = db.execute(f"{sql} WHERE {column} <> {mark} ORDER BY id", [value]).fetchall()
    return timed, first
