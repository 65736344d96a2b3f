"""/api/v1/help/isolation: the isolation board of the user's communities (late and fever
filters), a reading at the door, a release. Residents not at home isolation, or outside the
user's places, are 404."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status

from shequ.assistance import isolation, selectors
from shequ.assistance.models import IsolationReport
from shequ.assistance.schemas import IsolatedOut, ReadingIn, ReadingOut
from shequ.core.errors import PermissionDenied
from shequ.core.schemas import errors

router = Router(tags=["help"])  # mounted at /help/isolation (assistance/api.py)
LIMIT = 500


@router.get("", response={200: list[IsolatedOut], **errors(403)})
def isolation_board(request: HttpRequest, show: str = "all") -> list[dict[str, Any]]:
    """Residents at home isolation or monitoring (at most 500): day count, planned release,
    today's readings by slot, late slots, fever. show: all, late, fever."""
    if not selectors.may_see_help(request.user):
        raise PermissionDenied(_("Your role does not see people isolated at home."))
    everyone = isolation.isolated_for(request.user)
    residents = list(isolation.filtered(everyone, show)[:LIMIT])
    return [
        {
            "resident_id": row.resident.pk,
            "name": row.resident.name,
            "household_id": row.resident.household_id,
            "address": f"{row.resident.household.parent.name} {row.resident.household.name}",
            "health_status": row.resident.health_status,
            "day_count": row.day_count,
            "planned_release": row.planned_release,
            "today": {slot: report.temperature for slot, report in row.today.items()},
            "late": row.late,
            "fever": row.fever is not None,
        }
        for row in isolation.board_rows(residents)
    ]


@router.post("/{int:resident_id}/readings", response={201: ReadingOut, **errors(403, 404)})
def record_reading(
    request: HttpRequest, resident_id: int, payload: ReadingIn
) -> Status[IsolationReport]:
    """A reading at the door (cadres, volunteers, community staff); fever alerts the staff."""
    resident = isolation.get_isolated_for(request.user, resident_id)
    report = isolation.isolation_report(
        actor=request.user,
        resident=resident,
        temperature=payload.temperature,
        symptoms=payload.symptoms,
    )
    return Status(201, report)


@router.post("/{int:resident_id}/release", response={200: IsolatedOut, **errors(403, 404)})
def release(request: HttpRequest, resident_id: int) -> dict[str, Any]:
    """End the home isolation (community staff): the status goes back to normal."""
    resident = isolation.get_isolated_for(request.user, resident_id)
    period = isolation.isolation_release(actor=request.user, resident=resident)
    return {
        "resident_id": resident.pk,
        "name": resident.name,
        "household_id": resident.household_id,
        "address": f"{resident.household.parent.name} {resident.household.name}",
        "health_status": period.status,
        "day_count": 0,
        "planned_release": None,
        "today": {},
        "late": [],
        "fever": False,
    }
