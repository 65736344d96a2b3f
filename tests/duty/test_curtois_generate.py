"""Generated Curtois & Qu instances (issue #22): every one is feasible, its hidden roster
re-checked by the independent evaluator, and its rules bind as in the published ones."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from shequ.cli import app
from shequ.duty.roster.curtois import evaluate, parse_instance
from shequ.duty.roster.curtois.generate import generate

SHAPES = [
    (14, 8, 1),
    (14, 12, 2),
    (28, 10, 3),
    (28, 30, 4),
    (35, 20, 6),
    (42, 45, 3),
    (56, 16, 12),
    (84, 40, 5),
    (28, 120, 18),
    (182, 100, 8),
    (364, 150, 32),
]


@pytest.mark.parametrize(("days", "staff", "types"), SHAPES)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_generated_instance_is_feasible_and_its_hidden_roster_scores_as_computed(
    days, staff, types, seed
):
    made = generate(days=days, staff=staff, shift_types=types, seed=seed)
    instance = parse_instance(made.text)
    assert (instance.horizon, len(instance.staff), len(instance.shifts)) == (days, staff, types)
    checked = evaluate(instance, made.hidden)
    assert checked.feasible, checked.violations[:5]
    assert checked.penalty == made.hidden_objective
    assert f"hidden roster objective {made.hidden_objective}" in made.text.splitlines()[0]


@pytest.mark.parametrize(("days", "staff", "types"), [(28, 30, 4), (182, 100, 8)])
def test_the_rules_bind_as_in_the_published_instances(days, staff, types):
    made = generate(days=days, staff=staff, shift_types=types, seed=3)
    instance = parse_instance(made.text)
    lengths = {s.id: s.length for s in instance.shifts}
    tight_minutes = at_weekend_limit = at_max_run = 0
    for person in instance.staff:
        line = made.hidden[person.id]
        minutes = sum(lengths[s] for s in line if s)
        assert person.min_total_minutes <= minutes <= person.max_total_minutes
        # The minutes window is at most two and a half shifts wide and reaches at most half a
        # shift above the line: nobody can simply work more to fill a gap.
        unit = max(lengths.values())
        if (
            person.max_total_minutes - person.min_total_minutes <= 2.5 * unit
            and person.max_total_minutes - minutes <= unit / 2
        ):
            tight_minutes += 1
        weekends = sum(1 for w in range(days // 7) if line[7 * w + 5] or line[7 * w + 6])
        at_weekend_limit += weekends == person.max_weekends
        run = longest = 0
        for s in line:
            run = run + 1 if s else 0
            longest = max(longest, run)
        at_max_run += longest == person.max_consecutive_shifts
        # Fixed days off fall on the hidden line's days off.
        assert all(not line[d] for d in instance.days_off.get(person.id, ()))
    assert tight_minutes == staff
    assert at_weekend_limit >= 0.6 * staff
    assert at_max_run >= 0.5 * staff
    # Cover is what the hidden roster provides, give or take one: high utilisation.
    assert sum(c.requirement for c in instance.cover) >= 0.95 * sum(
        1 for line in made.hidden.values() for s in line if s
    )
    assert {c.weight_under for c in instance.cover} == {100}
    assert len(instance.on_requests) > 0.1 * days * staff
    assert len(instance.off_requests) > 0.04 * days * staff


def test_the_same_seed_gives_the_same_instance_and_another_seed_another():
    one = generate(days=28, staff=20, shift_types=3, seed=5)
    assert one.text == generate(days=28, staff=20, shift_types=3, seed=5).text
    assert one.text != generate(days=28, staff=20, shift_types=3, seed=6).text


def test_roster_generate_writes_an_instance_and_its_hidden_roster(tmp_path):
    out, hidden = tmp_path / "g.txt", tmp_path / "g.json"
    args = ["roster", "generate", "--days", "28", "--staff", "12", "--shift-types", "3"]
    args += ["--seed", "4", "-o", str(out), "--hidden", str(hidden)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    body = json.loads(hidden.read_text(encoding="utf-8"))
    assert f"hidden roster objective {body['objective']}" in result.output
    checked = evaluate(parse_instance(out), body["roster"])
    assert checked.feasible
    assert checked.penalty == body["objective"]


def test_roster_generate_refuses_a_shape_outside_the_range_naming_the_option():
    result = CliRunner().invoke(app, ["roster", "generate", "--days", "3"])
    assert result.exit_code == 2
    assert "days" in result.output


@pytest.mark.parametrize(
    ("days", "staff", "types", "seconds"),
    [(14, 8, 1, 3), (28, 30, 4, 5), (84, 40, 5, 10), (182, 50, 6, 30)],
)
def test_the_solver_returns_a_roster_the_evaluator_finds_feasible(days, staff, types, seconds):
    from shequ.duty.roster.curtois import solve

    made = generate(days=days, staff=staff, shift_types=types, seed=1)
    instance = parse_instance(made.text)
    solution = solve(instance, time_limit_s=seconds, threads=2)
    assert solution.feasible
    assert solution.first_seconds is not None
    checked = evaluate(instance, solution.roster)
    assert checked.feasible, checked.violations[:5]
    assert checked.penalty == solution.objective
