"""/api/v1/help: the queue, one request with its timeline, every step of its life, purchases
with a receipt photo, my tasks by building, figures. Requests outside the user's scope are 404;
a step the role may not take is 403; a step the request's state refuses is 400 naming `status`."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from shequ.assistance import figures, selectors, services
from shequ.assistance.models import HelpRequest
from shequ.assistance.schemas import (
    BuildingTasksOut,
    LedgerIn,
    NoteIn,
    PlaceFiguresOut,
    ReasonIn,
    RequestDetailOut,
    RequestIn,
    RequestOut,
)
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.pagination import Pages
from shequ.core.schemas import errors
from shequ.residents.selectors import get_resident_for

router = Router(tags=["help"])


@router.get("/requests", response={200: list[RequestOut], **errors(403)})
@paginate(Pages, page_size=50)
def list_requests(
    request: HttpRequest,
    community_id: int | None = None,
    grid_id: int | None = None,
    compound_id: int | None = None,
    kind: str = "",
    status: str = "open",
) -> QuerySet[HelpRequest]:
    """The queue: soonest due first, then oldest. status: open (default), overdue, all, or one
    status."""
    if not selectors.may_see_help(request.user):
        raise PermissionDenied(_("Your role sees no help requests."))
    return selectors.queue(
        request.user,
        selectors.QueueFilter(community_id, grid_id, compound_id, kind, status),
    )


@router.post("/requests", response={201: RequestOut, **errors(403, 404)})
def open_request(request: HttpRequest, payload: RequestIn) -> Status[HelpRequest]:
    """Open a request for a household (by its code)."""
    household = selectors.household_for(request.user, payload.household_code)
    if household is None:
        # Unknown, or not where the user may open requests: the same answer (docs/access.md).
        raise Http404("No such household")
    resident = get_resident_for(request.user, payload.resident_id) if payload.resident_id else None
    created = services.help_open(
        actor=request.user,
        household=household,
        kind=payload.kind,
        details=payload.details,
        channel=payload.channel,
        urgent=payload.urgent,
        for_ledger=payload.for_ledger,
        resident=resident,
    )
    return Status(201, created)


@router.get("/requests/mine", response=list[BuildingTasksOut])
def my_tasks(request: HttpRequest) -> list[dict[str, Any]]:
    """Your claimed and on-the-way requests, grouped by building."""
    return [
        {"building_id": g.building.pk, "building": g.building.name, "requests": g.requests}
        for g in selectors.my_tasks(request.user)
    ]


@router.get("/requests/{int:request_id}", response={200: RequestDetailOut, **errors(404)})
def get_request(request: HttpRequest, request_id: int) -> dict[str, Any]:
    found = selectors.get_request_for(request.user, request_id)
    out = RequestOut.from_orm(found).model_dump()
    out["events"] = list(selectors.timeline(found))
    return out


@router.post("/requests/{int:request_id}/claim", response={200: RequestOut, **errors(403, 404)})
def claim(request: HttpRequest, request_id: int) -> HelpRequest:
    """我来: yours if still new; else 400 saying who has it."""
    return services.help_claim(
        actor=request.user, request=selectors.get_request_for(request.user, request_id)
    )


@router.post("/requests/{int:request_id}/set-off", response={200: RequestOut, **errors(403, 404)})
def set_off(request: HttpRequest, request_id: int) -> HelpRequest:
    return services.help_set_off(
        actor=request.user, request=selectors.get_request_for(request.user, request_id)
    )


@router.post("/requests/{int:request_id}/release", response={200: RequestOut, **errors(403, 404)})
def release(request: HttpRequest, request_id: int, payload: NoteIn) -> HelpRequest:
    return services.help_release(
        actor=request.user,
        request=selectors.get_request_for(request.user, request_id),
        note=payload.note,
    )


@router.post("/requests/{int:request_id}/deliver", response={200: RequestOut, **errors(403, 404)})
def deliver(request: HttpRequest, request_id: int, payload: NoteIn) -> HelpRequest:
    return services.help_deliver(
        actor=request.user,
        request=selectors.get_request_for(request.user, request_id),
        note=payload.note,
    )


@router.post("/requests/{int:request_id}/confirm", response={200: RequestOut, **errors(403, 404)})
def confirm(request: HttpRequest, request_id: int, payload: NoteIn) -> HelpRequest:
    """The resident confirmed (told the community's staff)."""
    return services.help_confirm(
        actor=request.user,
        request=selectors.get_request_for(request.user, request_id),
        note=payload.note,
    )


@router.post("/requests/{int:request_id}/close", response={200: RequestOut, **errors(403, 404)})
def close(request: HttpRequest, request_id: int, payload: ReasonIn) -> HelpRequest:
    return services.help_close(
        actor=request.user,
        request=selectors.get_request_for(request.user, request_id),
        reason=payload.reason,
    )


@router.post("/requests/{int:request_id}/cancel", response={200: RequestOut, **errors(403, 404)})
def cancel(request: HttpRequest, request_id: int, payload: ReasonIn) -> HelpRequest:
    return services.help_cancel(
        actor=request.user,
        request=selectors.get_request_for(request.user, request_id),
        reason=payload.reason,
    )


@router.post("/requests/{int:request_id}/purchase", response={200: RequestOut, **errors(403, 404)})
def purchase(
    request: HttpRequest,
    request_id: int,
    amount: Form[Decimal | None] = None,
    receipt: File[UploadedFile] | None = None,
) -> HelpRequest:
    """What was paid (multipart: amount, optional receipt photo JPEG/PNG/WebP ≤ 5 MB)."""
    return services.purchase_record(
        actor=request.user,
        request=selectors.get_request_for(request.user, request_id),
        amount=amount,
        receipt=receipt,
        receipt_name=receipt.name if receipt else "",
    )


@router.post("/requests/{int:request_id}/repaid", response={200: RequestOut, **errors(403, 404)})
def repaid(request: HttpRequest, request_id: int) -> HelpRequest:
    return services.repaid_mark(
        actor=request.user, request=selectors.get_request_for(request.user, request_id)
    )


@router.post("/requests/{int:request_id}/ledger", response={200: RequestOut, **errors(403, 404)})
def ledger(request: HttpRequest, request_id: int, payload: LedgerIn) -> HelpRequest:
    return services.ledger_mark(
        actor=request.user,
        request=selectors.get_request_for(request.user, request_id),
        for_ledger=payload.for_ledger,
    )


def _kind_out(kind: str, counts: figures.Counts) -> dict[str, Any]:
    return {
        "kind": kind,
        "opened": counts.opened,
        "delivered": counts.delivered,
        "overdue": counts.overdue,
        "median_hours": counts.median,
        "p90_hours": counts.p90,
    }


@router.get("/figures", response={200: list[PlaceFiguresOut], **errors(403)})
def help_figures(
    request: HttpRequest, level: str = "community", days: int = 30
) -> list[dict[str, Any]]:
    """Per community (or street): opened, delivered, overdue, median and p90 hours, by kind."""
    if not selectors.may_see_help(request.user):
        raise PermissionDenied(_("Your role sees no help requests."))
    if level not in figures.LEVELS:
        raise ValidationError({"level": _("Choose community or street.")})
    if not 1 <= days <= 366:
        raise ValidationError({"days": _("Give between 1 and 366 days.")})
    return [
        {
            "place_id": row.place.pk,
            "place": row.place.name,
            "total": _kind_out("all", row.total),
            "kinds": [_kind_out(k, c) for k, c in sorted(row.kinds.items())],
        }
        for row in figures.help_figures(request.user, days=days, level=level)
    ]


def _mount_isolation() -> None:
    from shequ.assistance.isolation_api import router as isolation_router
    from shequ.assistance.watch_api import router as watch_router

    router.add_router("/isolation", isolation_router)
    router.add_router("/watch", watch_router)


_mount_isolation()
