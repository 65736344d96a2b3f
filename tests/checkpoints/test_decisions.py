"""The gate decision table: every reason alone, at its boundary, and in combination. The same
cases run through the phone's decide.js in tests/e2e/test_gate_decisions.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shequ.checkpoints.decisions import ALERTS, DEFAULT_RULES, REASONS, decide

CASES = json.loads((Path(__file__).parent / "decision_cases.json").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_decision_table(case: dict) -> None:
    got = decide(case["facts"], case["pass"], case["resident"], case["zone"], case["rules"])
    assert got == case["expect"]


def test_every_reason_appears_in_the_table() -> None:
    seen = {r for c in CASES for r in c["expect"]["reasons"]}
    assert seen == set(REASONS)


def test_alerting_reasons_are_fever_codes_and_isolation() -> None:
    assert {
        "fever",
        "health_code_red",
        "health_code_yellow",
        "isolation_breach",
        "isolation_returning",
    } == ALERTS


def test_decide_does_not_change_its_inputs() -> None:
    case = CASES[-2]
    before = json.dumps(case, sort_keys=True)
    decide(case["facts"], case["pass"], case["resident"], case["zone"], case["rules"])
    assert json.dumps(case, sort_keys=True) == before
    assert DEFAULT_RULES["exit_quota"] is None
