"""Benchmark: import N residents from .xlsx and .csv, against the database's own pace.

    .venv/bin/python bench/import_residents.py [--rows 100000] [--runs 1] [--skip iexport]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> .venv/bin/python bench/import_residents.py

Each measurement runs in its own process on a fresh database (SQLite in a temporary folder,
or, with DATABASE_URL=postgres://…/<db>, the PostgreSQL database <db>_bench, dropped and
created again for each) that another process filled with the places first, so the peak RSS
printed is that measurement's alone:

- **raw**: the same rows, encrypted and hashed beforehand (not timed), written by one raw
  `executemany` (SQLite) / `COPY` (PostgreSQL) in one transaction: the database's pace;
- **baseline**: the rows `bulk_create`d as Resident objects (the field encrypts);
- **csv**, **xlsx**: the real import, end to end (both passes: read and check every row,
  then write in one transaction), with its write pass timed on its own;
- **iexport**: django-import-export (what a Django team would pick) importing the same rows
  into the same model, the field's reference. Install it only for the bench:
  `pip install -e '.[bench]'` (or `pip install 'django-import-export>=4.4,<4.5'`); when it
  is missing that line is skipped and says so.

Prints seconds, rows/s, CPU seconds, peak RSS, and the ratios: import vs baseline, import vs
raw (end to end) and the import's write pass vs raw. Issue #22's targets: 100,000 xlsx rows
≤ 5 s (≥ 20,000 rows/s), peak RSS < 300 MB, ≥ 0.5 × raw.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = [
    "姓名",
    "性别",
    "出生日期",
    "证件号码",
    "手机号码",
    "小区",
    "楼栋",
    "房号",
    "与户主关系",
    "重点人群",
]
COMPOUNDS, BUILDINGS, ROOMS = 50, 10, 50  # 25,000 households


def make_rows(n: int, seed: int = 1):
    from shequ.residents.idcard import check_char

    rng = random.Random(seed)
    used: set[str] = set()
    for i in range(n):
        while True:
            born = f"{rng.randint(1930, 2020)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
            first17 = f"629999{born}{rng.randint(0, 999):03d}"
            number = first17 + check_char(first17)
            if number not in used:
                used.add(number)
                break
        gender = "男" if int(number[16]) % 2 else "女"
        # Four people a flat up to 100,000 rows; past that the flats fill up again (40 a flat
        # at a million), so every row still finds its flat among the 25,000.
        household = (i // 4) % (COMPOUNDS * BUILDINGS * ROOMS)
        compound = household // (BUILDINGS * ROOMS)
        building = (household // ROOMS) % BUILDINGS
        room = household % ROOMS
        yield [
            f"居民{i}",
            gender,
            f"{born[:4]}-{born[4:6]}-{born[6:]}",
            number,
            f"100{i:08d}" if i % 10 else "",
            f"小区{compound + 1}",
            f"{building + 1}号楼",
            f"{room + 101}",
            "户主" if i % 4 == 0 else "其他",
            "独居老人" if i % 50 == 0 else "",
        ]


def write_files(n: int, folder: Path, *, xlsx: bool = True) -> tuple[Path, Path]:
    import xlsxwriter

    csv_path, xlsx_path = folder / "residents.csv", folder / "residents.xlsx"
    with csv_path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(make_rows(n))
    if not xlsx:
        xlsx_path.write_bytes(b"")
        return csv_path, xlsx_path
    book = xlsxwriter.Workbook(str(xlsx_path), {"constant_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    for r, row in enumerate(make_rows(n), 1):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    book.close()
    return csv_path, xlsx_path


def setup_city():
    """A fresh database with one community of COMPOUNDS × BUILDINGS × ROOMS households."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from shequ.core.models import User
    from shequ.core.services import role_grant
    from shequ.places.models import Place, PlaceKind
    from shequ.places.services import place_create, places_insert

    city = place_create(actor=None, kind=PlaceKind.CITY, code="B", name="基准市")
    parent = city
    for kind in (PlaceKind.DISTRICT, PlaceKind.STREET, PlaceKind.COMMUNITY, PlaceKind.GRID):
        parent = place_create(
            actor=None, kind=kind, code=f"B-{kind}", name=str(kind), parent=parent
        )
    community = parent.parent

    compounds = places_insert(
        [
            Place(
                kind=PlaceKind.COMPOUND, parent=parent, depth=5, code=f"K{c}", name=f"小区{c + 1}"
            )
            for c in range(COMPOUNDS)
        ]
    )
    buildings = places_insert(
        [
            Place(
                kind=PlaceKind.BUILDING,
                parent=k,
                depth=6,
                code=f"{k.code}-{b}",
                name=f"{b + 1}号楼",
            )
            for k in compounds
            for b in range(BUILDINGS)
        ]
    )
    places_insert(
        [
            Place(
                kind=PlaceKind.HOUSEHOLD,
                parent=b,
                depth=7,
                code=f"{b.code}-{r + 101}",
                name=f"{r + 101}室",
            )
            for b in buildings
            for r in range(ROOMS)
        ]
    )
    user = User.objects.create_user("bench", "x")
    role_grant(actor=None, user=user, role="community_staff", place=community)
    return user, community


def _encrypted_rows(path: Path) -> tuple[list[str], list[tuple]]:
    """The CSV's rows as the import writes them: columns and values, encrypted and hashed."""
    from django.utils import timezone

    from shequ.core import pii
    from shequ.places.models import Place
    from shequ.residents.importers import DOCUMENT, PHONE, _constants
    from shequ.residents.models import Resident

    rooms = {
        (p.parent.parent.name, p.parent.name, p.name.removesuffix("室")): p.pk
        for p in Place.objects.filter(kind="household").select_related("parent__parent")
    }
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        rows = list(reader)
    documents = pii.encrypt_many([r[3] for r in rows], context=DOCUMENT)
    phones = pii.encrypt_many([r[4] for r in rows], context=PHONE)
    document_digest, phone_digest = pii.blind_indexer("document"), pii.blind_indexer("phone")
    constants = _constants(timezone.now())
    fields = ["name", "gender", "birth_date", "document_number", "document_hmac", "phone"]
    fields += ["phone_hmac", "household", "document_type", "relation", "occupancy", "tags"]
    fields += ["notes", *constants]
    columns = [Resident._meta.get_field(f).column for f in fields]
    out = [
        (
            r[0],
            "male" if r[1] == "男" else "female",
            r[2],
            document,
            document_digest(r[3]),
            phone,
            phone_digest(r[4]) if r[4] else "",
            rooms[(r[5], r[6], r[7])],
            "resident_id",
            "head" if r[8] == "户主" else "other",
            "owner",
            1 if r[9] else 0,
            "",
            *constants.values(),
        )
        for r, document, phone in zip(rows, documents, phones, strict=True)
    ]
    return columns, out


def _raw_write(columns: list[str], rows: list[tuple]) -> None:
    """One raw executemany (SQLite) / COPY (PostgreSQL), in one transaction."""
    from django.db import connection, transaction

    from shequ.residents.models import Resident

    table, cols = Resident._meta.db_table, ", ".join(columns)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            sqlite3.Cursor.executemany(
                cursor.cursor,
                f"INSERT INTO {table} ({cols}) VALUES ({marks})",  # noqa: S608 - our names
                rows,
            )


def _iexport(path: Path) -> None:
    """django-import-export's Resource importing the CSV's rows (households resolved as the
    baseline does) into Resident, in one transaction, as its documentation shows."""
    import tablib
    from import_export import resources

    from shequ.places.models import Place
    from shequ.residents.models import Resident

    class ResidentResource(resources.ModelResource):
        class Meta:
            model = Resident
            fields = ("name", "gender", "birth_date", "document_number", "phone", "household")
            import_id_fields = ()
            use_transactions = True

    rooms = {
        (p.parent.parent.name, p.parent.name, p.name.removesuffix("室")): p.pk
        for p in Place.objects.filter(kind="household").select_related("parent__parent")
    }
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        data = tablib.Dataset(
            headers=["name", "gender", "birth_date", "document_number", "phone", "household"]
        )
        for r in reader:
            gender = "male" if r[1] == "男" else "female"
            data.append((r[0], gender, r[2], r[3], r[4], rooms[(r[5], r[6], r[7])]))
    result = ResidentResource().import_data(data, dry_run=False, raise_errors=True)
    assert not result.has_errors()


def measure(phase: str, path: Path) -> dict:
    import django
    from django.db import transaction

    django.setup()
    from shequ.core import imports
    from shequ.core.models import User
    from shequ.places.models import Place
    from shequ.residents.models import Resident

    user = User.objects.get(username="bench")
    community = Place.objects.get(kind="community")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    write_seconds = None
    if phase == "raw":
        columns, rows = _encrypted_rows(path)
        start, cpu = time.perf_counter(), time.process_time()
        _raw_write(columns, rows)
    elif phase == "baseline":
        rooms = {
            (p.parent.parent.name, p.parent.name, p.name.removesuffix("室")): p.pk
            for p in Place.objects.filter(kind="household").select_related("parent__parent")
        }
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            next(reader)
            rows = list(reader)
        start, cpu = time.perf_counter(), time.process_time()
        objs = [
            Resident(
                name=r[0],
                gender="male" if r[1] == "男" else "female",
                birth_date=r[2],
                document_number=r[3],
                phone=r[4],
                household_id=rooms[(r[5], r[6], r[7])],
            )
            for r in rows
        ]
        with transaction.atomic():
            Resident.objects.bulk_create(objs, batch_size=1000)
    elif phase == "iexport":
        start, cpu = time.perf_counter(), time.process_time()
        _iexport(path)
    else:
        real_write_pass = imports._write_pass

        def timed_write_pass(*args, **kwargs):
            nonlocal write_seconds
            began = time.perf_counter()
            try:
                return real_write_pass(*args, **kwargs)
            finally:
                write_seconds = time.perf_counter() - began

        imports._write_pass = timed_write_pass
        start, cpu = time.perf_counter(), time.process_time()
        with path.open("rb") as fh:
            job = imports.import_job_create(
                actor=user,
                kind="residents",
                upload=fh,
                filename=path.name,
                place=community,
                enqueue=False,
            )
        job = imports.run_import(job.pk)
        assert job.status == "done", (job.status, job.message, list(job.row_errors.all()[:5]))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    count = Resident.objects.count()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "phase": phase,
        "rows": count,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "write_seconds": write_seconds,
        "peak_rss_mb": peak,
        "rss_before_mb": rss_before,
    }


def _fresh_database(url: str | None, phase: str, folder: Path) -> dict[str, str]:
    """The environment of a phase's process: a copy of the database "prepare" built (its
    SQLite folder copied, or its PostgreSQL database cloned), built on the first call."""
    template = folder / "var-template"
    env = {**os.environ, "SHEQU_VAR_DIR": str(template)}
    postgres = bool(url and url.startswith("postgres"))
    if postgres:
        import psycopg

        base, name = url.rsplit("/", 1)
        env["DATABASE_URL"] = f"{base}/{name}_bench_template"
    if not template.exists():
        if postgres:
            with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}_bench_template"')
                conn.execute(f'CREATE DATABASE "{name}_bench_template"')
        subprocess.run(  # noqa: S603 - our own interpreter and script
            [sys.executable, __file__, "--phase", "prepare"], env=env, check=True
        )
    here = folder / f"var-{phase}"
    shutil.rmtree(here, ignore_errors=True)
    shutil.copytree(template, here)
    env["SHEQU_VAR_DIR"] = str(here)
    if postgres:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}_bench"')
            conn.execute(f'CREATE DATABASE "{name}_bench" TEMPLATE "{name}_bench_template"')
        env["DATABASE_URL"] = f"{base}/{name}_bench"
    return env


def _drop_databases(url: str | None) -> None:
    if url and url.startswith("postgres"):
        import psycopg

        base, name = url.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            for db in (f"{name}_bench", f"{name}_bench_template"):
                conn.execute(f'DROP DATABASE IF EXISTS "{db}"')


def _has_iexport() -> bool:
    try:
        import import_export  # noqa: F401
    except ImportError:
        return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=1, help="best of N for each phase")
    parser.add_argument("--skip", action="append", default=[], help="a phase to leave out")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    if args.phase == "prepare":  # child process: build the places of a fresh database
        setup_city()
        return 0
    if args.phase:  # child process: one measurement on the database "prepare" built
        print(json.dumps(measure(args.phase, Path(args.file))))
        return 0
    url = os.environ.get("DATABASE_URL")
    if url and url.startswith("postgres"):
        os.environ.setdefault("SHEQU_LOCAL_SECRETS", "1")  # keys in the bench's own folder
    phases = [p for p in ("raw", "baseline", "csv", "xlsx", "iexport") if p not in args.skip]
    if "iexport" in phases and not _has_iexport():
        phases.remove("iexport")
        print(
            "iexport   skipped: django-import-export is not installed "
            "(pip install -e '.[bench]', or pip install 'django-import-export>=4.4,<4.5')"
        )
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ["SHEQU_VAR_DIR"] = str(folder / "var")
        import django

        django.setup()
        t = time.perf_counter()
        csv_path, xlsx_path = write_files(args.rows, folder, xlsx="xlsx" in phases)
        print(
            f"generated {args.rows:,} rows in {time.perf_counter() - t:.1f} s "
            f"(csv {csv_path.stat().st_size / 1e6:.1f} MB, "
            f"xlsx {xlsx_path.stat().st_size / 1e6:.1f} MB); "
            f"database: {'PostgreSQL' if url and url.startswith('postgres') else 'SQLite'}; "
            f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
        )
        # Past the default limits (200,000 rows, 50 MB), the bench raises them, as an operator
        # importing a district's list would (SHEQU_IMPORT_MAX_ROWS, _MB, _UNZIPPED_MB).
        size_mb = max(csv_path.stat().st_size, xlsx_path.stat().st_size) // 2**20 + 1
        os.environ.setdefault("SHEQU_IMPORT_MAX_ROWS", str(max(200_000, args.rows + 1)))
        os.environ.setdefault("SHEQU_IMPORT_MAX_MB", str(max(50, size_mb)))
        os.environ.setdefault("SHEQU_IMPORT_MAX_UNZIPPED_MB", str(max(500, args.rows // 1000)))
        results = {}
        for phase in phases:
            path = xlsx_path if phase == "xlsx" else csv_path
            best = None
            for _run in range(args.runs):
                env = _fresh_database(url, phase, folder)
                done = subprocess.run(  # noqa: S603 - our own interpreter and script
                    [sys.executable, __file__, "--phase", phase, "--file", str(path)],
                    env=env,
                    capture_output=True,
                    text=True,
                )
                if done.returncode:
                    print(f"{phase} failed:\n{done.stderr[-3000:]}")
                    return 1
                out = done.stdout.strip().splitlines()[-1]
                r = json.loads(out)
                if best is None or r["seconds"] < best["seconds"]:
                    best = r
            results[phase] = r = best
            write = (
                f"  write pass {r['write_seconds']:.2f} s "
                f"({r['rows'] / r['write_seconds']:,.0f} rows/s)"
                if r["write_seconds"]
                else ""
            )
            print(
                f"{phase:9} {r['rows']:>9,} rows  {r['seconds']:7.2f} s  "
                f"{r['rows'] / r['seconds']:>9,.0f} rows/s  cpu {r['cpu_seconds']:6.2f} s  "
                f"peak RSS {r['peak_rss_mb']:5.0f} MB{write}"
            )
        rate = {p: r["rows"] / r["seconds"] for p, r in results.items()}
        for phase in ("csv", "xlsx"):
            if phase not in rate:
                continue
            if "baseline" in rate:
                print(f"ratio {phase}/baseline rate: {rate[phase] / rate['baseline']:.2f}")
            if "raw" in rate:
                r = results[phase]
                print(
                    f"ratio {phase}/raw rate: end to end {rate[phase] / rate['raw']:.3f}, "
                    f"write pass {r['rows'] / r['write_seconds'] / rate['raw']:.2f}"
                )
            if "iexport" in rate:
                print(f"ratio {phase}/django-import-export: {rate[phase] / rate['iexport']:.1f}")
        _drop_databases(url)
        print(f"load average at the end {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
