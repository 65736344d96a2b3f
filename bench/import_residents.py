"""Benchmark: import N residents from .xlsx and .csv, against a plain bulk_create baseline.

    .venv/bin/python bench/import_residents.py [--rows 100000]

Each measurement runs in its own process on a fresh SQLite database that another process
filled with the places first (so the peak RSS printed is that measurement's alone): the
baseline bulk_creates the same rows as Resident objects (PII still encrypted by the field),
then the real import (both passes: check every row, then write in one transaction) runs on
the CSV and on the XLSX. Prints seconds, rows/s, peak RSS and the
import/baseline rate ratio. Issue #4's targets: 100,000 xlsx rows < 20 s, peak RSS < 500 MB,
rate ≥ 0.5 × baseline.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
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
        household = i // 4
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


def write_files(n: int, folder: Path) -> tuple[Path, Path]:
    import xlsxwriter

    csv_path, xlsx_path = folder / "residents.csv", folder / "residents.xlsx"
    with csv_path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(make_rows(n))
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


def measure(phase: str, path: Path) -> dict:
    import django
    from django.db import transaction

    django.setup()
    from shequ.core.models import User
    from shequ.places.models import Place

    user = User.objects.get(username="bench")
    community = Place.objects.get(kind="community")
    from shequ.core import imports
    from shequ.places.models import Place
    from shequ.residents.models import Resident

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if phase == "baseline":
        rooms = {
            (p.parent.parent.name, p.parent.name, p.name.removesuffix("室")): p.pk
            for p in Place.objects.filter(kind="household").select_related("parent__parent")
        }
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            next(reader)
            rows = list(reader)
        start = time.perf_counter()
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
        seconds = time.perf_counter() - start
    else:
        start = time.perf_counter()
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
        seconds = time.perf_counter() - start
        assert job.status == "done", (job.status, job.message, list(job.row_errors.all()[:5]))
    count = Resident.objects.count()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "phase": phase,
        "rows": count,
        "seconds": seconds,
        "peak_rss_mb": peak,
        "rss_before_mb": rss_before,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
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
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ["SHEQU_VAR_DIR"] = str(folder / "var")
        import django

        django.setup()
        t = time.perf_counter()
        csv_path, xlsx_path = write_files(args.rows, folder)
        print(
            f"generated {args.rows:,} rows in {time.perf_counter() - t:.1f} s "
            f"(csv {csv_path.stat().st_size / 1e6:.1f} MB, "
            f"xlsx {xlsx_path.stat().st_size / 1e6:.1f} MB)"
        )
        results = {}
        for phase, path in (("baseline", csv_path), ("csv", csv_path), ("xlsx", xlsx_path)):
            env = {**os.environ, "SHEQU_VAR_DIR": str(folder / f"var-{phase}")}
            subprocess.run(  # noqa: S603 - our own interpreter and script
                [sys.executable, __file__, "--phase", "prepare"], env=env, check=True
            )
            out = (
                subprocess.run(  # noqa: S603 - our own interpreter and script
                    [sys.executable, __file__, "--phase", phase, "--file", str(path)],
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            results[phase] = r = json.loads(out)
            print(
                f"{phase:9} {r['rows']:>8,} rows  {r['seconds']:7.2f} s  "
                f"{r['rows'] / r['seconds']:>9,.0f} rows/s  peak RSS {r['peak_rss_mb']:6.0f} MB"
            )
        base_rate = results["baseline"]["rows"] / results["baseline"]["seconds"]
        for phase in ("csv", "xlsx"):
            rate = results[phase]["rows"] / results[phase]["seconds"]
            print(f"ratio {phase}/baseline rate: {rate / base_rate:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
