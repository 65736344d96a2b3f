"""Benchmark: the Curtois & Qu nurse-rostering instances (issue #6, item 3).

    .venv/bin/python bench/roster_curtois.py [--time-limit 60] [--threads 2]
        [--instances 1-12] [--long-limit 600 --long 8,12] [--write-readme]

Solves each instance with `duty/roster/curtois_model.py` (OR-Tools CP-SAT) within the time
limit (model building included), re-evaluates the roster with the independent evaluator
(`duty/roster/curtois.py`, which never calls the solver) and prints, per instance: best known
(upper bound of `best_known.csv`), the solver's objective, the evaluator's, the gap to the
best known, the status and the seconds. `--long` instances are solved again with
`--long-limit`. `--write-readme` replaces the table between the markers in bench/README.md.

Instances: T. Curtois and R. Qu, "Computational results on new staff scheduling benchmark
instances", 2014, schedulingbenchmarks.org (copies in ../shared/benchdata/shift_scheduling/).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import platform
import sys
from importlib.metadata import version
from pathlib import Path

from shequ.duty.roster.curtois import evaluate, parse_instance
from shequ.duty.roster.curtois_model import solve

HERE = Path(__file__).resolve().parent
README = HERE / "README.md"
BEGIN, END = "<!-- curtois-table:begin -->", "<!-- curtois-table:end -->"


def data_dir() -> Path:
    for base in (HERE.parent.parent / "shared", Path("/work/shared")):
        path = base / "benchdata" / "shift_scheduling"
        if path.is_dir():
            return path
    sys.exit("benchdata/shift_scheduling not found beside the checkout")


def numbers(spec: str) -> list[int]:
    out: list[int] = []
    for part in spec.split(","):
        a, _, b = part.partition("-")
        out.extend(range(int(a), int(b or a) + 1))
    return out


def run(path: Path, best: int, limit: float, threads: int) -> dict:
    instance = parse_instance(path.read_text())
    solution = solve(instance, time_limit_s=limit, threads=threads)
    evaluated = evaluate(instance, solution.roster).penalty if solution.feasible else None
    gap = 100 * (solution.objective - best) / best if solution.feasible and best else None
    return {
        "instance": path.stem,
        "limit": limit,
        "best": best,
        "objective": solution.objective,
        "evaluated": evaluated,
        "gap": gap,
        "status": solution.status.lower(),
        "seconds": solution.seconds,
    }


def row(r: dict) -> str:
    def fmt(v):  # type: ignore[no-untyped-def]
        return "—" if v is None else str(v)

    gap = "—" if r["gap"] is None else f"{r['gap']:.2f} %"
    return (
        f"| {r['instance']} | {r['limit']:g} | {r['best']} | {fmt(r['objective'])} | "
        f"{fmt(r['evaluated'])} | {gap} | {r['status']} | {r['seconds']:.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--time-limit", type=float, default=60)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--instances", default="1-12")
    parser.add_argument("--long", default="")
    parser.add_argument("--long-limit", type=float, default=600)
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args()
    base = data_dir()
    with (base / "best_known.csv").open() as f:
        best = {r["instance"]: int(r["best_known_upper_bound"]) for r in csv.DictReader(f)}
    header = (
        f"{dt.date.today()} — {platform.node()}, {os.cpu_count()} CPUs, Python "
        f"{sys.version.split()[0]}, OR-Tools {version('ortools')}, {args.threads} threads"
    )
    print("#", header)
    lines = [
        "| instance | limit s | best known | objective | evaluated | gap | status | seconds |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    print(lines[0])
    jobs = [(n, args.time_limit) for n in numbers(args.instances)]
    jobs += [(n, args.long_limit) for n in (numbers(args.long) if args.long else [])]
    for n, limit in jobs:
        name = f"Instance{n}"
        result = run(base / "instances" / f"{name}.txt", best[name], limit, args.threads)
        lines.append(row(result))
        print(lines[-1], flush=True)
    if args.write_readme:
        text = README.read_text()
        table = "\n".join([BEGIN, f"Measured {header}.", "", *lines, END])
        if BEGIN in text:
            start, end = text.index(BEGIN), text.index(END) + len(END)
            text = text[:start] + table + text[end:]
        else:
            text = text.rstrip() + "\n\n" + table + "\n"
        README.write_text(text)


if __name__ == "__main__":
    main()
