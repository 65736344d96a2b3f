"""/api/v1/mobilization: staff, orders, enlistment, batch report-in, needs, moves, board,
teams, batches and pairings."""

import datetime as dt

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from shequ.core import imports
from shequ.core.device_items import batch_answers
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.pagination import Pages
from shequ.core.schemas import errors
from shequ.core.times import Instant
from shequ.mobilization import board as board_counts
from shequ.mobilization import dispatch, formation, selectors, services
from shequ.mobilization.agency_import import may_import_agencies
from shequ.mobilization.board import BoardRow
from shequ.mobilization.models import (
    Batch,
    Enlistment,
    Need,
    Order,
    Pairing,
    Posting,
    Staff,
    TeamDraft,
)
from shequ.mobilization.schemas import (
    BoardOut,
    EnlistIn,
    EnlistmentOut,
    MoveIn,
    NeedIn,
    NeedOut,
    OrderIn,
    OrderOut,
    ReportInBatch,
    ReportInResultOut,
    StaffIn,
    StaffOut,
)
from shequ.places.selectors import get_place_for

router = Router(tags=["mobilization"])


@router.get("/staff", response=list[StaffOut])
@paginate(Pages, page_size=100)
def list_staff(request: HttpRequest, q: str = "") -> QuerySet[Staff]:
    """Staff you may see: your agency's, or those living or on duty in your places."""
    return selectors.staff_listed(request.user, q)


@router.post("/staff", response={201: StaffOut, **errors(403, 409)})
def register_staff(request: HttpRequest, payload: StaffIn) -> Status[Staff]:
    """Coordinators register their agency's cadres; community staff and the HQ, volunteers."""
    if not selectors.may_register_staff(request.user):
        raise PermissionDenied(_("Your role may not register people."))
    data = payload.dict()
    agency_code = data.pop("agency_code")
    community_code = data.pop("residence_community_code")
    agency = selectors.agency_by_code(agency_code)
    if agency_code and agency is None:
        raise ValidationError({"agency_code": _("No agency with this code.")})
    community = selectors.community_by_code(community_code)
    if community_code and community is None:
        raise ValidationError({"residence_community_code": _("No community with this code.")})
    staff = services.staff_register(
        actor=request.user, agency=agency, residence_community=community, **data
    )
    return Status(201, staff)


@router.post("/staff/import", response={202: dict, **errors(403)})
def import_staff(
    request: HttpRequest,
    file: File[UploadedFile],
    skip_invalid: Form[bool] = False,
    dry_run: Form[bool] = False,
) -> Status[dict]:
    """Upload a staff list; poll GET /api/v1/imports/{id}."""
    selectors.require_staff_importer(request.user)
    job = imports.import_job_create(
        actor=request.user,
        kind="staff",
        upload=file,
        filename=file.name or "",
        options={"skip_invalid": skip_invalid, "dry_run": dry_run},
    )
    return Status(202, {"id": str(job.pk), "status": job.status})


@router.post("/agencies/import", response={202: dict, **errors(403)})
def import_agencies(
    request: HttpRequest,
    file: File[UploadedFile],
    skip_invalid: Form[bool] = False,
    dry_run: Form[bool] = False,
) -> Status[dict]:
    """Upload the agency list (name, code, level, parent code; HQ only); poll
    GET /api/v1/imports/{id}."""
    if not may_import_agencies(request.user):
        raise PermissionDenied(_("Only the HQ imports the list of agencies."))
    job = imports.import_job_create(
        actor=request.user,
        kind="agencies",
        upload=file,
        filename=file.name or "",
        options={"skip_invalid": skip_invalid, "dry_run": dry_run},
    )
    return Status(202, {"id": str(job.pk), "status": job.status})


@router.get("/orders", response=list[OrderOut])
def list_orders(request: HttpRequest) -> list[Order]:
    return list(selectors.orders_for(request.user)[:100])


@router.post("/orders", response={201: OrderOut, **errors(403, 404, 409)})
def issue_order(request: HttpRequest, payload: OrderIn) -> Status[Order]:
    scope = get_place_for(request.user, payload.scope_id)
    order = services.order_issue(
        actor=request.user,
        title=payload.title,
        scope=scope,
        deadline=payload.deadline,
        message=payload.message,
    )
    return Status(201, order)


@router.post("/orders/{int:order_id}/close", response={200: OrderOut, **errors(403, 404, 409)})
def close_order(request: HttpRequest, order_id: int) -> Order:
    return services.order_close(
        actor=request.user, order=selectors.get_order_for(request.user, order_id)
    )


@router.post(
    "/orders/{int:order_id}/enlist", response={201: list[EnlistmentOut], **errors(403, 404, 409)}
)
def enlist(request: HttpRequest, order_id: int, payload: EnlistIn) -> Status[list[Enlistment]]:
    """Put your staff under an order (already enlisted people are left as they are)."""
    order = selectors.get_order_for(request.user, order_id)
    created = services.enlist_chosen(
        actor=request.user, order=order, staff_ids=payload.staff_ids, signed_up=payload.signed_up
    )
    return Status(201, created)


@router.get(
    "/orders/{int:order_id}/enlistments", response={200: list[EnlistmentOut], **errors(404)}
)
@paginate(Pages, page_size=100)
def list_enlistments(request: HttpRequest, order_id: int, state: str = "") -> QuerySet[Enlistment]:
    order = selectors.get_order_for(request.user, order_id)
    return selectors.enlistments_listed(request.user, order, state)


@router.get("/orders/{int:order_id}/board", response={200: BoardOut, **errors(404)})
def board(request: HttpRequest, order_id: int, level: str = "community") -> dict:
    """Need vs. signed up vs. reported in vs. assigned, live, with report-ins per hour."""
    order = selectors.get_order_for(request.user, order_id)
    result = board_counts.board(request.user, order=order, level=level)

    def row(r: BoardRow) -> dict:
        return {
            "place_id": r.place.pk,
            "name": r.place.name,
            "address": r.address or r.place.name,
            "need": r.need,
            "signed_up": r.signed_up,
            "reported": r.reported,
            "assigned": r.assigned,
            "gap": r.gap,
        }

    return {
        "level": result.level,
        "total": row(result.total),
        "rows": [row(r) for r in result.rows],
        "per_hour": board_counts.hour_labels(result.per_hour),
    }


@router.post("/report-ins", response=list[ReportInResultOut])
def report_in_batch(request: HttpRequest, payload: ReportInBatch) -> HttpResponse:
    """Report-ins from a gate or community phone, exactly once per client UUID; each item is
    answered created, duplicate or rejected (with the field and the fix). Up to 1,000 per
    call."""
    return batch_answers(services.report_in_batch(actor=request.user, items=payload.items))


@router.post(
    "/enlistments/{int:enlistment_id}/release",
    response={200: EnlistmentOut, **errors(403, 404, 409)},
)
def release(request: HttpRequest, enlistment_id: int) -> Enlistment:
    return services.release(
        actor=request.user, enlistment=selectors.get_enlistment_for(request.user, enlistment_id)
    )


@router.get("/needs", response=list[NeedOut])
def list_needs(request: HttpRequest) -> list[Need]:
    return list(selectors.needs_listed(request.user)[:500])


@router.post("/needs", response={201: NeedOut, **errors(403, 404, 409)})
def declare_need(request: HttpRequest, payload: NeedIn) -> Status[Need]:
    community = get_place_for(request.user, payload.community_id)
    data = payload.dict()
    data.pop("community_id")
    return Status(201, services.need_declare(actor=request.user, community=community, **data))


@router.post("/moves", response={200: list[EnlistmentOut], **errors(403, 404, 409)})
def move(request: HttpRequest, payload: MoveIn) -> list[Enlistment]:
    """Move people on duty to a community that lacks hands."""
    to = get_place_for(request.user, payload.to_community_id)
    enlistments = selectors.enlistments_by_ids(request.user, payload.enlistment_ids)
    if len(enlistments) != len(set(payload.enlistment_ids)):
        raise ValidationError({"enlistment_ids": _("Some of these are unknown or not yours.")})
    return services.redistribute(
        actor=request.user, enlistments=enlistments, to_community=to, note=payload.note
    )


class DraftIn(Schema):
    size: int = Field(3, ge=2, le=10)
    leader_rank: str = "chu"
    agency_mode: str = "any"
    time_limit_s: float = Field(10.0, gt=0, le=120)
    team_count: int | None = Field(None, ge=1, le=100_000)


class DraftOut(Schema):
    id: int
    status: str
    teams: list[dict]
    balance: dict
    problems: list[str]
    seconds: float


class TeamSwapIn(Schema):
    """Two people of a team draft trade teams (the duty API's SwapIn is a shift swap)."""

    first: int
    second: int


def _draft_for(request: HttpRequest, draft_id: int) -> TeamDraft:
    return selectors.get_draft_for(request.user, draft_id)


@router.post(
    "/orders/{int:order_id}/team-drafts", response={201: DraftOut, **errors(403, 404, 409)}
)
def create_draft(request: HttpRequest, order_id: int, payload: DraftIn) -> Status[TeamDraft]:
    """Form balanced teams from who reported in (preview; nothing is assigned yet)."""
    order = selectors.get_order_for(request.user, order_id)
    rules = formation.rules_from(
        payload.size,
        payload.leader_rank,
        payload.agency_mode,
        payload.time_limit_s,
        payload.team_count,
    )
    return Status(201, formation.team_draft_create(actor=request.user, order=order, rules=rules))


@router.post("/team-drafts/{int:draft_id}/swap", response={200: DraftOut, **errors(403, 404, 409)})
def swap(request: HttpRequest, draft_id: int, payload: TeamSwapIn) -> TeamDraft:
    return formation.team_draft_swap(
        actor=request.user,
        draft=_draft_for(request, draft_id),
        first=payload.first,
        second=payload.second,
    )


@router.post(
    "/team-drafts/{int:draft_id}/confirm", response={200: list[dict], **errors(403, 404, 409)}
)
def confirm(request: HttpRequest, draft_id: int) -> list[dict]:
    teams = formation.team_draft_confirm(actor=request.user, draft=_draft_for(request, draft_id))
    return [{"id": t.pk, "number": t.number, "community_id": t.community_id} for t in teams]


class BatchIn(Schema):
    name: str = Field(..., max_length=50)
    place_id: int
    staff_ids: list[int] = Field(..., min_length=1, max_length=1000)
    starts_at: Instant
    ends_at: Instant


class RotateIn(Schema):
    name: str = Field(..., max_length=50)
    staff_ids: list[int] = Field(..., min_length=1, max_length=1000)
    ends_at: Instant
    handover_note: str = Field(..., max_length=2000)


class BatchOut(Schema):
    id: int
    name: str
    place_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    previous_id: int | None
    handover_note: str


class PairingIn(Schema):
    agency_code: str
    place_id: int
    starts_on: dt.date
    ends_on: dt.date | None = None


class PairingOut(Schema):
    id: int
    agency_id: int
    place_id: int
    starts_on: dt.date
    ends_on: dt.date | None


class PostingOut(Schema):
    place_id: int
    place: str = Field(alias="place.name")
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    reason: str


@router.post("/orders/{int:order_id}/batches", response={201: BatchOut, **errors(403, 404, 409)})
def dispatch_batch(request: HttpRequest, order_id: int, payload: BatchIn) -> Status[Batch]:
    """Send a named batch (第一批…) of people on duty to a community or compound for a period."""
    order = selectors.get_order_for(request.user, order_id)
    batch = dispatch.batch_send(
        actor=request.user,
        order=order,
        name=payload.name,
        place=get_place_for(request.user, payload.place_id),
        staff_ids=payload.staff_ids,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
    )
    return Status(201, batch)


@router.post("/batches/{int:batch_id}/rotate", response={201: BatchOut, **errors(403, 404, 409)})
def rotate_batch(request: HttpRequest, batch_id: int, payload: RotateIn) -> Status[Batch]:
    """The next batch takes over where this one ends, with a handover note."""
    batch = dispatch.batch_relieve(
        actor=request.user,
        current=selectors.get_batch_for(request.user, batch_id),
        name=payload.name,
        staff_ids=payload.staff_ids,
        ends_at=payload.ends_at,
        handover_note=payload.handover_note,
    )
    return Status(201, batch)


@router.post("/pairings", response={201: PairingOut, **errors(403, 404, 409)})
def pair(request: HttpRequest, payload: PairingIn) -> Status[Pairing]:
    """对点支援: pair an agency with a compound."""
    agency = selectors.agency_by_code(payload.agency_code)
    if agency is None:
        raise ValidationError({"agency_code": _("No agency with this code.")})
    pairing = dispatch.pairing_create(
        actor=request.user,
        agency=agency,
        place=get_place_for(request.user, payload.place_id),
        starts_on=payload.starts_on,
        ends_on=payload.ends_on,
    )
    return Status(201, pairing)


@router.get("/staff/{int:staff_id}/history", response={200: list[PostingOut], **errors(404)})
def history(request: HttpRequest, staff_id: int) -> list[Posting]:
    """Who was where, when."""
    return selectors.history_of(selectors.get_staff_for(request.user, staff_id))


class VetIn(Schema):
    approve: bool


@router.get("/volunteers/pending", response=list[StaffOut])
def pending_volunteers(request: HttpRequest) -> list[Staff]:
    """Self-registered volunteers of your communities waiting for vetting."""
    return list(selectors.pending_volunteers(request.user)[:500])


@router.post("/volunteers/{int:staff_id}/vet", response={200: StaffOut, **errors(403, 404, 409)})
def vet(request: HttpRequest, staff_id: int, payload: VetIn) -> Staff:
    volunteer = selectors.get_staff_for(request.user, staff_id, kind="volunteer")
    return services.volunteer_vet(actor=request.user, volunteer=volunteer, approve=payload.approve)
