"""Rosters made in the background (issue #22): the page queues the roster, the task queue's
worker solves it with progress the page follows, and a street's thousands of people are solved
community by community with every rule re-checked."""

from __future__ import annotations

import random

import pytest
from django.urls import reverse

from shequ.core.models import AuditEvent
from shequ.duty import planning
from shequ.duty.models import Roster, RosterJob, RosterJobStatus
from shequ.duty.planning import services as planning_services
from shequ.duty.roster import check, street
from shequ.duty.roster.problem import DAY, Person, Problem, Slot
from shequ.duty.roster.street import street_roster
from tests.core.conftest import drain_queue, var_dir  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def _start(client, login, personas, city, duty, days: int = 3):
    login(personas.staff_a)
    return client.post(
        reverse("duty:roster_new"),
        {"place": city.a.pk, "starts_on": duty.tomorrow.isoformat(), "days": days},
    )


def test_the_form_queues_the_roster_and_the_worker_makes_it_while_the_page_follows(
    client,
    login,
    personas,
    city,
    duty,
    drain_queue,  # noqa: F811
):
    response = _start(client, login, personas, city, duty)
    job = RosterJob.objects.get()
    # Nothing is solved in the request: the page goes to the job, which waits for the worker.
    assert response.status_code == 302
    assert response["Location"] == reverse("duty:roster_job", args=[job.pk])
    assert job.status == RosterJobStatus.QUEUED
    assert not Roster.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert 'data-status="queued"' in page
    assert "every 1s" in page  # htmx polls the card until the job ends
    assert "等待排班" in page

    drain_queue()  # `shequ worker --batch`: the task queue runs the job

    job.refresh_from_db()
    assert job.status == RosterJobStatus.DONE
    assert job.percent == 100
    assert job.started_at <= job.finished_at
    roster = Roster.objects.get(place=city.a)
    assert job.roster == roster
    assert roster.assignments.count() == 3 * 3  # 3 shifts a day, each needing one person
    # The poll now sends the page to the draft, and the card links to it.
    poll = client.get(reverse("duty:roster_job", args=[job.pk]), HTTP_HX_REQUEST="true")
    assert poll["HX-Redirect"] == reverse("duty:roster", args=[roster.pk])
    assert 'data-testid="open-roster"' in poll.content.decode()
    assert "every 1s" not in poll.content.decode()
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-2:] == ["duty.roster_job_start", "duty.roster_generate"]


def test_progress_goes_from_queued_through_solving_to_done(
    client, login, personas, city, duty, monkeypatch
):
    _start(client, login, personas, city, duty)
    job = RosterJob.objects.get()
    seen: list[tuple[str, int]] = []
    original = planning_services.street_roster

    def watched(problem, *, time_limit_s, progress, on_draft):
        def spy(done, note):
            progress(done, note)
            row = RosterJob.objects.get(pk=job.pk)
            seen.append((row.status, row.percent))

        return original(problem, time_limit_s=time_limit_s, progress=spy, on_draft=on_draft)

    monkeypatch.setattr(planning_services, "street_roster", watched)
    planning.run_roster_job(job.pk)
    job.refresh_from_db()
    assert seen
    assert all(status == RosterJobStatus.SOLVING for status, _ in seen)
    percents = [p for _, p in seen]
    assert percents == sorted(percents)
    assert 0 < percents[0] <= percents[-1] <= 95
    assert (job.status, job.percent) == (RosterJobStatus.DONE, 100)
    # A job is run once: the task run again changes nothing.
    assert planning.run_roster_job(job.pk).roster == job.roster
    assert Roster.objects.count() == 1


def test_a_job_that_cannot_be_solved_fails_with_the_fix_in_words(
    client, login, personas, city, duty
):
    for post in (duty.gate, duty.patrol):
        post.active = False
        post.save(update_fields=["active"])
    _start(client, login, personas, city, duty)
    job = planning.run_roster_job(RosterJob.objects.get().pk)
    assert job.status == RosterJobStatus.FAILED
    assert "添加" in job.message  # "…has no active post with shifts; add a post first."
    page = client.get(reverse("duty:roster_job", args=[job.pk])).content.decode()
    assert 'data-status="failed"' in page
    assert job.message in page
    assert not Roster.objects.exists()


def test_only_planners_of_the_place_see_the_job(client, login, personas, city, duty):
    _start(client, login, personas, city, duty)
    url = reverse("duty:roster_job", args=[RosterJob.objects.get().pk])
    for other in (personas.staff_b, personas.other_street):
        login(other)
        assert client.get(url).status_code == 404
    login(personas.street)  # S1's officer plans community A's duty
    assert client.get(url).status_code == 200


def test_a_refused_request_queues_nothing_and_keeps_the_form(client, login, personas, city, duty):
    login(personas.staff_a)
    response = client.post(
        reverse("duty:roster_new"),
        {"place": city.a.pk, "starts_on": duty.tomorrow.isoformat(), "days": 40},
    )
    assert response.status_code == 400
    assert not RosterJob.objects.exists()


# --- a street of communities, without the database ------------------------------------------


def _street(communities: int, people: int, days: int, seed: int = 0) -> Problem:
    """`communities` communities of `people` people each, a gate (2 x 12 h, 2 people, a party
    member) and a patrol (8 h, 1 person) per community, ~10 % unavailable days."""
    rng = random.Random(seed)
    persons, slots = [], []
    for c in range(communities):
        for i in range(people):
            persons.append(
                Person(
                    id=c * 1000 + i,
                    name=f"P{c}-{i}",
                    woman=rng.random() < 0.4,
                    party=rng.random() < 0.6,
                    unavailable=frozenset(d for d in range(days) if rng.random() < 0.1),
                    group=str(c),
                )
            )
        for d in range(days):
            for shift, start, minutes, need, party in (
                ("day", 8 * 60, 720, 2, True),
                ("night", 20 * 60, 720, 2, True),
                ("patrol", 9 * 60, 480, 1, False),
            ):
                begin = d * DAY + start
                slots.append(
                    Slot(
                        id=f"{c}:{shift}:{d}",
                        post=f"gate{c}",
                        shift=shift,
                        day=d,
                        start=begin,
                        end=begin + minutes,
                        min_people=need,
                        max_people=need,
                        party=party,
                        group=str(c),
                    )
                )
    return Problem(days=days, people=tuple(persons), slots=tuple(slots))


@pytest.fixture
def parts(monkeypatch):
    """Solve by communities from a small size on, as a street of thousands of people is."""
    monkeypatch.setattr(street, "WHOLE_MAX_PAIRS", 2_000)


def test_a_street_is_solved_community_by_community_and_breaks_no_rule(parts):
    problem = _street(communities=6, people=20, days=7)
    assert len(problem.people) * len(problem.slots) > street.WHOLE_MAX_PAIRS
    notes: list[float] = []
    result = street_roster(problem, time_limit_s=6, progress=lambda done, _: notes.append(done))
    assert result.feasible
    assert check.violations(problem, result.assignment) == []
    assert result.penalty == check.penalty(problem, result.assignment).total
    assert not check.penalty(problem, result.assignment).short  # 20 people cover 5 a day
    assert notes == sorted(notes)
    assert notes[-1] == 1.0
    assert len(notes) >= 6
    # Everybody stays in their own community when it has enough people.
    assert all(p // 1000 == int(s.split(":")[0]) for p, s in result.assignment)


def test_a_short_community_gets_help_from_the_rest_of_the_street(parts):
    problem = _street(communities=3, people=20, days=7)
    # Community 0 keeps two people: its shifts need five a day.
    few = tuple(p for p in problem.people if p.group != "0" or p.id % 1000 < 2)
    problem = Problem(days=problem.days, people=few, slots=problem.slots)
    result = street_roster(problem, time_limit_s=6)
    assert check.violations(problem, result.assignment) == []
    helpers = {p for p, s in result.assignment if s.startswith("0:") and p // 1000 != 0}
    assert helpers  # others of the street took community 0's shifts
    assert not check.penalty(problem, result.assignment).short
