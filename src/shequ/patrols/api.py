"""/api/v1/patrols: disinfection areas and their schedules, the day's checklist (what a
phone keeps offline), rounds (one, or a batch from the offline phone page answered per item),
the week's done vs missed, and patrol findings with their follow-up. Out of scope is 404; a
role that may not is 403 with the reason."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router

from shequ.core.device_items import batch_answers
from shequ.core.errors import ValidationError
from shequ.core.roles import Capability
from shequ.core.schemas import errors
from shequ.patrols import batch, schedule, selectors, services
from shequ.patrols.models import Area, Finding, Round
from shequ.patrols.schemas import (
    PatrolAreaIn,
    PatrolAreaOut,
    PatrolAssignIn,
    PatrolChecklistOut,
    PatrolDayOut,
    PatrolFindingIn,
    PatrolFindingOut,
    PatrolResolveIn,
    PatrolRoundAnswerOut,
    PatrolRoundBatchIn,
    PatrolRoundIn,
    PatrolRoundOut,
)

router = Router(tags=["patrols"])


def _area(a: Area) -> dict[str, Any]:
    return {
        "id": a.pk,
        "name": a.name,
        "kind": a.kind,
        "place_id": a.place_id,
        "place": a.place.name,
        "community_id": a.community_id,
        "times": schedule.show_times(a.times).split(", "),
        "tolerance": a.tolerance,
        "agent": a.agent.name if a.agent else "",
        "dose": a.dose,
        "active": a.active,
    }


def _round(r: Round) -> dict[str, Any]:
    return {
        "id": r.pk,
        "area_id": r.area_id,
        "area": r.area.name,
        "done_at": r.done_at,
        "by": r.by.username,
        "quantity": r.quantity,
        "drawn": r.drawn,
        "note": r.note,
        "has_photo": bool(r.photo),
    }


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "id": f.pk,
        "place_id": f.place_id,
        "place": f.place.name,
        "spot": f.spot,
        "kind": f.kind,
        "note": f.note,
        "found_at": f.found_at,
        "by": f.by.username,
        "assignee": f.assignee.username if f.assignee else "",
        "due_on": f.due_on,
        "resolved_at": f.resolved_at,
        "resolution": f.resolution,
    }


def _photo(data: str) -> bytes | None:
    if not data:
        return None
    try:
        return base64.b64decode(data.partition(",")[2] if data.startswith("data:") else data)
    except (binascii.Error, ValueError):
        raise ValidationError(
            {"photo": _("Send the photo as base64 (JPEG, PNG or WebP).")}
        ) from None


@router.get("/areas", response=list[PatrolAreaOut])
def list_areas(request: HttpRequest) -> list[dict[str, Any]]:
    """Areas at your places (up to 500), in each community's walking order."""
    return [_area(a) for a in selectors.areas_listed(request.user)[:500]]


def _area_args(request: HttpRequest, payload: PatrolAreaIn, place: Any) -> dict[str, Any]:
    times = services.times_from(", ".join(payload.times), payload.every_hours, payload.start)
    agent = selectors.get_agent(payload.agent_id) if payload.agent_id else None
    warehouse = (
        selectors.get_warehouse_near(place, payload.warehouse_id) if payload.warehouse_id else None
    )
    return {
        "kind": payload.kind,
        "times": times,
        "every_hours": payload.every_hours,
        "tolerance": payload.tolerance,
        "agent": agent,
        "warehouse": warehouse,
        "dose": payload.dose,
    }


@router.post("/areas", response={200: PatrolAreaOut, **errors(400, 403, 404)})
def create_area(request: HttpRequest, payload: PatrolAreaIn) -> dict[str, Any]:
    """An area to disinfect on a schedule (community staff, their street, the HQ)."""
    place = selectors.get_place_for(request.user, payload.place_id, Capability.MANAGE_PATROLS)
    area = services.area_create(
        actor=request.user, place=place, name=payload.name, **_area_args(request, payload, place)
    )
    return _area(selectors.get_area_for(request.user, area.pk))


@router.post("/areas:buildings", response={200: list[PatrolAreaOut], **errors(400, 403, 404)})
def create_areas_for_buildings(request: HttpRequest, payload: PatrolAreaIn) -> list[dict[str, Any]]:
    """One area of the kind in every building of the compound `place_id` ("every stairwell
    of this compound"), named by building; buildings that have it already are left out."""
    place = selectors.get_place_for(request.user, payload.place_id, Capability.MANAGE_PATROLS)
    made = services.areas_for_buildings(
        actor=request.user, compound=place, **_area_args(request, payload, place)
    )
    return [_area(selectors.get_area_for(request.user, a.pk)) for a in made]


@router.get("/checklist", response={200: PatrolChecklistOut, **errors(404)})
def checklist(
    request: HttpRequest, community_id: int | None = None, day: dt.date | None = None
) -> dict[str, Any]:
    """A community's areas in walking order with the day's slots (due / done / missed /
    later): what the phone checklist keeps offline. Without `community_id`: your first."""
    community = (
        selectors.get_community_for(request.user, community_id)
        if community_id is not None
        else selectors.first_community(request.user)
    )
    if community is None:
        return {"community_id": 0, "community": "", "day": timezone.localdate(), "areas": []}
    day = day or timezone.localdate()
    rows = selectors.checklist(community, day)
    return {
        "community_id": community.pk,
        "community": community.name,
        "day": day,
        "areas": [
            {
                "id": r.area.pk,
                "name": r.area.name,
                "kind": r.area.kind,
                "place": r.area.place.name,
                "agent": r.area.agent.name if r.area.agent else "",
                "dose": r.area.dose,
                "slots": [
                    {
                        "at": s.slot.at,
                        "opens": s.slot.opens,
                        "closes": s.slot.closes,
                        "status": s.status,
                    }
                    for s in r.slots
                ],
            }
            for r in rows
        ],
    }


@router.get("/rounds", response={200: list[PatrolRoundOut], **errors(404)})
def list_rounds(request: HttpRequest, community_id: int | None = None) -> list[dict[str, Any]]:
    """Rounds at your places, newest first (up to 500)."""
    community = selectors.get_community_for(request.user, community_id) if community_id else None
    return [_round(r) for r in selectors.rounds_for(request.user, community)[:500]]


@router.post("/rounds", response={200: PatrolRoundOut, **errors(400, 403, 404)})
def record_round(request: HttpRequest, payload: PatrolRoundIn) -> dict[str, Any]:
    """A round done at an area (now, or `done_at`); the agent's units drawn from stock."""
    area = selectors.get_area_for(request.user, payload.area_id)
    the_round = services.round_record(
        actor=request.user,
        area=area,
        done_at=payload.done_at,
        quantity=payload.quantity,
        note=payload.note,
        photo=_photo(payload.photo),
        client_uuid=payload.client_uuid,
    )
    return _round(selectors.get_round_for(request.user, the_round.pk))


@router.post("/rounds:batch", response={200: list[PatrolRoundAnswerOut], **errors(403)})
def record_rounds(request: HttpRequest, payload: PatrolRoundBatchIn) -> HttpResponse:
    """Rounds recorded on the phone (offline), each answered in order: created, duplicate
    (sent before) or rejected with the field to fix and why (core/batches.py)."""
    return batch_answers(batch.rounds_batch(actor=request.user, items=payload.items))


@router.get("/week", response={200: list[PatrolDayOut], **errors(404)})
def week(request: HttpRequest, community_id: int) -> list[dict[str, Any]]:
    """Rounds done and missed per day, the last seven days, in one community."""
    community = selectors.get_community_for(request.user, community_id)
    return [{"day": d.day, "done": d.done, "missed": d.missed} for d in selectors.week(community)]


@router.get("/findings", response=list[PatrolFindingOut])
def list_findings(request: HttpRequest, open: bool = False) -> list[dict[str, Any]]:
    """Patrol findings at your places or assigned to you, newest first (up to 500);
    `open=true`: only those not resolved."""
    return [_finding(f) for f in selectors.findings_for(request.user, open_only=open)[:500]]


@router.post("/findings", response={200: PatrolFindingOut, **errors(400, 403, 404)})
def record_finding(request: HttpRequest, payload: PatrolFindingIn) -> dict[str, Any]:
    """What was found on patrol, with a photo and, optionally, who follows it up by when."""
    place = selectors.get_place_for(request.user, payload.place_id, Capability.RECORD_ROUNDS)
    assignee = (
        selectors.get_assignee_for(place, payload.assignee_id) if payload.assignee_id else None
    )
    finding = services.finding_record(
        actor=request.user,
        place=place,
        kind=payload.kind,
        note=payload.note,
        spot=payload.spot,
        photo=_photo(payload.photo),
        assignee=assignee,
        due_on=payload.due_on,
    )
    return _finding(selectors.get_finding_for(request.user, finding.pk))


@router.post(
    "/findings/{finding_id}/assign", response={200: PatrolFindingOut, **errors(400, 403, 404)}
)
def assign_finding(
    request: HttpRequest, finding_id: int, payload: PatrolAssignIn
) -> dict[str, Any]:
    """Who follows the finding up, by when (community staff)."""
    finding = selectors.get_finding_for(request.user, finding_id)
    assignee = (
        selectors.get_assignee_for(finding.place, payload.assignee_id)
        if payload.assignee_id
        else None
    )
    services.finding_assign(
        actor=request.user, finding=finding, assignee=assignee, due_on=payload.due_on
    )
    return _finding(selectors.get_finding_for(request.user, finding.pk))


@router.post(
    "/findings/{finding_id}/resolve", response={200: PatrolFindingOut, **errors(400, 403, 404)}
)
def resolve_finding(
    request: HttpRequest, finding_id: int, payload: PatrolResolveIn
) -> dict[str, Any]:
    """The finding is put right, with a note (its assignee or the community's staff)."""
    finding = selectors.get_finding_for(request.user, finding_id)
    services.finding_resolve(actor=request.user, finding=finding, note=payload.note)
    return _finding(selectors.get_finding_for(request.user, finding.pk))
