"""Benchmark: `shequ roster bench` on generated Curtois & Qu-format instances (issue #22).

    .venv/bin/python bench/roster_generated.py [--time-limit 60] [--threads 2]
        [--only 21,23,24] [--seeds 1] [--extra-seeds 2] [--write-readme]

The published instances (T. Curtois and R. Qu, "Computational results on new staff
scheduling benchmark instances", 2014, http://www.schedulingbenchmarks.org) run from 14 days x
8 staff x 1 shift type (Instance1) to 364 x 150 x 32 (Instance24); only 1-12 are kept beside the
repository. This script generates an instance of each published shape (`shequ roster generate`,
duty/roster/curtois/generate.py: tight around a hidden roster that keeps every rule) with each
of --seeds, plus --extra-seeds on the shapes of 13-24, and solves each in its own process as
`shequ roster bench` does (`curtois.solve`, then the independent `curtois.evaluate`).

Per row: the shape, the seed, feasible (the evaluator's verdict on the returned roster), the
seconds until the first feasible roster was in hand, the objective at the limit, the hidden
roster's objective and the gap objective / hidden - 1 (negative: better than the roster the
instance was built around), the solver's seconds, and the 1-minute load average when the row
finished (the machine may be shared). Nothing is asserted; --write-readme replaces the table
between the generated-table markers in bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO)]  # this checkout's code, whatever is installed

README = REPO / "bench" / "README.md"
BEGIN, END = "<!-- generated-table:begin -->", "<!-- generated-table:end -->"

# The published instances' shapes (days, staff, shift types), Instance1 .. Instance24.
SHAPES = [
    (14, 8, 1),
    (14, 14, 2),
    (14, 20, 3),
    (28, 10, 2),
    (28, 16, 2),
    (28, 18, 3),
    (28, 20, 3),
    (28, 30, 4),
    (28, 36, 4),
    (28, 40, 5),
    (28, 50, 6),
    (28, 60, 10),
    (28, 120, 18),
    (42, 32, 4),
    (42, 45, 6),
    (56, 20, 3),
    (56, 32, 4),
    (84, 22, 3),
    (84, 40, 5),
    (182, 50, 6),
    (182, 100, 8),
    (364, 50, 10),
    (364, 100, 16),
    (364, 150, 32),
]

HEADER = (
    "| shape (as Instance) | days × staff × shifts | seed | feasible | first feasible | "
    "objective | hidden | gap | seconds | load |\n"
    "| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
)


def child(path: str, time_limit: float, threads: int) -> dict:
    from shequ.duty.roster.curtois import evaluate, parse_instance, solve

    instance = parse_instance(path)
    solution = solve(instance, time_limit_s=time_limit, threads=threads)
    checked = evaluate(instance, solution.roster) if solution.feasible else None
    return {
        "feasible": bool(solution.feasible and checked is not None and checked.feasible),
        "objective": solution.objective,
        "evaluated": checked.penalty if checked is not None else None,
        "first": solution.first_seconds,
        "seconds": solution.seconds,
        "status": solution.status,
        "violations": checked.violations[:3] if checked is not None else [],
    }


def run(number: int, shape: tuple[int, int, int], seed: int, args: argparse.Namespace) -> dict:
    from shequ.duty.roster.curtois.generate import generate

    days, staff, types = shape
    made = generate(days=days, staff=staff, shift_types=types, seed=seed)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"gen_{days}x{staff}x{types}_{seed}.txt"
        path.write_text(made.text, encoding="utf-8")
        command = [sys.executable, __file__, "--child", str(path)]
        command += ["--time-limit", str(args.time_limit), "--threads", str(args.threads)]
        done = subprocess.run(command, check=True, capture_output=True, text=True)  # noqa: S603
    r = json.loads(done.stdout.strip().splitlines()[-1])
    load = os.getloadavg()[0]
    gap = "—"
    if r["objective"] is not None and made.hidden_objective:
        gap = f"{100 * (r['objective'] / made.hidden_objective - 1):+.1f} %"
    agree = r["objective"] == r["evaluated"]
    feasible = "yes" if r["feasible"] and agree else "**no**"
    first = f"{r['first']:.1f} s" if r["first"] is not None else "—"
    row = (
        f"| {number} | {days} × {staff} × {types} | {seed} | {feasible} | {first} "
        f"| {r['objective'] if r['objective'] is not None else '—'} | {made.hidden_objective} "
        f"| {gap} | {r['seconds']:.1f} | {load:.1f} |"
    )
    print(row, flush=True)
    for violation in r["violations"]:
        print(f"|   ! {violation}", flush=True)
    return {**r, "row": row, "hidden": made.hidden_objective, "load": load}


def pick(spec: str) -> list[int]:
    out: list[int] = []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        first, _, last = part.partition("-")
        out.extend(range(int(first), int(last or first) + 1))
    return out


def summary(results: list[dict]) -> list[str]:
    feasible = sum(1 for r in results if r["feasible"] and r["objective"] == r["evaluated"])
    firsts = [r["first"] for r in results if r["first"] is not None]
    gaps = [r["objective"] / r["hidden"] - 1 for r in results if r["objective"] and r["hidden"]]
    loads = [r["load"] for r in results]
    lines = [
        f"- feasible (re-checked by the evaluator, objective = evaluated): {feasible} of "
        f"{len(results)}"
    ]
    if firsts:
        lines.append(f"- first feasible roster: at most {max(firsts):.1f} s")
    if gaps:
        better = sum(1 for g in gaps if g <= 0)
        lines.append(
            f"- gap to the hidden roster: median {100 * sorted(gaps)[len(gaps) // 2]:+.1f} %, "
            f"worst {100 * max(gaps):+.1f} %; at or below the hidden roster on {better} of "
            f"{len(gaps)}"
        )
    lines.append(f"- load average (1 min) at the rows' ends: {min(loads):.1f}–{max(loads):.1f}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", default="1-24", help="published shapes, e.g. 21,23-24")
    parser.add_argument("--seeds", default="1")
    parser.add_argument("--extra-seeds", default="2", help="more seeds on shapes 13-24")
    parser.add_argument("--write-readme", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.time_limit, args.threads)))
        return 0
    runs = [(n, s) for s in pick(args.seeds) for n in pick(args.only)]
    runs += [(n, s) for s in pick(args.extra_seeds) for n in pick(args.only) if n >= 13]
    preamble = (
        f"`{' '.join(['.venv/bin/python bench/roster_generated.py', *sys.argv[1:]])}` — "
        f"{platform.machine()} × {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"OR-Tools {version('ortools')}, {args.threads} threads, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
    )
    print(f"# {preamble}")
    print(HEADER, flush=True)
    results = [run(n, SHAPES[n - 1], seed, args) for n, seed in runs]
    notes = summary(results)
    print()
    print("\n".join(notes))
    if args.write_readme:
        text = README.read_text(encoding="utf-8")
        if BEGIN not in text or END not in text:
            raise SystemExit(f"{README}: markers {BEGIN} / {END} not found")
        head, rest = text.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        table = "\n".join([preamble, "", HEADER, *(r["row"] for r in results), "", *notes])
        README.write_text(f"{head}{BEGIN}\n{table}\n{END}{tail}", encoding="utf-8")
        print(f"wrote the table into {README.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
