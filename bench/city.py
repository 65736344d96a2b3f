"""Benchmark: a seeded city (`shequ seed --scenario city`) measured through the real HTTP API
(issue #23).

    .venv/bin/python bench/city.py --db city_1m [--calls 100] [--ingest 20000]
        [--locust-users 200 --locust-seconds 60] [--port 8765] [--workers 2]

The database must have been seeded with the same PII key and var folder (the QR codes are
signed with the instance's secret key):

    source the environment printed by `bench/city.py --env` (or see bench/README.md), then
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/city_1m shequ seed --scenario city \\
        --residents 1000000

It serves the instance with `shequ serve` (granian, `--workers` processes) on 127.0.0.1,
with `shequ worker` beside it (its periodic jobs; `--no-worker` leaves it out), then, each
over `--calls` calls with other arguments each time, after a warm-up, through HTTP
(requests, keep-alive):

* gate check by pass QR: POST /api/v1/checkpoints/passages:batch with one passage carrying a
  household's QR text (the server reads the pass, its household and holders, and decides);
* gate snapshot: GET …/checkpoints/gates/{id}/snapshot (a compound's offline data);
* missed list of a building: GET …/testing/rounds/{id}/missed?place_id=building;
* pool recall: POST …/testing/rounds/{id}/results, one received tube positive (the lab);
* street coverage: GET …/testing/rounds/{id}/coverage?place_id=street&level=community;
* community daily report: GET …/reports/communities/{id}/{today};
* HQ "today": GET / as the city HQ (a logged-in session);

then ingest: about `--ingest` passages and as many swabs, as the phones send them (each batch
from one gate or one station, `--batch` items at most: 200, the phones' own batch size), by 2
concurrent clients (rows/s, and rows per CPU-second of the server and PostgreSQL); then,
with `--locust-users`, a mixed load by locust (bench/city_locust.py) headless on 127.0.0.1,
its p95 per endpoint and failures.
Prints p50 / p95 / max per endpoint and the load average beside every figure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
VENV_BIN = Path(sys.executable).parent
BENCH_DIR = Path(tempfile.gettempdir()) / "citybench"
ENV = {
    "DJANGO_SETTINGS_MODULE": "shequ.settings",
    "SHEQU_LOCAL_SECRETS": "1",
    "SHEQU_VAR_DIR": str(BENCH_DIR / "var"),
    "SHEQU_PII_KEY": "bench-only-key-not-a-secret-" + "x" * 20,
    "SHEQU_TODAY_CACHE_SECONDS": "60",
}


def log(message: str) -> None:
    print(message, flush=True)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}"


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


# --- the world: arguments picked from the database (not timed) -------------------------------


def world(calls: int) -> dict:
    """Tokens for the HQ and the lab, and `calls` + 1 arguments of each kind."""
    from django.db import connection

    from shequ.checkpoints.passes import pass_token
    from shequ.citygen.shape import CITY_CODE
    from shequ.core import services
    from shequ.core.models import User
    from shequ.testing.models import Round

    n = calls + 1
    rng = random.Random(23)
    hq = User.objects.get(username="city-hq")
    lab = User.objects.get(username="city-lab")
    tokens = {
        u.username: services.api_token_create(actor=None, user=u, name=f"bench {time.time()}")[1]
        for u in (hq, lab)
    }
    today = Round.objects.get(status="running", name__startswith="今日")

    def rows(sql: str, params: list) -> list[tuple]:
        with connection.cursor() as c:
            c.execute(sql, params)
            return c.fetchall()

    def share(table: str, wanted: int) -> float:
        """The percentage of `table` to sample for about twice `wanted` rows."""
        [(total,)] = rows(f"SELECT count(*) FROM {table}", [])  # noqa: S608 - our names
        return min(100.0, 200.0 * wanted / max(total, 1))

    city_path = rows("SELECT path FROM places_place WHERE code = %s", [CITY_CODE])[0][0]
    # A random sample of passes, buildings, streets, communities, received tubes.
    passes = rows(
        "SELECT p.id, p.version, p.household_id, p.community_id, g.id, "
        "(SELECT min(h.resident_id) FROM checkpoints_entrypass_holders h "
        " WHERE h.entrypass_id = p.id) "
        "FROM checkpoints_entrypass p JOIN places_place hh ON hh.id = p.household_id "
        "JOIN places_place b ON b.id = hh.parent_id "
        "JOIN duty_post g ON g.place_id = b.parent_id "
        "WHERE p.id IN (SELECT id FROM checkpoints_entrypass TABLESAMPLE SYSTEM (%s) LIMIT %s)",
        [share("checkpoints_entrypass", max(n, 2000)), max(n, 2000)],
    )
    rng.shuffle(passes)
    gates = [r[0] for r in rows("SELECT id FROM duty_post ORDER BY random() LIMIT %s", [n])]
    buildings = [
        r[0]
        for r in rows(
            "SELECT id FROM places_place WHERE kind = 'building' AND path LIKE %s "
            "ORDER BY random() LIMIT %s",
            [city_path + "%", n],
        )
    ]
    streets = [r[0] for r in rows("SELECT id FROM places_place WHERE kind = 'street'", [])]
    communities = [
        r[0]
        for r in rows(
            "SELECT id FROM places_place WHERE kind = 'community' ORDER BY random() LIMIT %s", [n]
        )
    ]
    tubes = [
        r[0]
        for r in rows(
            "SELECT barcode FROM testing_tube WHERE round_id = %s AND status = 'received' "
            "AND result = '' ORDER BY random() LIMIT %s",
            [today.pk, n],
        )
    ]
    return {
        "tokens": tokens,
        "round": today.pk,
        "passes": [(pk, pass_token(pk, v), hh, c, g, r) for pk, v, hh, c, g, r in passes],
        "gates": gates,
        "buildings": buildings,
        "streets": [streets[k % len(streets)] for k in range(n)],
        "communities": communities,
        "tubes": tubes,
    }


def device_batches(ingest: int, size: int, round_id: int) -> dict:
    """What gate phones and sampling-station phones send after being offline: each batch from
    one device (`size` items at most, the phone's BATCH_SIZE is 200: web/static/shequ/
    offline.js), so one gate's passages (its compound's households going out and back in, in
    time order) and one station's swabs (its community's residents not sampled yet, 10 to a
    tube). About `ingest` items of each, from gates and stations picked at random."""
    from django.db import connection

    rng = random.Random(7)
    now = dt.datetime.now(dt.UTC)

    def rows(sql: str, params: list) -> list[tuple]:
        with connection.cursor() as c:
            c.execute(sql, params)
            return c.fetchall()

    from shequ.checkpoints.passes import pass_token

    gates = [g for (g,) in rows("SELECT id FROM duty_post WHERE kind = 'checkpoint' "
                                "ORDER BY random() LIMIT %s", [max(1, ingest // 150)])]  # fmt: skip
    by_gate: dict[int, list[dict]] = {}
    for gate, pk, version, holder in rows(
        "SELECT g.id, p.id, p.version, (SELECT min(h.resident_id) FROM "
        " checkpoints_entrypass_holders h WHERE h.entrypass_id = p.id) "
        "FROM duty_post g JOIN places_place b ON b.parent_id = g.place_id "
        "JOIN places_place hh ON hh.parent_id = b.id "
        "JOIN checkpoints_entrypass p ON p.household_id = hh.id "
        "WHERE g.id = ANY(%s) AND p.status = 'active' ORDER BY g.id, p.id",
        [gates],
    ):
        out = now - dt.timedelta(seconds=rng.randint(1800, 7200))
        back = out + dt.timedelta(seconds=rng.randint(60, 1700))
        p = (pk, pass_token(pk, version), 0, 0, gate, holder)
        by_gate.setdefault(gate, []).extend([passage(p, out, "out"), passage(p, back, "in")])
    gate_batches: list[list[dict]] = []
    for items in by_gate.values():
        items.sort(key=lambda i: i["device_time"])
        gate_batches += [items[k : k + size] for k in range(0, len(items), size)]
    stations = rows(
        "SELECT DISTINCT ON (s.community_id) st.id, c.path FROM testing_station st "
        "JOIN testing_site s ON s.id = st.site_id JOIN places_place c ON c.id = s.community_id "
        "ORDER BY s.community_id, st.id", [],
    )  # fmt: skip
    rng.shuffle(stations)
    station_batches: list[list[dict]] = []
    taken = 0
    for station, path in stations:
        if taken >= ingest:
            break
        people = [r for (r,) in rows(
            "SELECT r.id FROM residents_resident r JOIN places_place h ON h.id = r.household_id "
            "WHERE h.path LIKE %s AND r.health_status = 'normal' AND NOT EXISTS (SELECT 1 "
            "FROM testing_sample x WHERE x.round_id = %s AND x.resident_id = r.id) "
            "ORDER BY h.path, r.id LIMIT %s", [path + "%", round_id, min(2000, ingest - taken)],
        )]  # fmt: skip
        taken += len(people)
        at = (now - dt.timedelta(minutes=5)).isoformat()
        items = []
        for k in range(0, len(people), 10):
            barcode = f"BENCH-{uuid.uuid4().hex[:12]}"
            items += [{
                "client_uuid": str(uuid.uuid4()), "kind": "swab", "round_id": round_id,
                "station_id": station, "tube": barcode, "resident_id": resident,
                "sampled_at": at,
            } for resident in people[k : k + 10]]  # fmt: skip
        station_batches += [items[k : k + size] for k in range(0, len(items), size)]
    rng.shuffle(gate_batches)
    passages, count = [], 0
    for body in gate_batches:
        if count >= ingest:
            break
        passages.append(body)
        count += len(body)
    return {"passages": passages, "swabs": station_batches}


# --- serving ---------------------------------------------------------------------------------


def serve(port: int, workers: int, threads: int, backpressure: int) -> subprocess.Popen:
    """Granian serving shequ.wsgi as `shequ serve` does, with `threads` request threads per
    worker: each thread holds a database connection, and the server's max_connections (100
    here, shared) is the limit — with granian's default the 200-user load failed with
    "too many clients" (bench/README.md)."""
    shequ = str(VENV_BIN / "shequ")
    subprocess.run(  # noqa: S603 - our own command: collectstatic, as `shequ serve` does
        [str(VENV_BIN / "python"), "-m", "django", "collectstatic", "--noinput", "-v0"],
        env=os.environ, check=True,
    )  # fmt: skip
    command = (
        [shequ, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers),
         "--no-task-worker"]
        if not threads
        else [str(VENV_BIN / "python"), "-m", "granian", "--interface", "wsgi", "--host",
              "127.0.0.1", "--port", str(port), "--workers", str(workers),
              "--blocking-threads", str(threads), "--backpressure", str(backpressure),
              "shequ.wsgi:application"]
    )  # fmt: skip
    # The server's log (an error's traceback) goes beside the bench's var folder.
    server_log = Path(os.environ.get("SHEQU_VAR_DIR", "var")).parent / "server.log"
    log(f"  server log: {server_log}")
    proc = subprocess.Popen(  # noqa: S603 - our own command
        command, env=os.environ, stdout=subprocess.DEVNULL,
        stderr=server_log.open("w"),  # open while the server runs
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/api/v1/health"
    for _ in range(240):
        try:
            if requests.get(url, timeout=2).status_code in (200, 503):
                return proc
        except requests.RequestException:
            pass
        time.sleep(0.5)
    proc.terminate()
    raise SystemExit("the server did not answer within 2 minutes")


def api(base: str, token: str) -> requests.Session:
    s = requests.Session()
    s.headers.update({"Authorization": f"Bearer {token}", "Accept-Language": "zh-hans"})
    s.base = base  # type: ignore[attr-defined]
    return s


def login(base: str, username: str, password: str) -> requests.Session:
    s = requests.Session()
    s.get(f"{base}/login/")
    r = s.post(
        f"{base}/login/",
        data={"username": username, "password": password,
              "csrfmiddlewaretoken": s.cookies.get("csrftoken", "")},
        headers={"Referer": f"{base}/login/"}, allow_redirects=False,
    )  # fmt: skip
    assert r.status_code == 302, f"login failed: {r.status_code}"
    return s


def passage(p: tuple, at: dt.datetime, direction: str = "out") -> dict:
    _pk, code, _hh, _c, gate, resident = p
    return {
        "client_uuid": str(uuid.uuid4()), "gate_id": gate, "device_time": at.isoformat(),
        "direction": direction, "subject": "resident", "pass_code": code,
        "resident_id": resident, "temperature": 36.5, "health_code": "green",
    }  # fmt: skip


def timed(label: str, fn, args: list) -> dict:
    """fn(arg) for each arg; the first is a warm-up, the rest are timed."""
    times = []
    for k, arg in enumerate(args):
        t = time.perf_counter()
        fn(arg)
        if k:
            times.append((time.perf_counter() - t) * 1000)
    row = {"label": label, "calls": len(times), "p50": statistics.median(times),
           "p95": pct(times, 0.95), "max": max(times), "load": load()}  # fmt: skip
    log(f"  {label}: p50 {row['p50']:.1f} ms, p95 {row['p95']:.1f} ms ({row['load']})")
    return row


def calls(base: str, w: dict) -> list[dict]:
    from shequ.scenarios import DEMO_PASSWORD

    hq = api(base, w["tokens"]["city-hq"])
    lab = api(base, w["tokens"]["city-lab"])
    rid = w["round"]
    now = dt.datetime.now(dt.UTC)
    today = dt.date.today().isoformat()

    def ok(r: requests.Response) -> requests.Response:
        assert r.status_code in (200, 201), (r.status_code, r.text[:300])
        return r

    def qr(p: tuple) -> None:
        [answer] = ok(hq.post(f"{base}/api/v1/checkpoints/passages:batch",
                              json={"items": [passage(p, now)]})).json()  # fmt: skip
        assert answer["status"] == "created", answer

    def snapshot(gate: int) -> None:
        assert ok(hq.get(f"{base}/api/v1/checkpoints/gates/{gate}/snapshot")).json()["passes"]

    def missed(building: int) -> None:
        ok(hq.get(f"{base}/api/v1/testing/rounds/{rid}/missed", params={"place_id": building}))

    def recall(tube: str) -> None:
        body = {"results": [{"tube": tube, "result": "positive"}]}
        [a] = ok(lab.post(f"{base}/api/v1/testing/rounds/{rid}/results", json=body)).json()
        assert a["recall_id"], a

    def coverage(street: int) -> None:
        ok(hq.get(f"{base}/api/v1/testing/rounds/{rid}/coverage",
                  params={"place_id": street, "level": "community"}))  # fmt: skip

    def report(community: int) -> None:
        ok(hq.get(f"{base}/api/v1/reports/communities/{community}/{today}"))

    session = login(base, "city-hq", DEMO_PASSWORD)

    def home(_n: int) -> None:
        r = session.get(f"{base}/")
        assert r.status_code == 200, r.status_code
        assert 'data-testid="home-today"' in r.text

    n = len(w["gates"])
    return [
        timed("gate check by pass QR (1 passage)", qr, w["passes"][:n]),
        timed("gate snapshot (a compound)", snapshot, w["gates"]),
        timed("missed list of a building", missed, w["buildings"]),
        timed("pool recall (1 tube positive)", recall, w["tubes"]),
        timed("street coverage per community", coverage, w["streets"]),
        timed("community daily report", report, w["communities"]),
        timed('HQ "today" (home page)', home, list(range(n))),
    ]


def _backends(db: str) -> list[int]:
    """The PostgreSQL backends connected to the bench database (the server's connections)."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [db],
        )
        return [pid for (pid,) in c.fetchall()]


def ingest(base: str, w: dict, server: subprocess.Popen, db: str, clients: int = 2) -> list[dict]:
    """Passages and swabs as the phones send them (`device_batches`), `clients` devices at
    once, each sending its batches one after the other; rows/s of wall time, and the CPU the
    server (granian's processes) and PostgreSQL's backends used for them: on a shared machine
    rows per CPU-second is the figure that does not depend on the neighbours."""
    from batch_harness import cpu_seconds, process_tree

    out = []
    for label, path in (
        ("passages", "/api/v1/checkpoints/passages:batch"),
        ("swabs", "/api/v1/testing/swabs:batch"),
    ):
        bodies = w["batches"][label]
        rows = sum(len(b) for b in bodies)
        counts: dict[str, int] = {}
        lock = threading.Lock()
        latencies: list[float] = []

        def send(mine: list, counts: dict = counts, lock: threading.Lock = lock,
                 path: str = path, latencies: list = latencies) -> None:  # fmt: skip
            s = api(base, w["tokens"]["city-hq"])
            for body in mine:
                t = time.perf_counter()
                r = s.post(base + path, json={"items": body}, timeout=600)
                took = time.perf_counter() - t
                assert r.status_code == 200, (r.status_code, r.text[:300])
                with lock:
                    latencies.append(took * 1000)
                    for a in r.json():
                        counts[a["status"]] = counts.get(a["status"], 0) + 1

        threads = [threading.Thread(target=send, args=(bodies[c::clients],))
                   for c in range(clients)]  # fmt: skip
        app = process_tree(server.pid)
        app_cpu = cpu_seconds(app)
        db_cpu = {p: cpu_seconds([p]) for p in _backends(db)}
        t, before = time.perf_counter(), load()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        took = time.perf_counter() - t
        app_cpu = cpu_seconds(app) - app_cpu
        # Backends that were there before the send, and any that opened during it.
        db_cpu = sum(cpu_seconds([p]) - db_cpu.get(p, 0.0) for p in _backends(db))
        cpu = app_cpu + db_cpu
        row = {"label": label, "rows": rows, "batches": len(bodies), "seconds": took,
               "rate": rows / took, "counts": counts, "load": f"{before} → {load()}",
               "p95": pct(latencies, 0.95), "app_cpu": app_cpu, "db_cpu": db_cpu,
               "per_cpu": rows / cpu if cpu else 0.0}  # fmt: skip
        log(f"  ingest {label}: {rows:,} in {len(bodies)} batches ({rows / len(bodies):.0f} "
            f"a batch) in {took:.1f} s = {row['rate']:,.0f} rows/s, batch p95 "
            f"{row['p95']:.0f} ms, {counts}; CPU: server {app_cpu:.1f} s + PostgreSQL "
            f"{db_cpu:.1f} s = {1000 * cpu / rows:.3f} ms a row ({row['per_cpu']:,.0f} rows "
            f"per CPU-second) ({row['load']})")  # fmt: skip
        out.append(row)
    return out


def locust(
    base: str, w: dict, users: int, seconds: int, server: subprocess.Popen, db: str, wait: str
) -> None:
    """The mixed load: bench/city_locust.py, headless, `users` users each pausing `wait`
    seconds ("min,max") between calls; prints p50 / p95 per endpoint and the failures from
    locust's CSV, the requests per second, and the CPU that the server, PostgreSQL and locust
    itself used (on 2 shared cores the load generator competes with the server)."""
    import csv

    from batch_harness import cpu_seconds, process_tree

    exe = os.environ.get("LOCUST", str(VENV_BIN / "locust"))
    args_file = BENCH_DIR / "locust_world.json"
    args_file.write_text(json.dumps({
        "token": w["tokens"]["city-hq"], "lab": w["tokens"]["city-lab"], "round": w["round"],
        "gates": w["gates"], "buildings": w["buildings"], "streets": w["streets"],
        "communities": w["communities"], "passes": w["passes"],
    }))  # fmt: skip
    log(f"locust: {users} users for {seconds} s, {wait} s between calls ({load()})")
    app = process_tree(server.pid)
    app_cpu = cpu_seconds(app)
    db_cpu = {p: cpu_seconds([p]) for p in _backends(db)}
    started = time.perf_counter()
    proc = subprocess.Popen(  # noqa: S603 - our own command
        [exe, "-f", str(REPO / "bench" / "city_locust.py"), "--headless", "-u", str(users),
         "-r", str(max(1, users // 10)), "-t", f"{seconds}s", "--host", base, "--only-summary",
         "--csv", str(BENCH_DIR / "locust")],
        env={**os.environ, "CITY_WORLD": str(args_file), "CITY_WAIT": wait},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    # Polled for the CPU of the load generator (gone once it exits).
    locust_cpu = 0.0
    while proc.poll() is None:
        locust_cpu = max(locust_cpu, cpu_seconds(process_tree(proc.pid)))
        time.sleep(1)
    took = time.perf_counter() - started
    app_cpu = cpu_seconds(app) - app_cpu
    db_cpu = sum(cpu_seconds([p]) - db_cpu.get(p, 0.0) for p in _backends(db))
    with open(BENCH_DIR / "locust_stats.csv", encoding="utf-8") as f:
        stats = list(csv.DictReader(f))
    log("\n| endpoint | requests | failures | p50 ms | p95 ms | max ms | req/s |")
    log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in stats:
        log(f"| {r['Name']} | {r['Request Count']} | {r['Failure Count']} | "
            f"{r['50%']} | {r['95%']} | {float(r['Max Response Time']):.0f} | "
            f"{float(r['Requests/s']):.1f} |")  # fmt: skip
    log(f"locust done in {took:.0f} s; CPU: server {app_cpu:.1f} s, PostgreSQL {db_cpu:.1f} s, "
        f"locust {locust_cpu:.1f} s ({load()})")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", default="city_1m")
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--ingest", type=int, default=20000)
    parser.add_argument(
        "--batch", type=int, default=200, help="items per batch (the phones send 200)"
    )
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--threads", type=int, default=8, help="request threads per worker (0: shequ serve's)"
    )
    parser.add_argument(
        "--backpressure", type=int, default=256,
        help="connections each worker admits (granian holds one per open keep-alive "
        "connection, idle or not: with 8, 200 paced users got 1.6 requests/s)",
    )  # fmt: skip
    parser.add_argument("--skip-calls", action="store_true", help="only ingest and locust")
    parser.add_argument("--no-worker", action="store_true", help="serve without the task worker")
    parser.add_argument("--locust-users", type=int, default=0)
    parser.add_argument("--locust-seconds", type=int, default=60)
    parser.add_argument(
        "--locust-wait", default="5,15", help="seconds between a user's calls: min,max"
    )
    parser.add_argument("--env", action="store_true", help="print the environment and stop")
    args = parser.parse_args()
    if args.env:
        print("\n".join(f"export {k}={v}" for k, v in ENV.items()))
        return 0
    # A city seeded under its own keys (SHEQU_PII_KEY set before `shequ seed`) keeps them.
    for name, value in ENV.items():
        os.environ.setdefault(name, value)
    # The server runs this checkout's code, whatever the virtualenv has installed.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(REPO / "src"), os.environ.get("PYTHONPATH", "")])
    )
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.db}"
    Path(ENV["SHEQU_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    import django

    django.setup()
    from shequ.residents.models import Resident

    log(f"{args.db}: {Resident.objects.count():,} residents; {load()}")
    w = world(args.calls)
    w["batches"] = device_batches(args.ingest, args.batch, w["round"])
    server = serve(args.port, args.workers, args.threads, args.backpressure)
    # The task worker beside the server, as `shequ serve` runs one: among its periodic jobs,
    # the city HQ's home kept fresh in the shared cache (reports/warm.py).
    worker = None
    if not args.no_worker:
        worker = subprocess.Popen(  # noqa: S603 - our own command
            [str(VENV_BIN / "shequ"), "worker"], env=os.environ,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
    base = f"http://127.0.0.1:{args.port}"
    try:
        rows = [] if args.skip_calls else calls(base, w)
        log("\n| call | calls | p50 ms | p95 ms | max ms | load (1/5 min) |")
        log("| --- | ---: | ---: | ---: | ---: | --- |")
        for r in rows:
            log(f"| {r['label']} | {r['calls']} | {r['p50']:.1f} | {r['p95']:.1f} "
                f"| {r['max']:.1f} | {r['load']} |")  # fmt: skip
        if args.ingest:
            ingest(base, w, server, args.db)
        if args.locust_users:
            locust(base, w, args.locust_users, args.locust_seconds, server, args.db,
                   args.locust_wait)  # fmt: skip
    finally:
        for proc in (server, worker):
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
