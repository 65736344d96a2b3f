"""Benchmark: passages through the HTTP batch endpoint, against a raw insert baseline (issue #7).

    .venv/bin/python bench/ingest_passages.py [--passages 1000000] [--batch 500] [--clients 2]
        [--database sqlite|postgres|both] [--workers 2] [--blocking-threads N] [--no-spread]

For each database, in its own process: a fresh database (SQLite file in a temp folder, WAL;
or a scratch PostgreSQL database on 127.0.0.1:5432), migrated and seeded with one community
(three compounds, four checkpoint gates, ~2,000 households with entry passes, ~5,000
residents, a few in home isolation, a few passes revoked, lost or reissued) and a community
staff user with an API token. It generates the passages a set of gate devices would send (a
realistic mix: residents scanning their pass QR code, some also picked by name, visitors,
vehicles, temperatures and health codes, a few fevers, red/yellow codes and bad passes that
are refused), starts granian on a free port on 127.0.0.1 with the real WSGI app, and then
`--clients` processes POST their share to /api/v1/checkpoints/passages:batch in batches over
keep-alive connections (http.client), timing each batch. Each client's connection is served
by a worker of its own unless `--no-spread` (why: `batch_harness.py`).

Printed: passages/s (all passages / wall time of the send phase), p50/p95/max batch latency,
which worker served which client, the CPU of granian's workers and of the PostgreSQL
backends, the server's peak RSS (granian and its workers, VmHWM), and the check that the
table holds one row per passage sent and every answer was "created". Then the raw baseline in
the same run: the same rows, read back from the passage table, inserted into empty scratch
copies of the table in the same batch size, one commit per batch — one copy with the same
columns, indexes, checks and foreign keys, one without the foreign keys; psycopg
`executemany` and COPY on PostgreSQL, `sqlite3` `executemany` on SQLite — and the ratio of
the API rate to each.

Issue #7's targets: ≥ 10,000 passages/s on PostgreSQL, ≥ 0.5 × the raw baseline, p95 < 250 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import uuid

import batch_harness as harness

PG_DB = "shequ_bench_ingest"
PATH = "/api/v1/checkpoints/passages:batch"
COMPOUNDS, BUILDINGS, ROOMS = 3, 12, 60  # 2,160 households
GATES = 4


# --- seeding ---------------------------------------------------------------------------------


def seed(seed_value: int) -> dict:
    """Migrate and fill the database; what the item generator needs."""
    import datetime as dt

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.db import transaction
    from django.utils import timezone

    from shequ.checkpoints.models import EntryPass, PassStatus
    from shequ.checkpoints.passes import pass_token
    from shequ.core.models import User
    from shequ.core.services import api_token_create, role_grant
    from shequ.duty.services import post_create
    from shequ.places.models import Place, PlaceKind
    from shequ.places.services import place_create, places_insert
    from shequ.residents.idcard import check_char
    from shequ.residents.models import Resident

    rng = random.Random(seed_value)
    parent = place_create(actor=None, kind=PlaceKind.CITY, code="B", name="基准市")
    for kind in (PlaceKind.DISTRICT, PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.GRID):
        parent = place_create(
            actor=None, kind=kind, code=f"B-{kind}", name=str(kind), parent=parent
        )
    grid = parent
    community = grid.parent
    user = User.objects.create_user("gate", "x")
    role_grant(actor=None, user=user, role="community_staff", place=community)
    # A second member of staff, so alerts notify more than one person.
    other = User.objects.create_user("staff2", "x")
    role_grant(actor=None, user=other, role="community_staff", place=community)

    with transaction.atomic():
        compounds = places_insert(
            [
                Place(kind=PlaceKind.COMPOUND, parent=grid, code=f"K{c}", name=f"小区{c + 1}")
                for c in range(COMPOUNDS)
            ]
        )
        _buildings, households = harness.buildings_and_households(compounds, BUILDINGS, ROOMS)
        residents = []
        n = 0
        for h in households:
            for _k in range(1 + rng.randrange(4)):
                born = dt.date(1940, 1, 1) + dt.timedelta(days=n // 1000 * 37 + n % 29)
                first17 = f"629999{born:%Y%m%d}{n % 1000:03d}"
                residents.append(
                    Resident(
                        name=f"居民{n}",
                        gender="male" if n % 2 else "female",
                        birth_date=born,
                        document_number=first17 + check_char(first17),
                        phone=f"100{n:08d}" if n % 3 else "",
                        household_id=h.pk,
                    )
                )
                n += 1
        Resident.objects.bulk_create(residents, batch_size=2000)
        today = timezone.localdate()
        passes = EntryPass.objects.bulk_create(
            [
                EntryPass(
                    community=community,
                    household=h,
                    valid_from=today - dt.timedelta(days=30),
                    valid_until=today + dt.timedelta(days=300),
                    issued_by=user,
                )
                for h in households
            ],
            batch_size=2000,
        )
        by_household: dict[int, list[int]] = {}
        for r in residents:
            by_household.setdefault(r.household_id, []).append(r.pk)
        through = EntryPass.holders.through
        through.objects.bulk_create(
            [
                through(entrypass_id=p.pk, resident_id=r)
                for p in passes
                for r in by_household[p.household_id]
            ],
            batch_size=5000,
        )
        # A few residents in home isolation (alerts), a few passes revoked, lost or reissued.
        isolated = rng.sample([r.pk for r in residents], len(residents) // 100)
        Resident.objects.filter(pk__in=isolated).update(health_status="home_isolation")
        odd = rng.sample(passes, 30)
        EntryPass.objects.filter(pk__in=[p.pk for p in odd[:10]]).update(status=PassStatus.REVOKED)
        EntryPass.objects.filter(pk__in=[p.pk for p in odd[10:20]]).update(status=PassStatus.LOST)
        EntryPass.objects.filter(pk__in=[p.pk for p in odd[20:]]).update(version=2)
    gates = [
        post_create(
            actor=user,
            community=community,
            name=f"{k.name}{'北南'[g % 2]}门",
            kind="checkpoint",
            place=k,
            pattern="none",
        ).pk
        for g, k in enumerate([*compounds, compounds[0]][:GATES])
    ]
    _token, secret = api_token_create(actor=None, user=user, name="bench")
    # A database in use has its planner statistics (autovacuum); a freshly seeded one not yet.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    versions = dict(EntryPass.objects.values_list("pk", "version"))
    return {
        "secret": secret,
        "gates": gates,
        # (QR text of version 1 — outdated for the reissued passes —, holders)
        "passes": [(pass_token(p.pk, 1), by_household[p.household_id]) for p in passes],
        "current": {p.pk: pass_token(p.pk, versions[p.pk]) for p in odd[20:]},
        "residents": len(residents),
        "households": len(households),
    }


# --- the items -------------------------------------------------------------------------------

FORGED = "P999999.1:" + "x" * 43  # no valid signature: refused as pass_unknown
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤川青藏琼宁"


def make_bodies(world: dict, n: int, batch: int, seed_value: int) -> list[bytes]:
    """n passages as the gates send them, in time order over the last two days, as JSON
    bodies of `batch` items each."""
    import datetime as dt

    from django.utils import timezone

    rng = random.Random(seed_value + 1)
    gates, passes = world["gates"], world["passes"]
    now = timezone.now()
    start = now - dt.timedelta(days=2)
    step = (now - dt.timedelta(minutes=2) - start) / max(n, 1)
    bodies = []
    items = []
    for i in range(n):
        r = rng.random()
        item: dict = {
            "client_uuid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "gate_id": rng.choice(gates),
            "direction": "in" if rng.random() < 0.5 else "out",
            "device_time": (start + step * i).isoformat(),
            "temperature": round(rng.uniform(35.8, 37.1), 1),
            "health_code": "green",
            "travel_star": rng.random() < 0.03,
        }
        if r < 0.82:  # a resident scans the household's pass
            code, holders = rng.choice(passes)
            pass_id = int(code[1 : code.index(".")])
            item["subject"] = "resident"
            item["pass_code"] = world["current"].get(pass_id, code) if rng.random() < 0.9 else code
            if rng.random() < 0.5:  # the guard also picked who it is
                item["resident_id"] = rng.choice(holders)
        elif r < 0.825:  # a code that is no pass (forged or mistyped)
            item["subject"] = "resident"
            item["pass_code"] = FORGED
        elif r < 0.925:
            item["subject"] = "visitor"
            item["visitor_name"] = rng.choice(SURNAMES) + "先生"
            item["visitor_phone"] = f"1{rng.randint(3, 9)}{rng.randrange(10**9):09d}"
        else:
            item["subject"] = "vehicle"
            item["plate"] = f"{rng.choice(PROVINCES)}A{rng.randrange(10**5):05d}"
        q = rng.random()
        if q < 0.005:
            item["temperature"] = round(rng.uniform(37.4, 39.0), 1)  # fever: refused, alert
        elif q < 0.008:
            item["health_code"] = rng.choice(["yellow", "red"])  # refused, alert
        elif q < 0.018:
            item["health_code"] = ""  # not checked: refused
        elif q < 0.023:
            item["temperature"] = None  # not taken: refused
        if rng.random() < 0.3:
            item["device_decision"] = "allow"
        if rng.random() < 0.01:
            item["note"] = "快递"
        items.append(item)
        if len(items) == batch:
            bodies.append(json.dumps({"items": items}, ensure_ascii=False).encode())
            items = []
    if items:
        bodies.append(json.dumps({"items": items}, ensure_ascii=False).encode())
    return bodies


# --- one database ----------------------------------------------------------------------------


def run_one(args: argparse.Namespace, database: str) -> dict:
    tmp = harness.scratch_environment(database, PG_DB, "shequ-ingest-")
    try:
        t = time.perf_counter()
        world = seed(args.seed)
        bodies = make_bodies(world, args.passages, args.batch, args.seed)
        prepared = time.perf_counter() - t
        sent = harness.serve_and_send(
            database, PG_DB, bodies, path=PATH, secret=world["secret"], clients=args.clients,
            workers=args.workers, threads=args.blocking_threads, spread=not args.no_spread,
        )  # fmt: skip
        del bodies
        from shequ.checkpoints.ingest import FIELDS
        from shequ.checkpoints.models import Passage

        rows = Passage.objects.count()
        raw = harness.raw_baseline(database, PG_DB, Passage, FIELDS, args.batch)
        return {
            "database": database,
            "passages": args.passages,
            "batch": args.batch,
            "clients": args.clients,
            "workers": args.workers,
            "residents": world["residents"],
            "households": world["households"],
            "prepare_s": prepared,
            "rows": rows,
            "rate": args.passages / sent["seconds"],
            "baseline": raw,
            **sent,
        }
    finally:
        harness.drop_environment(database, PG_DB, tmp)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--passages", type=int, default=1_000_000)
    parser.add_argument("--blocking-threads", type=int, default=None, help="granian, per worker")
    harness.common_arguments(parser)
    args = parser.parse_args()
    results = harness.run_databases(args, __file__, run_one)
    if results is None:
        return 0
    for r in results:
        database = r["database"]
        la = r["load_before"]
        print(
            f"{database}: {r['households']:,} households, {r['residents']:,} residents; "
            f"seeded and generated in {r['prepare_s']:.1f} s; load average at the send "
            f"{la[0]:.2f} {la[1]:.2f} {la[2]:.2f}",
            flush=True,
        )
        print(
            f"{database}: {r['passages']:,} passages in batches of {r['batch']} by "
            f"{r['clients']} clients, {r['workers']} granian worker(s): {r['seconds']:.2f} s, "
            f"{r['rate']:,.0f} passages/s; batch p50 {r['p50_ms']:.0f} ms, p95 "
            f"{r['p95_ms']:.0f} ms, max {r['max_ms']:.0f} ms; answers {r['counts']}; rows "
            f"{r['rows']:,}; {harness.placement(r)}",
            flush=True,
        )
        la = r["load_after"]
        print(
            harness.cpu_line(r, r["passages"], "passage")
            + f"; load average after {la[0]:.2f} {la[1]:.2f} {la[2]:.2f}",
            flush=True,
        )
        ok = r["rows"] == r["passages"] and r["counts"] == {"created": r["passages"]}
        print(f"{database}: check rows == sent and all created: {'OK' if ok else 'FAILED'}")
        print("\n".join(harness.baseline_lines(r)), flush=True)
    print()
    print(harness.report(results, "passages"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
