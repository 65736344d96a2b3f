"""Registry updates from the doors: a new arrival becomes a proposed resident that staff
confirm (or reject); a returnee gets the returnee tag and home health monitoring once staff
approve. Nothing reaches the registry before."""

from __future__ import annotations

import pytest

from shequ.core.errors import PermissionDenied, ValidationError
from shequ.outreach import registry, selectors, services
from shequ.outreach.models import ProposalStatus
from shequ.residents.models import HealthStatus, Resident, Tag
from tests.outreach.conftest import task_of
from tests.residents.factories import id_number

DONE = {"present": True, "new_arrivals": True}


def _arrival(door, city, actor, **person):
    person = {"kind": "new_arrival", "name": "新来的", "came_from": "上海", **person}
    services.outcome_record(
        actor=actor, task=task_of(door.campaign, city.ha1), outcome="done", answers=DONE,
        people=[person],
    )  # fmt: skip
    return selectors.proposals_for(personas_staff(door)).get(name=person["name"])


def personas_staff(door):
    return door.campaign.created_by


def test_new_arrival_becomes_a_proposed_resident_then_a_resident_once_confirmed(
    door, city, personas
):
    number = id_number()
    proposal = _arrival(door, city, personas.cadre, document_number=number, phone="13912345678")
    assert proposal.status == ProposalStatus.PROPOSED
    assert not Resident.objects.filter(name="新来的").exists()
    registry.proposal_confirm(actor=personas.staff_a, proposal=proposal)
    resident = Resident.objects.get(name="新来的")
    assert resident.household == city.ha1
    assert resident.document_number == number
    assert "上海" in resident.notes
    proposal.refresh_from_db()
    assert (proposal.status, proposal.resident) == (ProposalStatus.CONFIRMED, resident)
    with pytest.raises(ValidationError):
        registry.proposal_confirm(actor=personas.staff_a, proposal=proposal)


def test_a_new_arrival_without_a_document_needs_one_at_confirmation(door, city, personas):
    proposal = _arrival(door, city, personas.cadre)
    with pytest.raises(ValidationError) as err:
        registry.proposal_confirm(actor=personas.staff_a, proposal=proposal)
    assert "document_number" in err.value.errors
    registry.proposal_confirm(
        actor=personas.staff_a, proposal=proposal, document_number=id_number()
    )
    assert Resident.objects.filter(name="新来的", household=city.ha1).count() == 1


def test_rejected_proposal_leaves_the_registry_alone(door, city, personas):
    proposal = _arrival(door, city, personas.cadre)
    with pytest.raises(PermissionDenied):
        registry.proposal_reject(actor=personas.cadre, proposal=proposal)
    registry.proposal_reject(actor=personas.staff_a, proposal=proposal, note="走亲戚，已离开")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED
    assert not Resident.objects.filter(name="新来的").exists()


def test_returnee_gets_the_tag_and_home_monitoring_once_approved(door, city, personas):
    services.outcome_record(
        actor=personas.cadre, task=task_of(door.campaign, city.ha1), outcome="done",
        answers={"present": True},
        people=[{"kind": "returnee", "name": "住户甲", "came_from": "武汉"}],
    )  # fmt: skip
    proposal = selectors.proposals_for(personas.staff_a).get()
    assert proposal.proposed_status == HealthStatus.HOME_MONITORING
    door.resident.refresh_from_db()
    assert Tag.RETURNEE not in door.resident.tag_list
    registry.proposal_confirm(actor=personas.staff_a, proposal=proposal)
    door.resident.refresh_from_db()
    assert Tag.RETURNEE in door.resident.tag_list
    assert door.resident.health_status == HealthStatus.HOME_MONITORING


def test_bad_people_are_named_and_nothing_is_written(door, city, personas):
    task = task_of(door.campaign, city.ha1)
    with pytest.raises(ValidationError) as err:
        services.outcome_record(
            actor=personas.cadre, task=task, outcome="done", answers=DONE,
            people=[{"kind": "returnee", "name": "某人"}],
        )  # fmt: skip
    assert "people.1.came_from" in err.value.errors
    task.refresh_from_db()
    assert task.status == "open"
    assert not selectors.proposals_for(personas.staff_a).exists()
