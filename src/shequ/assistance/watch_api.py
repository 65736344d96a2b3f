"""/api/v1/help/watch: today's watch list of the user's communities (outcome, compound and
"mine" filters) and one check's outcome. Checks outside the user's communities are 404."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from shequ.assistance import selectors, watch
from shequ.assistance.models import WatchCheck
from shequ.assistance.schemas import WatchCheckOut, WatchOutcomeIn
from shequ.core.errors import PermissionDenied
from shequ.core.schemas import errors
from shequ.residents.models import watch_tags

router = Router(tags=["help"])  # mounted at /help/watch (assistance/api.py)
LIMIT = 500


def _out(check: WatchCheck) -> dict[str, Any]:
    user = check.assigned_to
    return {
        "id": check.pk,
        "day": check.day,
        "resident_id": check.resident_id,
        "name": check.resident.name,
        "address": f"{check.compound.name} {check.building.name} {check.resident.household.name}",
        "tags": watch_tags(check.tags),
        "zone": check.zone,
        "compound_id": check.compound_id,
        "assigned_to": (user.display_name or user.username) if user else "",
        "outcome": check.outcome,
        "note": check.note,
        "checked_at": check.checked_at,
        "help_request_id": check.help_request_id,
        "escalated_at": check.escalated_at,
    }


@router.get("", response={200: list[WatchCheckOut], **errors(403)})
def watch_list(
    request: HttpRequest, outcome: str = "all", compound_id: int | None = None, mine: bool = False
) -> list[dict[str, Any]]:
    """Today's checks (at most 500): outcome all, open (not checked or not reached), pending,
    reached, not_reached, needs_help; a compound; mine (assigned to me)."""
    if not selectors.may_see_help(request.user):
        raise PermissionDenied(_("Your role does not see the watch list."))
    filters = watch.WatchFilter(
        outcome=outcome if outcome in watch.OUTCOME_FILTERS else "all",
        compound=compound_id,
        mine=mine,
    )
    return [_out(c) for c in watch.watch_list(request.user, filters)[:LIMIT]]


@router.post("/{int:check_id}/outcome", response={200: WatchCheckOut, **errors(403, 404)})
def record_outcome(request: HttpRequest, check_id: int, payload: WatchOutcomeIn) -> dict[str, Any]:
    """Reached, not reached, or needs help (opens a help request: kind, details)."""
    check = watch.get_check_for(request.user, check_id)
    done = watch.watch_record(
        actor=request.user,
        check=check,
        outcome=payload.outcome,
        note=payload.note,
        kind=payload.kind,
        details=payload.details,
    )
    return _out(watch.get_check_for(request.user, done.pk))
