"""Background rosters through the API, jobs whose worker stopped, the first draft's figures on
the job page, and the bound that says how far a street's roster is from the best possible
(issue #22)."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.urls import reverse
from django.utils import timezone

from shequ.core.workers import PERIODIC
from shequ.duty import planning
from shequ.duty.models import Roster, RosterJob, RosterJobStatus
from shequ.duty.planning import services as planning_services
from shequ.duty.roster import check, street
from shequ.duty.roster.best import best_roster
from shequ.duty.roster.bound import lower_bound
from shequ.duty.roster.problem import PREFER, Problem, Request
from shequ.duty.roster.street import street_roster
from tests.duty.test_roster_jobs import _street

pytestmark = pytest.mark.django_db
BASE = "/api/v1/duty"


def _queue(api, personas, city, duty, **extra) -> dict:
    body = {"place_id": city.a.pk, "starts_on": duty.tomorrow.isoformat(), "days": 2, **extra}
    made = api(personas.staff_a).post(f"{BASE}/rosters", body)
    assert made.status_code == 202, made.content
    return made.json()


def test_only_planners_of_the_place_follow_a_job_in_the_api(personas, city, duty, api):
    job = _queue(api, personas, city, duty)
    url = f"{BASE}/roster-jobs/{job['id']}"
    assert api(personas.staff_a).get(url).json()["status"] == "queued"
    assert api(personas.street).get(url).status_code == 200  # S1 plans A's duty
    for other in ("staff_b", "other_street", "cadre", "district"):
        assert api(getattr(personas, other)).get(url).status_code == 404
    assert api(personas.staff_a).get(f"{BASE}/roster-jobs/{2**40}").status_code == 404


def test_a_time_limit_beyond_two_minutes_is_refused_and_queues_nothing(personas, city, duty, api):
    body = {"place_id": city.a.pk, "starts_on": duty.tomorrow.isoformat(), "time_limit": 500}
    refused = api(personas.staff_a).post(f"{BASE}/rosters", body)
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json()["errors"]] == ["time_limit"]
    assert not RosterJob.objects.exists()


def _solving_since(job_id: int, minutes: float) -> None:
    """The worker took the job and was last heard of `minutes` ago."""
    then = timezone.now() - dt.timedelta(minutes=minutes)
    RosterJob.objects.filter(pk=job_id).update(
        status=RosterJobStatus.SOLVING, started_at=then, heartbeat_at=then, percent=40
    )


def test_a_job_whose_worker_stopped_is_failed_and_the_planner_starts_it_again(
    client, login, personas, city, duty, api
):
    job = _queue(api, personas, city, duty, time_limit=60)
    _solving_since(job["id"], minutes=10)  # silent for 10 min, twice its limit being 2 min
    login(personas.staff_a)
    page = client.get(reverse("duty:roster_job", args=[job["id"]])).content.decode()
    assert 'data-status="failed"' in page
    assert "every 1s" not in page  # the page stops polling
    assert "重新开始排班" in page  # "... nothing was kept. Start the roster again."
    stored = RosterJob.objects.get(pk=job["id"])
    assert (stored.status, stored.percent) == (RosterJobStatus.FAILED, 100)
    shown = api(personas.staff_a).get(f"{BASE}/roster-jobs/{job['id']}").json()
    assert (shown["status"], shown["finished"]) == ("failed", True)
    assert shown["message"] == stored.message
    # The page's button starts the same roster again.
    assert 'data-testid="start-again"' in page
    again = client.post(
        reverse("duty:roster_new"),
        {"place": city.a.pk, "starts_on": duty.tomorrow.isoformat(), "days": 2},
    )
    fresh = RosterJob.objects.exclude(pk=job["id"]).get()
    assert again["Location"] == reverse("duty:roster_job", args=[fresh.pk])
    assert fresh.status == RosterJobStatus.QUEUED
    assert planning.run_roster_job(fresh.pk).status == RosterJobStatus.DONE


def test_a_job_heard_of_within_twice_its_limit_keeps_solving(personas, city, duty, api):
    job = _queue(api, personas, city, duty, time_limit=120)
    _solving_since(job["id"], minutes=3)  # under 2 x 120 s
    assert planning.fail_dead_roster_jobs() == 0
    shown = api(personas.staff_a).get(f"{BASE}/roster-jobs/{job['id']}").json()
    assert (shown["status"], shown["percent"]) == ("solving", 40)
    # The worker's periodic check fails it once it is silent long enough.
    assert planning.fail_dead_roster_jobs in PERIODIC
    later = timezone.now() + dt.timedelta(minutes=2)
    assert planning.fail_dead_roster_jobs(now=later) == 1
    assert RosterJob.objects.get(pk=job["id"]).status == RosterJobStatus.FAILED


def test_a_worker_back_after_its_job_was_failed_keeps_nothing(
    personas, city, duty, api, monkeypatch
):
    job = _queue(api, personas, city, duty, time_limit=1)
    original = planning_services.street_roster

    def slow(problem, **kwargs):
        result = original(problem, **kwargs)
        # Meanwhile the job was taken for dead (the machine was suspended, say).
        later = timezone.now() + dt.timedelta(hours=1)
        assert planning.fail_dead_roster_jobs(now=later) == 1
        return result

    monkeypatch.setattr(planning_services, "street_roster", slow)
    ended = planning.run_roster_job(job["id"])
    assert ended.status == RosterJobStatus.FAILED
    assert ended.roster_id is None
    assert not Roster.objects.exists()
    assert RosterJob.objects.get(pk=job["id"]).percent == 100


def test_the_job_page_shows_the_first_complete_roster_and_the_draft(
    client, login, personas, city, duty, api
):
    job = _queue(api, personas, city, duty, time_limit=1)
    planning.run_roster_job(job["id"])
    stored = RosterJob.objects.select_related("roster").get(pk=job["id"])
    assert stored.draft_short == 0
    assert stored.draft_objective is not None
    assert stored.roster.objective <= stored.draft_objective  # improved, never worse
    login(personas.staff_a)
    page = client.get(reverse("duty:roster_job", args=[job["id"]])).content.decode()
    assert 'data-testid="job-draft"' in page
    assert "首个完整排班" in page  # "First complete roster"
    assert f'data-testid="job-objective">{stored.roster.objective}<' in page


# --- the bound, without the database --------------------------------------------------------


def _with_requests(problem: Problem, per_day: int, seed: int) -> Problem:
    """Up to `per_day` people of each shift's community ask for it."""
    rng = random.Random(seed)
    requests = tuple(
        Request(p.id, s.day, PREFER, s.id)
        for s in problem.slots
        for p in rng.sample([p for p in problem.people if p.group == s.group], per_day)
        if rng.random() < 0.5
    )
    return Problem(days=problem.days, people=problem.people, slots=problem.slots, requests=requests)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_roster_scores_below_the_bound(seed):
    problem = _with_requests(_street(communities=1, people=6, days=4, seed=seed), 2, seed)
    bound = lower_bound(problem)
    exact = best_roster(problem, time_limit_s=5)
    assert exact.feasible
    assert bound.value <= exact.penalty
    unavailable = [r for r in problem.requests if r.day in problem.person(r.person).unavailable]
    assert bound.requests_unavoidable == len(unavailable)
    assert bound.value >= sum(r.weight for r in unavailable)


def test_a_street_grants_the_requests_that_fit_together(monkeypatch):
    monkeypatch.setattr(street, "WHOLE_MAX_PAIRS", 2_000)
    problem = _with_requests(_street(communities=4, people=20, days=7, seed=5), 3, 5)
    drafts: list[check.Penalty] = []
    result = street_roster(problem, time_limit_s=6, on_draft=drafts.append)
    assert check.violations(problem, result.assignment) == []
    assert result.bound is not None
    assert result.bound <= result.penalty <= drafts[0].total
    # The first complete roster already breaks only requests that no roster could grant
    # with the others (people unavailable that day, more wishes than places).
    assert sum(r.weight for r in drafts[0].broken_requests) == result.bound
    assert drafts[0].broken_requests  # the case is not empty
