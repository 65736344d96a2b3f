"""/api/v1/inspections: visits and rectifications in scope (out of scope is 404), follow-ups
and closure; the plans an inspector's phone keeps, and the sync of visits recorded on it
(offline) with their answers per item. Plans, checklists and premises are set up at
/inspections/setup/."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router

from shequ.core.device_items import batch_answers
from shequ.core.schemas import errors
from shequ.inspections import phone, selectors, services
from shequ.inspections.models import Rectification
from shequ.inspections.schemas import (
    CloseIn,
    FollowUpIn,
    InspectionPlanOut,
    InspectionVisitAnswerOut,
    InspectionVisitBatchIn,
    InspectionVisitIn,
    InspectionVisitSynced,
    TaskOut,
    VisitOut,
)

router = Router(tags=["inspections"])


@router.get("/visits", response=list[VisitOut])
def list_visits(request: HttpRequest) -> list[dict[str, Any]]:
    """Visits to places in your inspection scope, newest first (up to 200)."""
    return [
        {
            "id": v.pk,
            "plan": v.plan.name,
            "place_id": v.place_id,
            "target": v.target,
            "inspector": v.inspector.username,
            "visited_at": v.visited_at,
            "problems": v.problems,
        }
        for v in selectors.visits_for(request.user)[:200]
    ]


def _task(task: Rectification, today: dt.date) -> dict[str, Any]:
    return {
        "id": task.pk,
        "visit_id": task.visit_id,
        "place_id": task.place_id,
        "place": task.visit.target,
        "what": task.what,
        "owner": task.owner,
        "deadline": task.deadline,
        "status": task.status,
        "overdue": task.status != "closed" and task.deadline < today,
    }


@router.get("/rectifications", response=list[TaskOut])
def list_rectifications(request: HttpRequest, overdue: bool = False) -> list[dict[str, Any]]:
    """Rectifications you see (inspectors: their area; community staff: their places'; an
    owner: their own), not closed; `overdue=true`: only those past their deadline."""
    today = selectors.today()
    rows = selectors.task_list(request.user, "overdue" if overdue else "")[:500]
    return [_task(t, today) for t in rows]


@router.post(
    "/rectifications/{rectification_id}/follow-ups", response={200: TaskOut, **errors(403, 404)}
)
def follow_up(request: HttpRequest, rectification_id: int, payload: FollowUpIn) -> dict[str, Any]:
    """A note on progress; `done`: report it put right."""
    task = selectors.get_rectification_for(request.user, rectification_id)
    services.rectification_follow_up(
        actor=request.user, rectification=task, note=payload.note, done=payload.done
    )
    return _task(selectors.get_rectification_for(request.user, task.pk), selectors.today())


@router.post(
    "/rectifications/{rectification_id}/close", response={200: TaskOut, **errors(403, 404)}
)
def close(request: HttpRequest, rectification_id: int, payload: CloseIn) -> dict[str, Any]:
    """Close the task (checked put right) or send it back (`accept=false`, with a note)."""
    task = selectors.get_rectification_for(request.user, rectification_id)
    services.rectification_close(
        actor=request.user, rectification=task, accept=payload.accept, note=payload.note
    )
    return _task(selectors.get_rectification_for(request.user, task.pk), selectors.today())


@router.get("/plans", response=list[InspectionPlanOut])
def list_plans(request: HttpRequest) -> list[dict[str, Any]]:
    """The plans you inspect under, each with its checklist's items and the places and
    premises you may visit under it: what a phone keeps to record visits offline."""
    return selectors.phone_plans(request.user)


@router.post("/visits", response={200: InspectionVisitSynced, **errors(400, 403, 404)})
def sync_visit(request: HttpRequest, payload: InspectionVisitIn) -> dict[str, Any]:
    """A visit recorded on the phone, with one answer (ok | problem, note) per item of the
    plan's checklist. Sending the same `client_uuid` again returns the same visit."""
    selectors.require_inspector(request.user)
    plan = selectors.get_plan_for(request.user, payload.plan_id)
    place = (
        selectors.get_target_for(request.user, payload.place_id)
        if payload.place_id is not None
        else None
    )
    premises = (
        selectors.get_premises_for(request.user, payload.premises_id)
        if payload.premises_id is not None
        else None
    )
    visit = services.visit_record(
        actor=request.user,
        plan=plan,
        place=place,
        premises=premises,
        results={a.item_id: (a.result, a.note) for a in payload.answers},
        notes=payload.notes,
        client_uuid=payload.client_uuid,
        visited_at=payload.visited_at,
    )
    return {
        "id": visit.pk,
        "client_uuid": visit.client_uuid,
        "problems": selectors.problems_of(visit),
    }


@router.post("/visits:batch", response={200: list[InspectionVisitAnswerOut], **errors(403)})
def sync_visits(request: HttpRequest, payload: InspectionVisitBatchIn) -> HttpResponse:
    """Visits recorded on the phone (the offline phone page), each answered in order:
    created, duplicate (sent before) or rejected with the field to fix and why; a rejected
    visit does not stop the others (core/batches.py)."""
    return batch_answers(phone.visits_batch(actor=request.user, items=payload.items))
