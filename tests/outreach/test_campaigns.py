"""Campaigns: one task per household and none twice, the walking order, the outcomes and
revisit counting, who may record, and bad answers named by their question."""

from __future__ import annotations

import pytest

from shequ.core.errors import PermissionDenied, ValidationError
from shequ.outreach import selectors, services
from shequ.outreach.models import TaskStatus, Visit
from tests.outreach.conftest import SCREENING, task_of
from tests.residents.factories import ResidentFactory

DONE = {"present": True, "symptoms": "无", "people": 3}


def test_a_campaign_over_a_compound_makes_one_task_per_household(door, city):
    tasks = door.campaign.tasks.all()
    households = sorted(t.household_id for t in tasks)
    assert households == sorted(
        [city.ha1.pk, city.ha2.pk, door.h301.pk, door.h1201.pk, door.h201.pk]
    )
    assert city.hb1.pk not in households  # another community's household


def test_running_the_tasks_again_adds_only_new_households(door, city, personas):
    from tests.conftest import make_place

    assert services.campaign_add_tasks(actor=personas.staff_a, campaign=door.campaign) == 0
    new = make_place("household", "KA-1-103", "103室", city.ka1)
    assert services.campaign_add_tasks(actor=personas.staff_a, campaign=door.campaign) == 1
    assert door.campaign.tasks.filter(household=new).count() == 1
    assert door.campaign.tasks.count() == 6


def test_per_resident_campaign_makes_one_task_per_resident(door, city, personas):
    campaign = services.campaign_create(
        actor=personas.staff_a, name="疫苗接种动员", kind="vaccination", unit="resident",
        community=city.a, places=[city.ka1],
    )  # fmt: skip
    assert list(campaign.tasks.values_list("resident__name", flat=True)) == ["住户甲"]
    assert services.campaign_add_tasks(actor=personas.staff_a, campaign=campaign) == 0


def test_doors_come_in_walking_order_unit_floor_room(door, city):
    names = [t.household.name for t in selectors.building_tasks(door.campaign, city.ka2)]
    assert names == ["1单元301室", "1单元1201室", "2单元201室"]


def test_each_outcome_sets_the_door_and_keeps_a_visit(door, city, personas):
    cases = [
        (city.ha1, TaskStatus.DONE),
        (city.ha2, TaskStatus.REFUSED),
        (door.h301, TaskStatus.MOVED),
        (door.h1201, TaskStatus.NOBODY_HOME),
    ]
    for household, outcome in cases:
        task = task_of(door.campaign, household)
        answers = DONE if outcome == TaskStatus.DONE else None
        services.outcome_record(actor=personas.staff_a, task=task, outcome=outcome, answers=answers)
        task.refresh_from_db()
        assert task.status == outcome
        assert Visit.objects.filter(task=task, outcome=outcome).count() == 1
    assert task_of(door.campaign, city.ha1).answers == DONE
    totals = selectors.progress_totals(door.campaign)
    assert (totals["done"], totals["refused"], totals["moved"], totals["nobody_home"]) == (
        1,
        1,
        1,
        1,
    )
    assert totals["open"] == 1
    assert totals["finished"] == 3


def test_nobody_home_counts_revisits_and_the_door_stays_to_knock(door, city, personas):
    task = task_of(door.campaign, city.ha1)
    for _n in range(2):
        services.outcome_record(actor=personas.cadre, task=task, outcome=TaskStatus.NOBODY_HOME)
    task.refresh_from_db()
    assert (task.status, task.visits) == (TaskStatus.NOBODY_HOME, 2)
    mine = selectors.my_buildings(personas.cadre)
    assert [(b.assignment.building_id, b.pending) for b in mine] == [(city.ka1.pk, 2)]
    services.outcome_record(actor=personas.cadre, task=task, outcome=TaskStatus.DONE, answers=DONE)
    task.refresh_from_db()
    assert (task.status, task.visits) == (TaskStatus.DONE, 2)


def test_a_cadre_of_the_assigned_team_records_and_another_team_is_refused(door, city, personas):
    task = task_of(door.campaign, city.ha1)
    services.outcome_record(actor=personas.cadre, task=task, outcome="done", answers=DONE)
    with pytest.raises(PermissionDenied) as refused:
        services.outcome_record(actor=door.cadre2, task=task, outcome="done", answers=DONE)
    assert "1号楼" in str(refused.value)
    assert "队员甲" in str(refused.value)
    # … but the other cadre records their own building.
    other = task_of(door.campaign, door.h301)
    services.outcome_record(actor=door.cadre2, task=other, outcome="nobody_home")
    assert Visit.objects.filter(by=door.cadre2).count() == 1


def test_bad_answers_are_each_named_by_their_question(door, city, personas):
    task = task_of(door.campaign, city.ha1)
    with pytest.raises(ValidationError) as bad:
        services.outcome_record(
            actor=personas.staff_a, task=task, outcome="done",
            answers={"symptoms": "头疼", "people": -1, "pets": True},
        )  # fmt: skip
    errors = bad.value.errors
    assert set(errors) == {"answers.present", "answers.symptoms", "answers.people", "answers.pets"}
    assert "是否在家" in errors["answers.present"] or "At home" in errors["answers.present"]
    assert "发热" in errors["answers.symptoms"]
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    assert not Visit.objects.exists()


def test_bad_questions_are_refused_with_the_question_named(personas, city):
    bad = [*SCREENING, {"key": "present", "label": "again", "type": "yes_no"}]
    with pytest.raises(ValidationError) as err:
        services.campaign_create(
            actor=personas.staff_a, name="x", kind="screening", community=city.a, questions=bad
        )
    assert "questions.5" in err.value.errors
    with pytest.raises(ValidationError) as err:
        services.campaign_create(
            actor=personas.staff_a, name="x", kind="screening", community=city.a,
            questions=[{"key": "c", "label": "颜色", "type": "choice", "choices": ["红"]}],
        )  # fmt: skip
    assert "questions.1" in err.value.errors


def test_campaigns_stay_in_their_community(door, city, personas):
    with pytest.raises(PermissionDenied):
        services.campaign_create(
            actor=personas.staff_b, name="x", kind="screening", community=city.a
        )
    with pytest.raises(ValidationError) as err:
        services.campaign_create(
            actor=personas.staff_a, name="x", kind="screening", community=city.a, places=[city.kb]
        )
    assert "places" in err.value.errors
    with pytest.raises(ValidationError) as err:
        services.buildings_assign(
            actor=personas.staff_a, campaign=door.campaign, buildings=[city.kb1], team=door.team1
        )
    assert "buildings" in err.value.errors
    assert not selectors.campaigns_for(personas.staff_b).exists()
    assert list(selectors.campaigns_for(door.cadre2)) == [door.campaign]


def test_progress_per_building_team_and_compound(door, city, personas):
    services.outcome_record(
        actor=personas.cadre, task=task_of(door.campaign, city.ha1), outcome="done", answers=DONE
    )
    by_building = {r["building__name"]: r for r in selectors.progress_by_building(door.campaign)}
    assert (by_building["1号楼"]["done"], by_building["1号楼"]["total"]) == (1, 2)
    assert by_building["2号楼"]["total"] == 3
    teams = {r["team_number"]: r for r in selectors.progress_by_team(door.campaign)}
    assert (teams[1]["done"], teams[1]["total"], teams[2]["total"]) == (1, 2, 3)
    (compound,) = selectors.progress_by_compound(door.campaign)
    assert (compound["done"], compound["total"], compound["percent"]) == (1, 5, 20)


def test_tasks_for_chosen_doors_only_keep_their_reason_and_come_once(door, city, personas):
    campaign = services.campaign_create(
        actor=personas.staff_a, name="漏检上门", kind="missed_test", community=city.a,
        places=[city.ka1], unit="resident",
    )  # fmt: skip
    services.task_cancel(actor=personas.staff_a, task=campaign.tasks.get())
    other = ResidentFactory(name="住户乙", household=city.ha2)
    made = services.tasks_add(
        actor=personas.staff_a, campaign=campaign, residents=[door.resident, other],
        reason="卧床", ref="R-1",
    )  # fmt: skip
    assert [t.resident.name for t in made] == ["住户甲", "住户乙"]
    assert made[1].reason == "卧床"
    again = services.tasks_add(actor=personas.staff_a, campaign=campaign, residents=[other])
    assert [t.pk for t in again] == [made[1].pk]
    assert campaign.tasks.count() == 2
    with pytest.raises(ValidationError):
        services.tasks_add(actor=personas.staff_a, campaign=campaign, residents=[])
