"""The missed-test walk and home sampling as outreach campaigns (issue #21): the missed list
through the new mechanism holds the same people as before, missed ∪ sampled ∪ exempt is still
the scope, the team given a building opens and records it (another team is refused), a recall
ends in a retest sampled at home with its tube, and the old rows move over by migration."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shequ import scenarios
from shequ.core.errors import PermissionDenied
from shequ.core.models import User
from shequ.core.roles import Role
from shequ.mobilization.models import Team, TeamMember
from shequ.outreach import round_selectors, rounds
from shequ.outreach.models import Assignment, Campaign, CampaignKind, Task, TaskStatus, Visit
from shequ.places.models import Place, PlaceKind
from shequ.residents.models import Resident
from shequ.testing import labwork, selectors, services
from shequ.testing.ingest import swabs_batch
from shequ.testing.models import HomeReason, Outcome, Round, RoundStatus, Sample, Tube
from tests.conftest import make_user
from tests.duty.conftest import duty  # noqa: F401 - the fixture: people on duty in A
from tests.testing.conftest import home_tasks, round_world, send_to_lab, swab

N = 12  # residents of A in the round fixture; a11 is in hospital


@pytest.fixture
def rnd(personas, city):
    """A running round over A (tests/testing/conftest.py)."""
    return round_world(personas, city)


def _missed_tasks(round_: Round) -> Task:
    return Task.objects.filter(campaign__round=round_, campaign__kind=CampaignKind.MISSED_TEST)


# -- the demo round: the same people as before -----------------------------------------------


@pytest.fixture
def demo(db):
    return scenarios.demo(seed=42, residents=300, cadres=100)


def test_the_demo_rounds_missed_list_holds_the_same_people_through_outreach(demo, client) -> None:
    running = Round.objects.get(status=RoundStatus.RUNNING)
    hq = User.objects.get(username="hq")
    before = {}
    for place in running.places.all():
        for r in selectors.missed(running, place):
            before[r.pk] = r.household.parent_id
    assert before  # the demo round is half done
    buildings = Place.objects.filter(pk__in=set(before.values()), kind=PlaceKind.BUILDING)
    for b in buildings:
        rounds.missed_send(actor=hq, round_=running, building=b)
    after = dict(_missed_tasks(running).values_list("resident_id", "building_id"))
    assert after == before  # everyone missed has one door to knock on, no one else
    # The demo's own walk (four doors) was recorded through outreach.
    assert Visit.objects.filter(task__campaign__round=running, answers__has_key="door").count() == 4
    # Still a partition of the scope, and the list a user reads is the same.
    scope = set(selectors.scope_residents(running).values_list("pk", flat=True))
    missed = set(selectors.missed(running).values_list("pk", flat=True))
    sampled = set(selectors.sampled(running).values_list("pk", flat=True))
    exempt = set(selectors.exempt(running).values_list("pk", flat=True))
    assert missed == set(before)
    assert missed | sampled | exempt == scope
    assert not missed & sampled
    assert not missed & exempt
    assert not sampled & exempt
    client.force_login(hq)
    b = buildings.order_by("path").first()
    html = client.get(f"/outreach/rounds/{running.pk}/missed/", {"building": b.pk}).content
    shown = set(map(int, re.findall(rb'data-resident="(\d+)"', html)))
    assert shown == {pk for pk, bid in before.items() if bid == b.pk}


# -- the partition, with the walk on top -----------------------------------------------------


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sampled=st.sets(st.integers(0, N - 1)),
    exempt=st.sets(st.integers(0, N - 1)),
    later=st.sets(st.integers(0, N - 1)),
    outcome=st.sampled_from(Outcome.values),
)
def test_the_walk_never_changes_who_is_missed(
    personas, rnd, city, sampled, exempt, later, outcome
) -> None:
    with transaction.atomic():
        actor = personas.staff_a
        people = [rnd.a[i] for i in sorted(sampled)]
        swabs_batch(
            actor=actor, items=[swab(rnd, f"T{n // 10:07d}", r) for n, r in enumerate(people)]
        )
        for i in sorted(exempt):
            services.exemption_add(
                actor=actor, round_=rnd.round, resident=rnd.a[i], reason="away", proof="车票"
            )
        for b in (city.ka1,):
            rounds.missed_send(actor=actor, round_=rnd.round, building=b)
        missed = set(selectors.missed(rnd.round).values_list("pk", flat=True))
        assert set(_missed_tasks(rnd.round).values_list("resident_id", flat=True)) == missed
        for pk in sorted(missed)[:3]:  # a knock at the door samples no one
            rounds.door_outcome_record(
                actor=actor, round_=rnd.round, resident=Resident.objects.get(pk=pk),
                outcome=outcome,
            )  # fmt: skip
        assert set(selectors.missed(rnd.round).values_list("pk", flat=True)) == missed
        # Sampled later at a site: off the list, their task stays as history.
        more = [rnd.a[i] for i in sorted(later) if rnd.a[i].pk in missed]
        swabs_batch(
            actor=actor, items=[swab(rnd, f"L{n // 10:07d}", r) for n, r in enumerate(more)]
        )
        scope = set(selectors.scope_residents(rnd.round).values_list("pk", flat=True))
        got_missed = set(selectors.missed(rnd.round).values_list("pk", flat=True))
        got_sampled = set(selectors.sampled(rnd.round).values_list("pk", flat=True))
        got_exempt = set(selectors.exempt(rnd.round).values_list("pk", flat=True))
        assert got_missed == missed - {r.pk for r in more}
        assert got_missed | got_sampled | got_exempt == scope
        assert not got_missed & got_sampled
        assert not got_missed & got_exempt
        assert not got_sampled & got_exempt
        transaction.set_rollback(True)


# -- the team given a building ---------------------------------------------------------------


@pytest.fixture
def teams(personas, city, duty):  # noqa: F811 - the fixture imported above
    """Team 3 of A (the cadre's, with a volunteer) and team 4 of A (another cadre)."""
    volunteer = make_user("vol3", Role.VOLUNTEER, city.a)
    other = make_user("cadre4", Role.CADRE, city.a)
    duty.people[1].user, duty.people[2].user = volunteer, other
    duty.people[1].save(update_fields=["user"])
    duty.people[2].save(update_fields=["user"])
    mine = Team.objects.create(order=duty.order, number=3, leader=duty.people[0], community=city.a)
    theirs = Team.objects.create(
        order=duty.order, number=4, leader=duty.people[2], community=city.a
    )
    for team, staff in ((mine, duty.people[0]), (mine, duty.people[1]), (theirs, duty.people[2])):
        TeamMember.objects.create(team=team, order=duty.order, staff=staff)
    return type(
        "Teams", (), {"mine": mine, "theirs": theirs, "volunteer": volunteer, "other": other}
    )


def test_the_team_given_a_building_opens_it_and_records_another_team_is_refused(
    personas, rnd, city, teams, login
) -> None:
    url = f"/outreach/rounds/{rnd.round.pk}/missed/"
    cadre = login(personas.cadre)
    assert cadre.get(url).status_code == 403  # nothing given to the team yet: as before
    staff = login(personas.staff_a)
    response = staff.post(f"{url}send/", {"building": city.ka1.pk, "team": teams.mine.pk})
    assert response.status_code == 302
    [given] = Assignment.objects.filter(campaign__kind=CampaignKind.MISSED_TEST)
    assert (given.building, given.team) == (city.ka1, teams.mine)
    assert _missed_tasks(rnd.round).count() == N - 1  # a11 is in hospital

    # The cadre and the volunteer of team 3 see "my buildings" and the building's doors.
    for who in (personas.cadre, teams.volunteer):
        client = login(who)  # one test client: each login replaces the last
        html = client.get(url).content.decode()
        assert 'data-testid="my-buildings"' in html
        assert f"?building={city.ka1.pk}" in html
        html = client.get(url, {"building": city.ka1.pk}).content.decode()
        assert html.count('data-testid="missed-person"') == N - 1
        assert 'data-testid="outcome-reminded"' in html
        assert 'data-testid="request-home"' not in html  # that is the staff's
        assert client.get(url, {"building": city.ka2.pk}).status_code == 404
    cadre = login(personas.cadre)
    home = cadre.get("/").content.decode()
    assert 'data-testid="home-doors"' in home
    response = cadre.post(f"{url}{rnd.a[4].pk}/outcome/", {"outcome": "away"})
    assert response.status_code == 302
    task = _missed_tasks(rnd.round).get(resident=rnd.a[4])
    assert (task.status, task.visits, task.answers["door"]) == ("nobody_home", 1, "away")
    partial = login(teams.volunteer).post(
        f"{url}{rnd.a[4].pk}/outcome/", {"outcome": "reminded"}, headers={"HX-Request": "true"}
    )
    assert 'data-outcome="reminded"' in partial.content.decode()
    task.refresh_from_db()
    assert (task.status, task.answers["door"]) == (TaskStatus.DONE, "reminded")

    # The cadre of team 4: not their building: no page, no record, a clear refusal.
    other = login(teams.other)
    assert other.get(url, {"building": city.ka1.pk}).status_code == 403
    assert other.post(f"{url}{rnd.a[5].pk}/outcome/", {"outcome": "away"}).status_code == 403
    with pytest.raises(PermissionDenied) as refused:
        rounds.door_outcome_record(
            actor=teams.other, round_=rnd.round, resident=rnd.a[5], outcome=Outcome.AWAY
        )
    assert "1号楼" in str(refused.value)
    assert not Visit.objects.filter(by=teams.other).exists()
    # Given to team 4 instead: now theirs, and no longer team 3's.
    rounds.missed_send(
        actor=personas.staff_a, round_=rnd.round, building=city.ka1, team=teams.theirs
    )
    rounds.door_outcome_record(
        actor=teams.other, round_=rnd.round, resident=rnd.a[5], outcome=Outcome.REFUSED
    )
    assert login(personas.cadre).get(url, {"building": city.ka1.pk}).status_code == 403
    assert _missed_tasks(rnd.round).count() == N - 1  # sending again made no second task


# -- home sampling end to end ----------------------------------------------------------------


def test_a_recall_ends_in_a_retest_sampled_at_home_by_the_team(
    personas, rnd, city, teams, login
) -> None:
    sent = send_to_lab(personas.staff_a, rnd)
    labwork.transfer_receive(actor=rnd.lab, transfer=sent, received_count=2)
    [answer] = labwork.results_record(
        actor=rnd.lab, round_=rnd.round, results=[("T0000001", "positive")]
    )
    tasks = home_tasks(campaign__round=rnd.round)
    assert set(tasks.values_list("resident_id", flat=True)) == {r.pk for r in rnd.a[:10]}
    assert set(tasks.values_list("reason", "ref")) == {(HomeReason.RETEST, str(answer.recall_id))}
    task = tasks.get(resident=rnd.a[0])
    # The route goes to team 3; the cadre opens the visit from their home page.
    staff = login(personas.staff_a)
    staff.post(
        f"/outreach/rounds/{rnd.round.pk}/home/assign/",
        {"building": city.ka1.pk, "team": teams.mine.pk},
    )
    cadre = login(personas.cadre)
    home = cadre.get("/").content.decode()
    assert f"/outreach/rounds/home/{task.pk}/" in home
    # (one test client: each login replaces the last)
    assert login(teams.other).get(f"/outreach/rounds/home/{task.pk}/").status_code == 404
    cadre = login(personas.cadre)
    response = cadre.post(f"/outreach/rounds/home/{task.pk}/", {"tube": "R-000001"})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    sample = Sample.objects.get(pk=task.answers["sample_id"])
    assert (sample.resident, sample.retest, sample.at_home) == (rnd.a[0], True, True)
    tube = Tube.objects.get(barcode="R-000001")
    assert (tube.pool_size, tube.retest, tube.status) == (1, True, "closed")  # a single tube
    assert task.history.get().answers == {"sample_id": sample.pk}
    # Done: no second swab through it, and no longer on the team's list.
    assert round_selectors.my_round_work(personas.cadre).tasks == 9


# -- the old rows move over ------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_moves_home_and_door_tasks_onto_outreach(personas, city) -> None:
    world = round_world(personas, city)
    [first] = swabs_batch(actor=personas.staff_a, items=[swab(world, "T0000001", world.a[0])])
    before = [("testing", "0001_initial"), ("outreach", "0001_initial")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    HomeTask = old.get_model("testing", "HomeTask")
    DoorTask = old.get_model("testing", "DoorTask")
    DoorOutcome = old.get_model("testing", "DoorOutcome")
    now = timezone.now()
    try:
        HomeTask.objects.create(
            round_id=world.round.pk, resident_id=world.a[0].pk, building_id=city.ka1.pk,
            reason="immobile", status="done", sample_id=first.id, done_at=now,
        )  # fmt: skip
        HomeTask.objects.create(
            round_id=world.round.pk, resident_id=world.a[6].pk, building_id=city.ka1.pk,
            reason="missed", status="open",
        )  # fmt: skip
        door = DoorTask.objects.create(
            round_id=world.round.pk, building_id=city.ka1.pk, created_by_id=personas.staff_a.pk
        )
        for resident, outcome, minutes in ((world.a[5], "away", 0), (world.a[5], "reminded", 5),
                                           (world.a[7], "refused", 1)):  # fmt: skip
            DoorOutcome.objects.create(
                task=door, resident_id=resident.pk, outcome=outcome, by_id=personas.staff_a.pk,
                at=now + dt.timedelta(minutes=minutes), note="出差" if outcome == "away" else "",
            )  # fmt: skip
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    home = home_tasks(campaign__round=world.round)
    assert {(t.resident_id, t.status, t.reason) for t in home} == {
        (world.a[0].pk, "done", "immobile"),
        (world.a[6].pk, "open", "missed"),
    }
    assert home.get(resident=world.a[0]).answers == {"sample_id": first.id}
    [campaign] = Campaign.objects.filter(round=world.round, kind=CampaignKind.MISSED_TEST)
    assert campaign.community == city.a
    latest = round_selectors.latest_outcomes(world.round, [world.a[5], world.a[7]])
    assert (latest[world.a[5].pk].outcome, latest[world.a[7].pk].outcome) == ("reminded", "refused")
    walked = _missed_tasks(world.round).get(resident=world.a[5])
    assert (walked.status, walked.visits, walked.history.count()) == ("done", 1, 2)
    assert round_selectors.home_requested(world.round, [world.a[0], world.a[6]]) == {world.a[6].pk}


def test_a_missed_door_on_the_household_page_reads_its_outcomes_in_words(
    personas, rnd, city, teams, login
) -> None:
    rounds.missed_send(actor=personas.staff_a, round_=rnd.round, building=city.ka1, team=teams.mine)
    task = _missed_tasks(rnd.round).get(resident=rnd.a[4])
    client = login(personas.cadre)
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    html = client.get(f"/outreach/t/{task.pk}/").content.decode()
    assert '<option value="sampled_home">已上门采样</option>' in html
    assert '<option value="away">外出</option>' in html
    assert ">not_found<" not in html
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(f"/outreach/t/{task.pk}/").content.decode()
    assert '<option value="sampled_home">Sampled at home</option>' in html
    assert '<option value="not_found">Not found</option>' in html
