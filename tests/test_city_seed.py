"""`shequ seed --scenario city`: its plan (deterministic, communities of 2,000–10,000), and
a clear refusal on SQLite (the city loads with PostgreSQL's COPY; tests/pg/test_city_seed.py
builds one)."""

from __future__ import annotations

import pytest
from django.db import connection
from typer.testing import CliRunner

from shequ.citygen.shape import plan
from shequ.cli import app


def test_the_plan_is_the_same_for_a_seed_and_sums_to_the_residents():
    first, again, other = plan(10_000_000, 42), plan(10_000_000, 42), plan(10_000_000, 43)
    assert first == again
    assert first != other
    assert sum(first.people) == 10_000_000
    assert all(1900 <= p <= 10_500 for p in first.people)
    assert first.districts >= 2
    assert first.streets == -(-len(first.people) // 10)


@pytest.mark.django_db
def test_the_city_scenario_on_sqlite_says_it_needs_postgresql(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")  # as on SQLite, also in a PG run
    result = CliRunner().invoke(app, ["seed", "--scenario", "city", "--residents", "1000"])
    assert result.exit_code == 2
    assert "PostgreSQL" in result.output
