"""Benchmark: a city's places from one sheet, N households (issue #17: 200,000 < 1 minute).

    .venv/bin/python bench/import_places.py [--households 200000] [--xlsx]

Generates a city of N households (2 districts; streets and towns; communities and villages
with their 12-digit statistical division codes; grids; compounds; buildings of 2 units × 10
rooms) as .csv (and .xlsx with --xlsx), then, in its own process on a fresh SQLite database
(WAL) holding only the city and its HQ login, runs the real import (both passes: check every
row, then write in one transaction), then imports the same file again (nothing changes).
Prints the seconds (wall clock, and the process's CPU time: SQLite runs in the process, so on
a machine shared with other work the CPU time is what an idle machine would take) and
rows/s of each, the places created and the peak RSS.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEADER = [
    "区县代码", "区县", "街道代码", "街道", "街道类型", "社区代码", "社区", "社区类型",
    "网格代码", "网格", "小区代码", "小区", "小区类型", "无物业", "楼栋代码", "楼栋",
    "单元", "房号",
]  # fmt: skip
ROOMS, UNITS, BUILDINGS, COMPOUNDS, GRIDS, COMMUNITIES, STREETS = 10, 2, 10, 5, 2, 10, 5


def make_rows(n: int):
    for h in range(n):
        room, unit = h % ROOMS, (h // ROOMS) % UNITS
        building = h // (ROOMS * UNITS)
        compound = building // BUILDINGS
        grid = compound // COMPOUNDS
        community = grid // GRIDS
        street = community // COMMUNITIES
        district = street // STREETS
        d_code = f"6201{district + 2:02d}000000"
        town = street % 3 == 2
        s_code = f"{d_code[:6]}{(street % STREETS) + (100 if town else 1):03d}000"
        village = town and community % 2 == 0
        c_code = f"{s_code[:9]}{(community % COMMUNITIES) + (200 if village else 1):03d}"
        yield [
            d_code, f"第{district + 1}区",
            s_code, f"{street + 1}{'镇' if town else '街道'}", "镇" if town else "街道",
            c_code, f"{community + 1}{'村' if village else '社区'}", "村" if village else "社区",
            "", f"{grid % GRIDS + 1}网格",
            f"K{compound:05d}", f"{compound + 1}号院", "院落" if village else "小区",
            "是" if compound % 7 == 0 else "否",
            "", f"{building % BUILDINGS + 1}号楼",
            str(unit + 1), f"{(room // 2) + 1}0{room % 2 + 1}",
        ]  # fmt: skip


def write_files(n: int, folder: Path, xlsx: bool) -> list[Path]:
    paths = [folder / "places.csv"]
    with paths[0].open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(make_rows(n))
    if xlsx:
        import xlsxwriter

        paths.append(folder / "places.xlsx")
        book = xlsxwriter.Workbook(str(paths[1]), {"constant_memory": True})
        sheet = book.add_worksheet()
        sheet.write_row(0, 0, HEADER)
        for r, row in enumerate(make_rows(n), 1):
            for c, value in enumerate(row):
                sheet.write_string(r, c, value)
        book.close()
    return paths


def prepare() -> None:
    """A fresh database: the city and its HQ login, as `shequ init` leaves it."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from shequ.places.services import city_init

    city_init(city_name="兰州市", city_code="620100", username="bench", password="x" * 20)


def measure(path: Path) -> dict:
    import django

    django.setup()
    from shequ.core import imports
    from shequ.core.models import User
    from shequ.places.models import Place
    from shequ.places.selectors import import_city

    user = User.objects.get(username="bench")
    results: dict = {}
    for run in ("first", "again"):
        start, cpu = time.perf_counter(), time.process_time()
        with path.open("rb") as fh:
            job = imports.import_job_create(
                actor=user,
                kind="places",
                upload=fh,
                filename=path.name,
                place=import_city(user),
                enqueue=False,
            )
        job = imports.run_import(job.pk)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        assert job.status == "done", (job.status, job.message, list(job.row_errors.all()[:5]))
        results[run] = {
            "seconds": seconds,
            "cpu_seconds": cpu,
            "rows": job.created + job.updated + job.unchanged,
            "created": job.created,
            "unchanged": job.unchanged,
        }
    results["places"] = Place.objects.count()
    results["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=200_000)
    parser.add_argument("--xlsx", action="store_true", help="Also import the sheet as .xlsx.")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    # One sheet of the whole city: past the default row and size caps (docs/config.md).
    os.environ.setdefault("SHEQU_IMPORT_MAX_ROWS", str(max(args.households + 1, 200_000)))
    os.environ.setdefault("SHEQU_IMPORT_MAX_MB", "500")
    if args.phase == "prepare":
        prepare()
        return 0
    if args.phase == "measure":
        print(json.dumps(measure(Path(args.file))))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        t = time.perf_counter()
        paths = write_files(args.households, folder, args.xlsx)
        sizes = ", ".join(f"{p.suffix[1:]} {p.stat().st_size / 1e6:.1f} MB" for p in paths)
        print(
            f"generated {args.households:,} households in {time.perf_counter() - t:.1f} s ({sizes})"
        )
        for path in paths:
            env = {**os.environ, "SHEQU_VAR_DIR": str(folder / f"var-{path.suffix[1:]}")}
            script = [sys.executable, __file__, "--households", str(args.households)]
            subprocess.run([*script, "--phase", "prepare"], env=env, check=True)  # noqa: S603
            out = (
                subprocess.run(  # noqa: S603 - our own interpreter and script
                    [*script, "--phase", "measure", "--file", str(path)],
                    env=env,
                    check=True,
                    capture_output=True,
                    text=True,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            r = json.loads(out)
            for run in ("first", "again"):
                m = r[run]
                print(
                    f"{path.suffix[1:]:4} {run:5} {m['rows']:>8,} rows  {m['seconds']:7.2f} s  "
                    f"{m['rows'] / m['seconds']:>9,.0f} rows/s  (CPU {m['cpu_seconds']:.2f} s; "
                    f"created {m['created']:,}, unchanged {m['unchanged']:,})"
                )
            print(f"{path.suffix[1:]:4} places in the tree: {r['places']:,}; peak RSS "
                  f"{r['peak_rss_mb']:.0f} MB")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
