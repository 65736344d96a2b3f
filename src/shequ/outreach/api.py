"""/api/v1/outreach: door-to-door campaigns in scope (out of scope is 404), building
assignments, progress per building, team and compound, the doors of a building in walking
order (what a cadre's phone keeps offline), outcomes one by one or as a batch from the phone
(visits:batch), and registry proposals for staff to confirm or reject."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from shequ.core.access import get_for
from shequ.core.device_items import batch_answers
from shequ.core.schemas import errors
from shequ.mobilization import selectors as mobilization
from shequ.outreach import phone, registry, selectors, services
from shequ.outreach.models import Campaign, Proposal
from shequ.outreach.schemas import (
    AssignedOut,
    AssignIn,
    CampaignIn,
    CampaignOut,
    ConfirmIn,
    DoorsOfBuildingOut,
    MyBuildingOut,
    OutcomeIn,
    OutcomeOut,
    ProgressOut,
    ProposalOut,
    QuestionsIn,
    RejectIn,
    VisitAnswerOut,
    VisitBatchIn,
)
from shequ.places import selectors as places
from shequ.places.models import PlaceKind
from shequ.residents import selectors as residents
from shequ.testing import selectors as testing

router = Router(tags=["outreach"])


def _campaign(c: Campaign) -> dict[str, Any]:
    return {
        "id": c.pk,
        "name": c.name,
        "kind": c.kind,
        "unit": c.unit,
        "status": c.status,
        "community_id": c.community_id,
        "community": c.community.name,
        "questions": c.questions,
        "created_at": c.created_at,
    }


@router.get("/campaigns", response=list[CampaignOut])
def list_campaigns(request: HttpRequest) -> list[dict[str, Any]]:
    """Campaigns of your communities and those with a building given to you (newest first,
    up to 200)."""
    return [_campaign(c) for c in selectors.campaigns_for(request.user)[:200]]


@router.post("/campaigns", response={201: CampaignOut, **errors(400, 403, 404)})
def create_campaign(request: HttpRequest, payload: CampaignIn) -> Status:
    """A campaign over a community (or some of its compounds and buildings), with its
    questions; its tasks (one per household or resident in scope) are made at once."""
    community = places.get_place_for(request.user, payload.community_id, kind=PlaceKind.COMMUNITY)
    scope = [places.get_place_for(request.user, pk) for pk in payload.place_ids[:200]]
    round_ = testing.get_round_for(request.user, payload.round_id) if payload.round_id else None
    campaign = services.campaign_create(
        actor=request.user,
        name=payload.name,
        kind=payload.kind,
        community=community,
        places=scope,
        unit=payload.unit,
        questions=payload.questions,
        round=round_,
        status=payload.status,
    )
    return Status(201, _campaign(campaign))


@router.get("/campaigns/{campaign_id}", response={200: CampaignOut, **errors(404)})
def get_campaign(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    return _campaign(selectors.get_campaign_for(request.user, campaign_id))


@router.put(
    "/campaigns/{campaign_id}/questions", response={200: CampaignOut, **errors(400, 403, 404)}
)
def set_questions(request: HttpRequest, campaign_id: int, payload: QuestionsIn) -> dict[str, Any]:
    """Replace the campaign's questions; those answered at some door keep their key, type and
    choices (400 naming the question otherwise); new ones are asked from now on."""
    campaign = selectors.get_campaign_for(request.user, campaign_id, selectors.MANAGE)
    services.campaign_questions_set(
        actor=request.user, campaign=campaign, questions=payload.questions
    )
    return _campaign(selectors.get_campaign_for(request.user, campaign_id))


@router.post(
    "/campaigns/{campaign_id}/assignments", response={200: AssignedOut, **errors(400, 403, 404)}
)
def assign(request: HttpRequest, campaign_id: int, payload: AssignIn) -> dict[str, Any]:
    """Give buildings of the campaign to a team sent to its community, or to one cadre."""
    campaign = selectors.get_campaign_for(request.user, campaign_id, selectors.MANAGE)
    buildings = [
        places.get_place_for(request.user, pk, kind=PlaceKind.BUILDING)
        for pk in payload.building_ids
    ]
    team = (
        get_for(selectors.community_teams(campaign), payload.team_id, what="team")
        if payload.team_id is not None
        else None
    )
    cadre = (
        mobilization.get_staff_for(request.user, payload.cadre_id)
        if payload.cadre_id is not None
        else None
    )
    count = services.buildings_assign(
        actor=request.user, campaign=campaign, buildings=buildings, team=team, cadre=cadre
    )
    return {"assigned": count}


def _named(rows: list[dict[str, Any]], id_key: str, name_key: str) -> list[dict[str, Any]]:
    return [{**r, "id": r.get(id_key), "name": r.get(name_key) or ""} for r in rows]


@router.get("/campaigns/{campaign_id}/progress", response={200: ProgressOut, **errors(404)})
def progress(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    """Doors done, nobody home (to revisit), refused, moved and still to knock: in all, per
    building, per team (or cadre) and per compound."""
    campaign = selectors.get_campaign_for(request.user, campaign_id)
    return {
        "totals": selectors.progress_totals(campaign),
        "buildings": _named(
            selectors.progress_by_building(campaign), "building_id", "building__name"
        ),
        "teams": _named(selectors.progress_by_team(campaign), "team_id", "name"),
        "compounds": _named(
            selectors.progress_by_compound(campaign),
            "building__parent_id",
            "building__parent__name",
        ),
    }


@router.get(
    "/campaigns/{campaign_id}/buildings/{building_id}/tasks",
    response={200: DoorsOfBuildingOut, **errors(404)},
)
def building_tasks(request: HttpRequest, campaign_id: int, building_id: int) -> dict[str, Any]:
    """The doors of one building in walking order (unit, floor, room), with the campaign's
    questions: what the phone keeps to record offline."""
    campaign = selectors.get_campaign_for(request.user, campaign_id)
    building = selectors.get_building_for(request.user, campaign, building_id)
    return selectors.building_snapshot(request.user, campaign, building)


@router.get("/my-buildings", response=list[MyBuildingOut])
def my_buildings(request: HttpRequest) -> list[dict[str, Any]]:
    """The buildings of open campaigns given to your team or to you, with doors still to knock."""
    return [
        {
            "campaign_id": b.assignment.campaign_id,
            "campaign": b.assignment.campaign.name,
            "building_id": b.assignment.building_id,
            "building": b.assignment.building.name,
            "compound": b.assignment.building.parent.name,
            "total": b.total,
            "pending": b.pending,
        }
        for b in selectors.my_buildings(request.user)
    ]


@router.post("/tasks/{task_id}/outcome", response={200: OutcomeOut, **errors(400, 403, 404)})
def record_outcome(request: HttpRequest, task_id: int, payload: OutcomeIn) -> dict[str, Any]:
    """What happened at the door: done (with the answers; people found there: new arrivals,
    returnees), nobody_home (counts a revisit), refused or moved."""
    task = selectors.get_task_for(request.user, task_id)
    visit = services.outcome_record(
        actor=request.user,
        task=task,
        outcome=payload.outcome,
        answers=payload.answers,
        note=payload.note,
        people=payload.people,
        client_uuid=payload.client_uuid,
    )
    return {
        "visit_id": visit.pk,
        "task_id": visit.task_id,
        "status": visit.task.status,
        "visits": visit.task.visits,
    }


@router.post("/visits:batch", response={200: list[VisitAnswerOut], **errors(400)})
def sync_visits(request: HttpRequest, payload: VisitBatchIn) -> HttpResponse:
    """Outcomes recorded on the phone (offline), each answered in order: created, duplicate
    (sent before: recorded once) or rejected with the field to fix and why; a rejected outcome
    does not stop the others (core/batches.py)."""
    return batch_answers(phone.visits_batch(actor=request.user, items=payload.items))


def _proposal(p: Proposal) -> dict[str, Any]:
    return {
        "id": p.pk,
        "kind": p.kind,
        "status": p.status,
        "household_id": p.household_id,
        "household": p.household.name,
        "name": p.name,
        "came_from": p.came_from,
        "resident_id": p.resident_id,
        "created_at": p.created_at,
    }


@router.get("/proposals", response=list[ProposalOut])
def list_proposals(request: HttpRequest, status: str = "proposed") -> list[dict[str, Any]]:
    """Registry proposals from the doors (new arrivals, returnees) in households you may
    change; `status`: proposed (default), confirmed, rejected or "" for all."""
    return [_proposal(p) for p in selectors.proposals_for(request.user, status=status)[:500]]


@router.post(
    "/proposals/{proposal_id}/confirm", response={200: ProposalOut, **errors(400, 403, 404)}
)
def confirm(request: HttpRequest, proposal_id: int, payload: ConfirmIn) -> dict[str, Any]:
    """Register the new arrival (the document number given here if the door had none), or
    give the returnee the returnee tag and the proposed health status."""
    proposal = selectors.get_proposal_for(request.user, proposal_id)
    resident = (
        residents.get_resident_for(request.user, payload.resident_id)
        if payload.resident_id is not None
        else None
    )
    registry.proposal_confirm(
        actor=request.user,
        proposal=proposal,
        name=payload.name,
        document_number=payload.document_number,
        phone=payload.phone,
        resident=resident,
        status=payload.status,
    )
    return _proposal(proposal)


@router.post(
    "/proposals/{proposal_id}/reject", response={200: ProposalOut, **errors(400, 403, 404)}
)
def reject(request: HttpRequest, proposal_id: int, payload: RejectIn) -> dict[str, Any]:
    proposal = selectors.get_proposal_for(request.user, proposal_id)
    registry.proposal_reject(actor=request.user, proposal=proposal, note=payload.note)
    return _proposal(proposal)
