"""Benchmark: mass testing reads and the recall at city scale on PostgreSQL (issue #8).

    .venv/bin/python bench/testing_scale.py [--residents 1000000] [--runs 7] [--sampled 0.6]
        [--keep] [--reuse] [--explain]

Builds a scratch PostgreSQL database on 127.0.0.1:5432 (`shequ_bench_testing`): a city tree
(districts → streets of ~110,000 residents → communities → grids → compounds → buildings of
48 households), N synthetic residents with their ID number and phone encrypted and
blind-indexed exactly as the model does (region 629999, phones 100…: nobody real), all loaded
with COPY; one round over the whole city (its districts; 10 to a tube) with a site of two
stations per community and about 60 % of residents sampled — samples, tubes and transfers
with COPY, most tubes resulted negative, some received and waiting for their result, a few
closed or still open —, and a few exemptions. Then, after one warm-up, it times `--runs`
runs of each, every run on another tube / building / street, in this process through the ORM:

* recall of a positive pool: `labwork.results_record` of "positive" for one received tube of
  10 (the result, its audit row, `recall_start`: the 10 members pending retest with their
  status periods and audit rows, 10 home tasks, the staff's notification), one transaction;
* the missed list of one building: `list(selectors.missed(round, building))`;
* coverage of a street per building and per community: `selectors.coverage(round, street,
  level)`, and of a community per building.

Prints build times, then a table of median / min / max milliseconds. The timed connection
has Shequ's own session settings (`SHEQU_PG_SESSION`, by default `jit=off
random_page_cost=1.1`; `SHEQU_PG_SESSION=` for the server's); `--pg-set` changes more for this
session before timing (e.g. `work_mem=64MB`).
`--explain` prints EXPLAIN ANALYZE of the slow SQL statements of each read. `--keep` leaves
the database for a later `--reuse` run (which skips the build).

Issue #8's targets: recall < 100 ms; missed list of a building < 50 ms; coverage of a street
< 500 ms, with 1,000,000 residents.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import math
import os
import random
import statistics
import sys
import tempfile
import time
import uuid

PG_DB = "shequ_bench_testing"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
HOUSEHOLDS_PER_BUILDING = 48  # 8 floors × 6 flats
FANOUT = {  # children per parent, from the building up
    "building": 8,  # buildings per compound
    "compound": 5,  # compounds per grid
    "grid": 2,  # grids per community
    "community": 10,  # communities per street
    "street": 5,  # streets per district
}
HOUSEHOLD_SIZES = ([1, 2, 3, 4, 5, 6], [12, 28, 26, 20, 10, 4])  # mean 3.0
ROUND_NAME = "全市全员核酸基准轮"


def log(message: str) -> None:
    print(message, flush=True)


# --- building the database -------------------------------------------------------------------


def _copy(cursor, table: str, columns: list[str], rows) -> int:
    n = 0
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def _reset_sequence(cursor, table: str) -> None:
    cursor.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608 - our names
        f"(SELECT coalesce(max(id), 1) FROM {table}))"
    )


def build_places(cursor, households: int) -> dict:
    """The tree with ids given here (paths need them), COPYed level by level."""
    column_defaults("places.Place")
    levels = ["city", "district", "street", "community", "grid", "compound", "building"]
    counts = {"household": households}
    counts["building"] = math.ceil(households / HOUSEHOLDS_PER_BUILDING)
    below = "building"
    for kind in ["compound", "grid", "community", "street", "district"]:
        counts[kind] = math.ceil(counts[below] / FANOUT[below])
        below = kind
    counts["city"] = 1
    names = {
        "district": "{}区", "street": "{}街道", "community": "{}社区", "grid": "第{}网格",
        "compound": "{}号小区", "building": "{}号楼",
    }  # fmt: skip
    next_id = 1
    rows: list[tuple] = []
    level_rows: dict[str, list[tuple[int, str, str]]] = {}  # kind → [(id, code, path)]
    city = (next_id, "city", None, "BT", "基准市", f"/{next_id}/", 0, False, "", "")
    rows.append(city)
    level_rows["city"] = [(next_id, "BT", f"/{next_id}/")]
    next_id += 1
    for depth, kind in enumerate([*levels[1:], "household"], start=1):
        parents = level_rows[levels[depth - 1]]
        fanout = math.ceil(counts[kind] / len(parents))
        if kind == "household":
            fanout = HOUSEHOLDS_PER_BUILDING
        mine = []
        for i in range(counts[kind]):
            parent_id, parent_code, parent_path = parents[min(i // fanout, len(parents) - 1)]
            k = i % fanout + 1
            if kind == "household":
                room = f"{(k - 1) // 6 + 1}{(k - 1) % 6 + 1:02d}"
                code, name = f"{parent_code}-{room}", f"{room}室"
            else:
                code, name = f"{parent_code}-{k}", names[kind].format(k)
            path = f"{parent_path}{next_id}/"
            rows.append((next_id, kind, parent_id, code, name, path, depth, False, "", ""))
            mine.append((next_id, code, path))
            next_id += 1
        level_rows[kind] = mine
    _copy(
        cursor,
        "places_place",
        [
            *("id", "kind", "parent_id", "code", "name", "path", "depth"),
            *("no_property_management", "unit", "level_word"),
        ],
        rows,
    )
    _reset_sequence(cursor, "places_place")
    return {"counts": counts, "levels": level_rows, "rows": rows}


def build_residents(cursor, n: int, households: list[tuple[int, str, str]], seed: int):
    """N residents, household by household; their PII encrypted as EncryptedTextField does
    (AES-GCM bound to the column, "v1:" token) and blind-indexed as BlindIndexField does."""
    column_defaults("residents.Resident")
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from django.conf import settings
    from django.utils import timezone

    from shequ.core import pii
    from shequ.residents.demo import GIVEN, SURNAMES
    from shequ.residents.idcard import check_char

    key, _mac = pii._keys(settings.PII_KEY)
    aes = AESGCM(key)
    doc_ctx, phone_ctx = b"residents.resident.document_number", b"residents.resident.phone"

    def seal(text: str, ctx: bytes) -> str:
        nonce = os.urandom(pii.NONCE_BYTES)
        return (
            pii.TOKEN_PREFIX
            + base64.urlsafe_b64encode(nonce + aes.encrypt(nonce, text.encode(), ctx)).decode()
        )

    rng = random.Random(seed)
    now = timezone.now()
    born0 = dt.date(1930, 1, 1)
    people: list[tuple[int, int, str]] = []  # (id, household id, health status)

    def rows():
        i = 0
        for household_id, _code, _path in households:
            if i >= n:
                return
            size = min(rng.choices(*HOUSEHOLD_SIZES)[0], n - i)
            for member in range(size):
                pk = i + 1
                seq = 2 * (i // 30000) + (i % 2)
                born = born0 + dt.timedelta(days=i % 30000)
                first17 = f"629999{born:%Y%m%d}{seq:03d}"
                number = first17 + check_char(first17)
                phone = f"100{i:08d}" if (i % 10) else ""
                r = rng.random()
                status = (
                    "hospital" if r < 0.003 else "central_isolation" if r < 0.005
                    else "home_isolation" if r < 0.01 else "normal"
                )  # fmt: skip
                people.append((pk, household_id, status))
                name = (
                    rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(("", rng.choice(GIVEN)))
                )
                yield (
                    pk, name, "male" if seq % 2 else "female", born, "resident_id",
                    seal(number, doc_ctx), pii.blind_index(number, kind="document"),
                    seal(phone, phone_ctx) if phone else "",
                    pii.blind_index(phone, kind="phone") if phone else "",
                    household_id, "head" if member == 0 else "other", "owner", 0, "", status,
                    now, now,
                )  # fmt: skip
                i += 1

    columns = [
        "id", "name", "gender", "birth_date", "document_type", "document_number",
        "document_hmac", "phone", "phone_hmac", "household_id", "relation", "occupancy", "tags",
        "notes", "health_status", "created_at", "updated_at",
    ]  # fmt: skip
    count = _copy(cursor, "residents_resident", columns, rows())
    _reset_sequence(cursor, "residents_resident")
    return count, people


def build_round(cursor, tree: dict, people, share: float, seed: int) -> dict:
    """A round over the city; sites; ~share of residents sampled into tubes of 10."""
    from django.utils import timezone

    from shequ.core.models import User
    from shequ.core.services import role_grant
    from shequ.places.models import Place
    from shequ.testing import services
    from shequ.testing.models import Exemption, Station, Transfer

    city = Place.objects.get(kind="city", code="BT")
    hq = User.objects.create_user("hq", "x")
    role_grant(actor=None, user=hq, role="city_hq", place=city)
    lab = User.objects.create_user("lab", "x")
    role_grant(actor=None, user=lab, role="lab_operator", place=city)
    today = timezone.localdate()
    # A round cannot name the city itself: it covers every district.
    districts = list(Place.objects.filter(kind="district").order_by("pk"))
    round_ = services.round_create(
        actor=hq, name=ROUND_NAME, places=districts, starts_on=today, ends_on=today, pool_size=10
    )
    communities = tree["levels"]["community"]
    first = Place.objects.get(pk=communities[0][0])
    staff = User.objects.create_user("staff", "x")
    role_grant(actor=None, user=staff, role="community_staff", place=first)
    stations: dict[int, list[int]] = {}
    for community in Place.objects.filter(kind="community").order_by("pk"):
        community_id = community.pk
        site = services.site_create(
            actor=hq,
            community=community,
            name="广场采样点",
            opens=dt.time(7),
            closes=dt.time(20),
            stations=2,
        )
        stations[community_id] = list(
            Station.objects.filter(site=site).order_by("name").values_list("pk", flat=True)
        )
    # household → community, from the paths (/city/district/street/community/…).
    community_of = {}
    by_path = {path: pk for pk, _code, path in communities}
    for pk, _code, path in tree["levels"]["household"]:
        parts = path.strip("/").split("/")
        community_of[pk] = by_path["/" + "/".join(parts[:4]) + "/"]
    rng = random.Random(seed + 1)
    queue: dict[int, list[int]] = {}
    not_sampled = []
    for pk, household_id, status in people:
        if status not in ("hospital", "central_isolation") and rng.random() < share:
            queue.setdefault(community_of[household_id], []).append(pk)
        else:
            not_sampled.append(pk)
    now = timezone.now()
    start = now - dt.timedelta(hours=10)
    transfers = {
        c: Transfer.objects.create(
            round=round_, community_id=c, code=f"JJ-{c}", tube_count=0, sent_by=hq,
            received_at=now, received_by=lab,
        ).pk
        for c in queue
    }  # fmt: skip
    tubes, samples = [], []
    tube_id = sample_id = 0
    sent: dict[int, int] = {}
    for community_id, residents in queue.items():
        step = dt.timedelta(hours=9) / max(len(residents), 1)
        pools = [residents[k : k + 10] for k in range(0, len(residents), 10)]
        for k, pool in enumerate(pools):
            tube_id += 1
            station = stations[community_id][k % 2]
            opened = start + step * k * 10
            if k >= len(pools) - 2:
                status, result, transfer = "open" if len(pool) < 10 else "closed", "", None
            elif k % 10 < 6:
                status, result, transfer = "resulted", "negative", transfers[community_id]
            elif k % 10 < 9:
                status, result, transfer = "received", "", transfers[community_id]
            else:
                status, result, transfer = "closed", "", None
            if transfer:
                sent[community_id] = sent.get(community_id, 0) + 1
            closed = opened + step * len(pool) if status != "open" else None
            tubes.append((
                tube_id, round_.pk, f"C{community_id}-{k + 1:06d}", community_id, station, 10,
                False, status, opened, hq.pk, closed, transfer, result,
                now if result else None, lab.pk if result else None,
            ))  # fmt: skip
            for j, resident in enumerate(pool):
                sample_id += 1
                samples.append((
                    sample_id, uuid.UUID(int=rng.getrandbits(128), version=4), round_.pk,
                    tube_id, resident, False, False, False, opened + step * j, now, hq.pk,
                ))  # fmt: skip
    for community_id, pk in transfers.items():
        Transfer.objects.filter(pk=pk).update(
            tube_count=sent.get(community_id, 0), received_count=sent.get(community_id, 0)
        )
    _copy(
        cursor,
        "testing_tube",
        ["id", "round_id", "barcode", "community_id", "station_id", "pool_size", "retest",
         "status", "opened_at", "opened_by_id", "closed_at", "transfer_id", "result",
         "result_at", "result_by_id"],
        tubes,
    )  # fmt: skip
    _reset_sequence(cursor, "testing_tube")
    _copy(
        cursor,
        "testing_sample",
        ["id", "client_uuid", "round_id", "tube_id", "resident_id", "retest", "at_home",
         "out_of_scope", "sampled_at", "received_at", "operator_id"],
        samples,
    )  # fmt: skip
    _reset_sequence(cursor, "testing_sample")
    exempt = rng.sample(not_sampled, len(not_sampled) // 100)
    Exemption.objects.bulk_create(
        [Exemption(round=round_, resident_id=pk, reason="away", proof="行程证明", by=hq)
         for pk in exempt],
        batch_size=2000,
    )  # fmt: skip
    return {"tubes": len(tubes), "samples": len(samples), "exempt": len(exempt)}


def column_defaults(*labels: str) -> None:
    """Give the COPYed tables' NOT NULL columns their model's plain default in the database
    too, so a COPY that does not list a column a model gained since (places_place.unit, ...)
    still loads. Django keeps defaults in Python only; these stay on the scratch database."""
    from django.apps import apps
    from django.db import connection
    from django.db.models import NOT_PROVIDED

    with connection.cursor() as cursor:
        for label in labels:
            model = apps.get_model(label)
            for field in model._meta.concrete_fields:
                default = field.default
                if field.null or default is NOT_PROVIDED or callable(default):
                    continue
                if not isinstance(default, str | int | bool):
                    continue
                cursor.execute(
                    f"ALTER TABLE {model._meta.db_table} "
                    f"ALTER COLUMN {field.column} SET DEFAULT %s",
                    [default],
                )


def counts_off(cursor) -> None:
    """Inside the load's transaction: the database's triggers (testing/counts.py keeps coverage
    counts by trigger) off for the COPYs, a million row-by-row updates saved; `counts_on`
    turns them back on and counts everything once."""
    cursor.execute("SET LOCAL session_replication_role = replica")


def counts_on(cursor) -> None:
    from shequ.testing import counts

    cursor.execute("SET LOCAL session_replication_role = origin")
    t = time.perf_counter()
    counts.recount()
    log(f"coverage counts (testing/counts.py) rebuilt in {time.perf_counter() - t:.1f} s")


def build(n: int, share: float, seed: int) -> None:
    from django.db import connection, transaction

    households = math.ceil(n / 3.0 * 1.03)
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
        count, people = build_residents(cursor, n, tree["levels"]["household"], seed)
        log(f"residents: {count:,} (PII encrypted) in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        got = build_round(cursor, tree, people, share, seed)
        log(
            f"round: {got['samples']:,} samples in {got['tubes']:,} tubes, {got['exempt']:,} "
            f"exemptions in {time.perf_counter() - t:.1f} s"
        )
        counts_on(cursor)
    t = time.perf_counter()
    with connection.cursor() as c:
        c.execute("VACUUM ANALYZE")
    log(f"VACUUM ANALYZE in {time.perf_counter() - t:.1f} s")


# --- timing ----------------------------------------------------------------------------------


def timed(label: str, size: str, fn, args: list, target_ms: float | None) -> dict:
    """fn(arg) for each arg; the first is the warm-up, the rest are timed."""
    times = []
    for k, arg in enumerate(args):
        t = time.perf_counter()
        fn(arg)
        ms = (time.perf_counter() - t) * 1000
        if k:
            times.append(ms)
    return {
        "label": label,
        "size": size,
        "median": statistics.median(times),
        "min": min(times),
        "max": max(times),
        "runs": len(times),
        "target": target_ms,
    }


def slowest_sql(fn, arg, explain: bool) -> str:
    """How many statements a read runs, the slowest; with `explain`, the plans of those over
    20 ms (or the slowest)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn(arg)
    queries = sorted(ctx.captured_queries, key=lambda q: -float(q["time"]))
    text = f"{len(queries)} statements; slowest {float(queries[0]['time']) * 1000:.1f} ms"
    if explain:
        for q in [q for q in queries if float(q["time"]) > 0.02] or queries[:1]:
            with connection.cursor() as c:
                c.execute("EXPLAIN (ANALYZE, BUFFERS) " + q["sql"])
                plan = "\n".join(r[0] for r in c.fetchall())
            text += f"\n{q['sql'][:1500]}\n{plan}"
    return text


def measure(runs: int, explain: bool) -> list[dict]:
    from django.db.models import Count

    from shequ.core.models import User
    from shequ.places.models import Place
    from shequ.residents.models import Resident
    from shequ.testing import labwork, selectors
    from shequ.testing.models import Recall, Round, Tube

    def the_round() -> Round:  # fetched anew each time, as a request would
        return Round.objects.get(name=ROUND_NAME)

    round_ = the_round()
    lab = User.objects.get(username="lab")
    rng = random.Random(11)
    n = runs + 1
    residents = Resident.objects.count()
    tubes = list(
        Tube.objects.filter(round=round_, status="received", result="")
        .annotate(k=Count("samples"))
        .filter(k=10)
        .order_by("pk")
        .values_list("barcode", flat=True)[:n]
    )

    def recall(barcode: str) -> None:
        [answer] = labwork.results_record(
            actor=lab, round_=the_round(), results=[(barcode, "positive")]
        )
        assert answer.status == "recorded", answer
        assert answer.recall_id, answer

    # Buildings with people (the last few households of the city stay empty).
    buildings = list(
        Place.objects.filter(kind="building", children__residents__isnull=False)
        .distinct()
        .order_by("pk")
    )
    buildings = rng.sample(buildings, min(n, len(buildings)))
    sizes = [Resident.objects.filter(household__path__startswith=b.path).count() for b in buildings]

    def missed(building: Place) -> None:
        list(selectors.missed(the_round(), building))

    streets = list(Place.objects.filter(kind="street").order_by("pk"))
    street_args = [streets[k % len(streets)] for k in range(n)]
    street_size = statistics.median(
        Resident.objects.filter(household__path__startswith=s.path).count() for s in streets
    )
    communities = rng.sample(
        list(Place.objects.filter(kind="community").order_by("pk")),
        min(n, Place.objects.filter(kind="community").count()),
    )

    def cover(level: str):
        return lambda place: selectors.coverage(the_round(), place, level)

    rows = []
    log(f"timing: {runs} runs after a warm-up, {residents:,} residents")
    rows.append(timed("recall of a positive pool (10 members)", "1 tube", recall, tubes,
                      100))  # fmt: skip
    made = Recall.objects.filter(tube__barcode__in=tubes).count()
    assert made == len(tubes), made
    rows.append(timed(
        "missed list of one building", f"{statistics.median(sizes):.0f} residents", missed,
        buildings, 50,
    ))  # fmt: skip
    rows.append(timed("coverage of a street, per building", f"{street_size:,.0f} residents",
                      cover("building"), street_args, 500))  # fmt: skip
    rows.append(timed("coverage of a street, per community", f"{street_size:,.0f} residents",
                      cover("community"), street_args, 500))  # fmt: skip
    rows.append(timed("coverage of a community, per building", "1 community",
                      cover("building"), communities, None))  # fmt: skip
    # Where the time goes: the slowest statement of each read (not timed above).
    log("missed: " + slowest_sql(missed, buildings[0], explain))
    log("coverage street/building: " + slowest_sql(cover("building"), streets[0], explain))
    return rows


def table(rows: list[dict]) -> str:
    lines = [
        "| operation | size | median | min | max | target | met |",
        "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        target = f"< {r['target']} ms" if r["target"] else "—"
        met = "—" if not r["target"] else ("yes" if r["median"] < r["target"] else "**no**")
        lines.append(
            f"| {r['label']} | {r['size']} | {r['median']:.1f} ms | {r['min']:.1f} ms "
            f"| {r['max']:.1f} ms | {target} | {met} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--residents", type=int, default=1_000_000)
    parser.add_argument("--sampled", type=float, default=0.6)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="leave the database for --reuse")
    parser.add_argument("--reuse", action="store_true", help="time the kept database")
    parser.add_argument("--explain", action="store_true")
    parser.add_argument(
        "--pg-set",
        default="",
        help="session settings for the timed reads, e.g. 'jit=off,random_page_cost=1.1'",
    )
    args = parser.parse_args()
    import psycopg

    tmp = tempfile.mkdtemp(prefix="shequ-testing-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "shequ.settings"
    os.environ["SHEQU_VAR_DIR"] = tmp
    os.environ["SHEQU_LOCAL_SECRETS"] = "1"
    # A fixed PII key, so a kept database stays readable by a later --reuse run.
    os.environ["SHEQU_PII_KEY"] = "bench-only-key-not-a-secret-" + "x" * 20
    os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
    load = os.getloadavg()
    log(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} before the run")
    if not args.reuse:
        with psycopg.connect(PG_ADMIN, autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
            c.execute(f"CREATE DATABASE {PG_DB}")
    import django
    from django.core.management import call_command

    django.setup()
    try:
        if not args.reuse:
            t = time.perf_counter()
            call_command("migrate", verbosity=0)
            log(f"migrated in {time.perf_counter() - t:.1f} s")
            t = time.perf_counter()
            build(args.residents, args.sampled, args.seed)
            log(f"built in {time.perf_counter() - t:.1f} s")
        from shequ.residents.models import Resident

        # The PII reads back through the model (the encryption above is the real format).
        r = Resident.objects.exclude(phone_hmac="").order_by("pk").first()
        assert r is not None
        assert r.document_number.startswith("629999")
        assert r.phone
        from django.db import connection

        with connection.cursor() as c:
            c.execute("SELECT version()")
            log(c.fetchone()[0])
        with connection.cursor() as c:
            for setting in filter(None, args.pg_set.split(",")):
                name, value = setting.split("=")
                c.execute("SELECT set_config(%s, %s, false)", [name.strip(), value.strip()])
            names = ["shared_buffers", "work_mem", "random_page_cost", "jit",
                     "max_parallel_workers_per_gather"]  # fmt: skip
            c.execute("SELECT " + ", ".join(f"current_setting('{n}')" for n in names))
            log(
                "settings: "
                + ", ".join(f"{n}={v}" for n, v in zip(names, c.fetchone(), strict=True))
            )
        load = os.getloadavg()
        log(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} before timing")
        rows = measure(args.runs, args.explain)
        load = os.getloadavg()
        log(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} after timing")
        print()
        print(table(rows))
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
