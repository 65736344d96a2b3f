"""The demo's mass testing: yesterday's round finished, today's under way with one positive
pool recalled."""

from __future__ import annotations

import pytest

from shequ import scenarios
from shequ.outreach.models import TaskStatus, Visit
from shequ.residents.models import HealthStatus, Resident
from shequ.testing import selectors
from shequ.testing.models import (
    Exemption,
    HomeReason,
    Recall,
    RecallKind,
    Round,
    RoundStatus,
    Site,
    Tube,
    TubeResult,
    TubeStatus,
)
from tests.testing.conftest import home_tasks


@pytest.fixture
def demo(db):
    return scenarios.demo(seed=42, residents=300, cadres=100)


def _rounds() -> tuple[Round, Round]:
    finished = Round.objects.get(status=RoundStatus.FINISHED)
    running = Round.objects.get(status=RoundStatus.RUNNING)
    return finished, running


def _totals(round_: Round):
    rows = []
    for place in round_.places.all():
        rows += selectors.coverage(round_, place, "community")
    return selectors.totals(rows)


def test_a_finished_round_and_a_running_one(demo) -> None:
    sites = list(Site.objects.prefetch_related("stations"))
    assert len(sites) >= 2
    assert all(s.stations.count() == 2 for s in sites)
    assert demo.counts["testing_round"] == 2
    finished, running = _rounds()
    assert finished.ends_on < running.starts_on

    # Yesterday: nearly everyone due sampled, a few exempt, every tube at the lab, negative.
    total = _totals(finished)
    assert total.residents > 200
    assert Exemption.objects.filter(round=finished).exists()
    assert total.exempt > 0
    assert total.sampled / (total.residents - total.exempt) > 0.95
    tubes = Tube.objects.filter(round=finished)
    assert set(tubes.values_list("status", flat=True)) == {TubeStatus.RESULTED}
    assert set(tubes.values_list("result", flat=True)) == {TubeResult.NEGATIVE}
    assert not tubes.filter(transfer__isnull=True).exists()
    assert not Recall.objects.filter(round=finished).exists()

    # Today: partial coverage, tubes at every stage, door-to-door outcomes for the missed.
    total = _totals(running)
    share = total.sampled / (total.residents - total.exempt)
    assert 0.35 < share < 0.75
    assert total.missed > 0
    statuses = set(Tube.objects.filter(round=running).values_list("status", flat=True))
    assert {TubeStatus.OPEN, TubeStatus.CLOSED, TubeStatus.RESULTED} <= statuses
    assert Visit.objects.filter(task__campaign__round=running, answers__has_key="door").exists()


def test_one_positive_pool_recalls_ten_members_pending_retest(demo) -> None:
    _finished, running = _rounds()
    [recall] = Recall.objects.filter(round=running)
    assert recall.kind == RecallKind.POSITIVE
    assert recall.tube.result == TubeResult.POSITIVE
    members = set(recall.tube.samples.values_list("resident_id", flat=True))
    assert len(members) == 10
    statuses = set(Resident.objects.filter(pk__in=members).values_list("health_status", flat=True))
    assert statuses == {HealthStatus.PENDING_RETEST}
    tasks = home_tasks(ref=str(recall.pk))
    assert set(tasks.values_list("resident_id", flat=True)) == members
    assert set(tasks.values_list("reason", "status")) == {(HomeReason.RETEST, TaskStatus.OPEN)}
    assert Tube.objects.filter(result=TubeResult.POSITIVE).count() == 1
    # Seeding again adds no round.
    scenarios.demo(seed=42, residents=300, cadres=100)
    assert Round.objects.count() == 2
