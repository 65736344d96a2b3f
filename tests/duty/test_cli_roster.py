"""`shequ roster bench`: solve a benchmark instance and re-check the roster independently."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from shequ.cli import app
from shequ.duty.roster.curtois import evaluate, parse_instance
from tests.duty.benchdata import bench_path


def test_roster_bench_prints_a_roster_whose_penalty_anyone_can_recheck():
    path = bench_path("instances", "Instance1.txt")
    result = CliRunner().invoke(app, ["roster", "bench", str(path), "--time-limit", "5", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["instance"] == "Instance1"
    assert body["feasible"] is True
    assert body["objective"] == body["evaluated_objective"]
    assert len(body["roster"]) == 8
    assert all(len(days) == 14 for days in body["roster"].values())
    # Re-checked here from the instance file and the printed roster alone.
    recheck = evaluate(parse_instance(path), body["roster"])
    assert recheck.feasible, recheck.violations[:5]
    assert recheck.penalty == body["objective"]


def test_roster_bench_refuses_a_missing_file():
    result = CliRunner().invoke(app, ["roster", "bench", "/nonexistent/Instance99.txt"])
    assert result.exit_code == 2
    assert "Instance99" in result.output
