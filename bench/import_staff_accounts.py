"""Benchmark: import N staff rows with their logins (issue #17: 20,000 in < 60 s).

    .venv/bin/python bench/import_staff_accounts.py [--rows 20000] [--xlsx]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_staff \
        .venv/bin/python bench/import_staff_accounts.py --rows 20000

On a fresh SQLite database in a temporary folder (or the PostgreSQL database named by
DATABASE_URL, which must exist and is migrated; its staff and logins are not cleared):
an agency coordinator imports N synthetic cadres with phone numbers through the real import
(both passes, in process), which creates N logins bound to their records; then the same file
again (nothing changes, no login made). Prints seconds for each and checks the counts.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from pathlib import Path

HEADER = ["姓名", "身份证号", "手机号码", "职级", "党员", "技能"]


def make_rows(n: int, phones: bool = True):
    import datetime as dt

    from shequ.residents.idcard import check_char

    for i in range(n):
        born = dt.date(1965, 1, 1) + dt.timedelta(days=(i // 500) % 12000)
        first17 = f"629999{born:%Y%m%d}{(i % 500) * 2 + 1:03d}"
        yield [
            f"干部{i}",
            first17 + check_char(first17),
            f"199{i:08d}" if phones else "",
            "科员" if i % 7 else "县处级",
            "是" if i % 3 else "否",
            "驾驶" if i % 5 == 0 else "",
        ]


def write_file(n: int, folder: Path, xlsx: bool, phones: bool = True) -> Path:
    if not xlsx:
        path = folder / "staff.csv"
        with path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(HEADER)
            writer.writerows(make_rows(n, phones))
        return path
    import xlsxwriter

    path = folder / "staff.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, HEADER)
    for r, row in enumerate(make_rows(n, phones), 1):
        sheet.write_row(r, 0, row)
    book.close()
    return path


def run(path: Path, user: object) -> tuple[float, object]:
    from shequ.core import imports

    start = time.perf_counter()
    with path.open("rb") as fh:
        job = imports.import_job_create(
            actor=user, kind="staff", upload=fh, filename=path.name, enqueue=False
        )
    job = imports.run_import(job.pk)
    return time.perf_counter() - start, job


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--xlsx", action="store_true", help="import an .xlsx (default .csv)")
    parser.add_argument(
        "--no-phones", action="store_true", help="leave the phones out: no logins (a baseline)"
    )
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.environ["SHEQU_VAR_DIR"] = str(folder / "var")
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        from shequ.core.models import User
        from shequ.core.services import role_grant
        from shequ.mobilization.models import Agency, Staff

        agency, _ = Agency.objects.get_or_create(
            code="BENCH", defaults={"name": "基准厅", "level": "province"}
        )
        user = User.objects.filter(username="bench-coord").first() or User.objects.create_user(
            "bench-coord", None
        )
        role_grant(actor=None, user=user, role="agency_coordinator", agency=agency)
        path = write_file(args.rows, folder, args.xlsx, not args.no_phones)
        database = django.db.connection.vendor
        phones = "without phones" if args.no_phones else "with phones"
        print(f"{args.rows:,} rows ({path.suffix}, {phones}), {database}")
        logins_before = User.objects.count()
        seconds, job = run(path, user)
        assert job.status == "done", (job.status, job.message, list(job.row_errors.all()[:5]))
        bound = Staff.objects.filter(agency=agency, user__isnull=False).count()
        made = User.objects.count() - logins_before
        print(
            f"first import: {seconds:6.2f} s  {args.rows / seconds:8,.0f} rows/s  "
            f"created {job.created:,} staff, {made:,} logins, {bound:,} bound"
        )
        seconds, job = run(path, user)
        assert job.status == "done"
        again = User.objects.count() - logins_before - made
        print(
            f"re-import:    {seconds:6.2f} s  {args.rows / seconds:8,.0f} rows/s  "
            f"unchanged {job.unchanged:,}, {again} new logins"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
