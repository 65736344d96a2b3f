"""/api/v1/inspections: visits and rectifications in scope (out of scope is 404), follow-ups
and closure. Plans, checklists and premises are set up in the admin."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Router

from shequ.core.schemas import errors
from shequ.inspections import selectors, services
from shequ.inspections.models import Rectification
from shequ.inspections.schemas import CloseIn, FollowUpIn, TaskOut, VisitOut

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
