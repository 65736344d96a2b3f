"""Benchmark: swabs through the HTTP batch endpoint, against a raw insert baseline (issue #8).

    .venv/bin/python bench/ingest_swabs.py [--swabs 200000] [--batch 500] [--clients 2]
        [--database sqlite|postgres|both] [--workers 2] [--stations 40] [--no-spread]

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
keep-alive connections (http.client), timing each batch; each client's connection is served
by a worker of its own unless `--no-spread` (why: `batch_harness.py`).

Printed: swabs/s (all items / wall time of the send phase), p50/p95/max batch latency, the
server's peak RSS (granian and its workers), the check that every swab was answered
"created" and the table holds one row each. Then the raw baseline in the same run: the same
rows, read back from the sample table, inserted into empty scratch copies of the table in the
same batch size, one commit per batch — one copy with the same columns, indexes, checks and
foreign keys, one without the foreign keys; psycopg `executemany` and COPY on PostgreSQL,
`sqlite3` `executemany` on SQLite — and the ratio of the API rate to each.

Issue #8's target: sampling ingest ≥ 10,000 swabs/s through the batch endpoint.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import uuid

import batch_harness as harness

PG_DB = "shequ_bench_swabs"
PATH = "/api/v1/testing/swabs:batch"
COMMUNITIES = 4
HOUSEHOLDS_PER_BUILDING = 48


# --- seeding ---------------------------------------------------------------------------------


def seed(n: int, stations: int, seed_value: int) -> dict:
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
        _buildings, households = harness.buildings_and_households(
            compounds, buildings_per_community, HOUSEHOLDS_PER_BUILDING
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
    earlier_round(user, street, today - dt.timedelta(days=2))
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
    # Statistics as autovacuum would have them in a database that has been in use: the seeded
    # tables and the earlier round's tubes and samples.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
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


def earlier_round(user, street, day) -> None:
    """A finished round two days ago over the same street: everyone not in hospital swabbed,
    ten to a tube. Testing goes round after round; the tube and sample tables are never empty
    when a round starts."""
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from shequ.core.bulk import insert_rows
    from shequ.residents.models import Resident
    from shequ.testing import services
    from shequ.testing.ingest import FIELDS
    from shequ.testing.models import Sample, Tube

    earlier = services.round_create(
        actor=user, name="上一轮", places=[street], starts_on=day, ends_on=day, pool_size=10
    )
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
    people = list(
        Resident.objects.exclude(health_status="hospital")
        .order_by("pk")
        .values_list("pk", "household__parent__parent__parent__parent_id")
    )
    with transaction.atomic():
        tube_fields = ["round", "barcode", "community", "pool_size", "retest", "status",
                       "opened_at", "opened_by", "closed_at", "result", "result_at"]  # fmt: skip
        tubes = [
            [earlier.pk, f"E{n:07d}", people[n * 10][1], 10, False, "resulted", at, user.pk, at,
             "negative", at]
            for n in range(-(-len(people) // 10))
        ]  # fmt: skip
        insert_rows(Tube, tube_fields, tubes)
        ids = dict(Tube.objects.filter(round=earlier).values_list("barcode", "pk"))
        samples = [
            [uuid.UUID(int=pk), earlier.pk, ids[f"E{n // 10:07d}"], pk, False, False, False,
             at, at, user.pk]
            for n, (pk, _community) in enumerate(people)
        ]  # fmt: skip
        for start in range(0, len(samples), 5000):
            insert_rows(Sample, FIELDS, samples[start : start + 5000])
    services.round_finish(actor=user, round_=earlier)


# --- the items -------------------------------------------------------------------------------


def make_bodies(world: dict, batch: int, seed_value: int) -> tuple[list[bytes], int]:
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


# --- one database ----------------------------------------------------------------------------


def run_one(args: argparse.Namespace, database: str) -> dict:
    tmp = harness.scratch_environment(database, PG_DB, "shequ-swabs-")
    try:
        t = time.perf_counter()
        # One resident per swab, plus the few in hospital who are not swabbed.
        world = seed(int(args.swabs * 1.002) + 1, args.stations, args.seed)
        bodies, items = make_bodies(world, args.batch, args.seed)
        swabs = sum(1 for _pk, _c, s in world["people"] if s != "hospital")
        prepared = time.perf_counter() - t
        sent = harness.serve_and_send(
            database, PG_DB, bodies, path=PATH, secret=world["secret"], clients=args.clients,
            workers=args.workers, spread=not args.no_spread,
        )  # fmt: skip
        del bodies
        from shequ.testing.ingest import FIELDS
        from shequ.testing.models import Sample, Tube

        this_round = world["round"]
        rows = Sample.objects.filter(round_id=this_round).count()
        tubes = Tube.objects.filter(round_id=this_round).count()
        open_tubes = Tube.objects.filter(round_id=this_round, status="open").count()
        raw = harness.raw_baseline(
            database, PG_DB, Sample, FIELDS, args.batch, rows_of=("round_id", this_round)
        )
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
            "rows": rows,
            "tubes": tubes,
            "open_tubes": open_tubes,
            "rate": swabs / sent["seconds"],
            "baseline": raw,
            **sent,
        }
    finally:
        harness.drop_environment(database, PG_DB, tmp)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--swabs", type=int, default=200_000)
    parser.add_argument("--stations", type=int, default=40)
    harness.common_arguments(parser)
    args = parser.parse_args()
    results = harness.run_databases(args, __file__, run_one)
    if results is None:
        return 0
    for r in results:
        database = r["database"]
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
            f"({r['open_tubes']} open); {harness.placement(r)}",
            flush=True,
        )
        print(harness.cpu_line(r, r["swabs"], "swab"), flush=True)
        ok = r["rows"] == r["swabs"] and r["counts"] == {"created": r["items"]}
        ok = ok and r["open_tubes"] == 0
        print(f"{database}: check rows == swabs, all created, no tube left open: "
              f"{'OK' if ok else 'FAILED'}")  # fmt: skip
        print("\n".join(harness.baseline_lines(r)), flush=True)
    print()
    print(harness.report(results, "swabs"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
