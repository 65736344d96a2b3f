"""Schemathesis over every /api/v1 operation, longer than `make test` runs it.

    .venv/bin/python bench/api_fuzz.py                       # SQLite, 30 examples each
    .venv/bin/python bench/api_fuzz.py --examples 100 --seed 7
    .venv/bin/python bench/api_fuzz.py --postgres            # scratch database on :5432

Runs tests/api/test_schema_fuzz.py (the same world, users and checks: no 5xx, status code,
content type and body as declared) with more generated requests per operation and user, the
two users on two pytest-xdist workers, and prints what it ran and found.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = "postgres://postgres@127.0.0.1:5432/bench_api_fuzz"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--examples", type=int, default=30, help="per operation and user")
    parser.add_argument("--seed", type=int, default=20261206)
    parser.add_argument("--postgres", action="store_true", help=f"run on {PG_URL}")
    parser.add_argument("--show", type=int, default=20, help="findings to print in full")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "fuzz.jsonl"
        env = {
            **os.environ,
            "SHEQU_FUZZ_EXAMPLES": str(args.examples),
            "SHEQU_FUZZ_SEED": str(args.seed),
            "SHEQU_FUZZ_REPORT": str(report),
        }
        if args.postgres:
            env.update(DATABASE_URL=PG_URL, SHEQU_TEST_PG="1")
        command = [
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2",
            "tests/api/test_schema_fuzz.py",
        ]  # fmt: skip
        started = time.perf_counter()
        run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)  # noqa: S603
        wall = time.perf_counter() - started
        text = report.read_text() if report.exists() else ""
        lines = [json.loads(line) for line in text.splitlines()]

    if not lines:
        print(run.stdout[-3000:], run.stderr[-3000:])
        return 1
    database = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{database}, {args.examples} examples per operation and user, seed {args.seed}")
    print("| user | operations | cases | 2xx | 4xx | server errors | schema violations | seconds |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    found = []
    for line in sorted(lines, key=lambda r: r["user"]):
        statuses = {int(k): v for k, v in line["statuses"].items()}
        ok = sum(v for k, v in statuses.items() if k < 300)
        refused = sum(v for k, v in statuses.items() if 400 <= k < 500)
        print(
            f"| {line['user']} | {line['operations']} | {line['cases']:,} | {ok:,} | {refused:,} "
            f"| {line['server_errors']} | {line['schema_violations']} | {line['seconds']} |"
        )
        found += line["found"]
    print(f"status codes: {dict(sorted(status_totals(lines).items()))}")
    print(f"wall time with setup (database, the world): {wall:.1f} s")
    kinds = Counter((f["user"], f["operation"], f["check"], f["status"]) for f in found)
    for (user, operation, check, status), n in sorted(kinds.items()):
        print(f"  {n} × {user} {operation} → {status} [{check}]")
    for f in found[: args.show]:
        print(f"\n{f['user']} {f['operation']} → {f['status']} [{f['check']}]")
        print(f"{f['message']}\n{f['curl']}")
    return 1 if found else 0


def status_totals(lines: list[dict]) -> Counter:
    total: Counter = Counter()
    for line in lines:
        total.update({int(k): v for k, v in line["statuses"].items()})
    return total


if __name__ == "__main__":
    sys.exit(main())
