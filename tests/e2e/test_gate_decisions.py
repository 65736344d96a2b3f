"""decide.js in a real browser gives exactly the decision of every case in
tests/checkpoints/decision_cases.json (which Python's `decide` gives too, see
tests/checkpoints/test_decisions.py), and knows every reason's effect and alert."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shequ.checkpoints import decisions

DECIDE_JS = Path(decisions.__file__).parent / "static" / "checkpoints" / "decide.js"
CASES = json.loads(
    (Path(__file__).parent.parent / "checkpoints" / "decision_cases.json").read_text()
)


@pytest.fixture
def decide_page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_content("<!doctype html><title>decide</title>")
    page.add_script_tag(content=DECIDE_JS.read_text(encoding="utf-8"))
    yield page
    context.close()


def test_every_case_decides_the_same_in_the_browser(decide_page) -> None:
    got = decide_page.evaluate(
        """cases => cases.map(c =>
            ShequGate.decide(c.facts, c.pass, c.resident, c.zone, c.rules))""",
        CASES,
    )
    assert len(got) == len(CASES) > 0
    wrong = [
        (case["name"], result, case["expect"])
        for case, result in zip(CASES, got, strict=True)
        if result != case["expect"]
    ]
    assert wrong == []
    # And Python agrees on the same cases (so phone and server agree with each other).
    for case, result in zip(CASES, got, strict=True):
        py = decisions.decide(
            case["facts"], case["pass"], case["resident"], case["zone"], case["rules"]
        )
        assert py == result, case["name"]


def test_browser_effects_are_pythons_reasons(decide_page) -> None:
    effects = decide_page.evaluate("ShequGate.EFFECTS")
    assert effects == {
        code: [effect, alert] for code, (effect, alert, _label) in decisions.REASONS.items()
    }


def test_browser_default_rules_are_pythons(decide_page) -> None:
    assert decide_page.evaluate("ShequGate.DEFAULT_RULES") == decisions.DEFAULT_RULES


def test_decide_does_not_change_its_inputs_in_the_browser(decide_page) -> None:
    unchanged = decide_page.evaluate(
        """cases => cases.every(c => {
            const before = JSON.stringify(c);
            ShequGate.decide(c.facts, c.pass, c.resident, c.zone, c.rules);
            return JSON.stringify(c) === before;
        })""",
        CASES,
    )
    assert unchanged is True
