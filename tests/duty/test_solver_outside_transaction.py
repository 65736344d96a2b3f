"""The solvers never run inside a write transaction.

On SQLite a transaction holds the database's one write lock (`BEGIN IMMEDIATE`). A solve of
seconds inside one made every other write meanwhile — a swap asked on a phone, a check-in, a
passage at a gate — wait past the busy timeout and fail with "database is locked" (a 500).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from shequ.duty import changes, planning
from shequ.duty.models import RosterStatus, ShiftChange
from shequ.duty.planning import services as planning_services
from shequ.mobilization import formation
from tests.duty import conftest as duty_conftest
from tests.duty.helpers import day_shift, put, roster_for
from tests.mobilization import conftest as mob_conftest
from tests.mobilization.test_formation import pool

duty = duty_conftest.duty
mob = mob_conftest.mob
pool = pool  # nine people reported in for the order

pytestmark = pytest.mark.django_db(transaction=True)


def _watch(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[bool]:
    """Record, at each call of module.name, whether a transaction was open."""
    seen: list[bool] = []
    real: Callable[..., Any] = getattr(module, name)

    def watched(*args: Any, **kwargs: Any) -> Any:
        seen.append(connection.in_atomic_block)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, watched)
    return seen


def test_a_roster_is_solved_before_its_transaction(monkeypatch, personas, city, duty):
    seen = _watch(monkeypatch, planning_services, "best_roster")
    roster = planning.roster_generate(
        actor=personas.staff_a, place=city.a, starts_on=duty.tomorrow, days=2
    )
    assert roster.assignments.exists()
    assert seen == [False]


def test_a_replan_is_solved_before_its_transaction(monkeypatch, personas, city, duty):
    published = roster_for(personas.staff_a, city.a, duty.tomorrow)
    put(published, day_shift(duty), duty.tomorrow, duty.people[0])
    seen = _watch(monkeypatch, planning_services, "best_roster")
    draft = planning.roster_replan(actor=personas.staff_a, roster=published, reason="x")
    assert draft.based_on == published
    assert seen == [False]


def test_a_sick_report_solves_its_replan_before_its_transaction(monkeypatch, personas, city, duty):
    published = roster_for(personas.staff_a, city.a, duty.tomorrow)
    mine = put(published, day_shift(duty), duty.tomorrow, duty.people[0])
    seen = _watch(monkeypatch, planning_services, "best_roster")
    change = changes.sick_report(actor=personas.cadre, assignment=mine, reason="发烧")
    assert seen == [False]
    # The proposal still leaves the sick person off that day, and is saved with the report.
    change = ShiftChange.objects.select_related("proposal").get(pk=change.pk)
    assert change.proposal.status == RosterStatus.DRAFT
    assert not change.proposal.assignments.filter(staff=duty.people[0], day=duty.tomorrow).exists()


def test_teams_are_formed_before_their_transaction(monkeypatch, personas, mob, pool):
    seen = _watch(monkeypatch, formation.solver, "form_teams")
    draft = formation.team_draft_create(
        actor=personas.hq, order=mob.order, rules=formation.rules_from(size=3, time_limit_s=5)
    )
    assert len(draft.teams) == 3
    assert seen == [False]
