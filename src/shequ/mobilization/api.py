"""/api/v1/mobilization: staff, orders, enlistment, batch report-in, needs, moves, board."""

from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from shequ.core import imports
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.roles import Role
from shequ.core.scopes import agency_ids_for, has_role
from shequ.mobilization import selectors, services
from shequ.mobilization.models import Agency
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
from shequ.places.models import Place, PlaceKind
from shequ.places.selectors import get_place_for

router = Router(tags=["mobilization"])


@router.get("/staff", response=list[StaffOut])
@paginate(PageNumberPagination, page_size=100)
def list_staff(request: HttpRequest, q: str = ""):  # type: ignore[no-untyped-def]
    """Staff you may see: your agency's, or those living or on duty in your places."""
    qs = selectors.staff_for(request.user)
    return qs.filter(name__icontains=q) if q else qs


@router.post("/staff", response={201: StaffOut})
def register_staff(request: HttpRequest, payload: StaffIn):  # type: ignore[no-untyped-def]
    data = payload.dict()
    agency_code = data.pop("agency_code")
    community_code = data.pop("residence_community_code")
    agency = Agency.objects.filter(code=agency_code).first() if agency_code else None
    if agency_code and agency is None:
        raise ValidationError({"agency_code": _("No agency with this code.")})
    community = (
        Place.objects.filter(code=community_code, kind=PlaceKind.COMMUNITY).first()
        if community_code
        else None
    )
    if community_code and community is None:
        raise ValidationError({"residence_community_code": _("No community with this code.")})
    staff = services.staff_register(
        actor=request.user, agency=agency, residence_community=community, **data
    )
    return Status(201, staff)


@router.post("/staff/import", response={202: dict})
def import_staff(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    file: File[UploadedFile],
    skip_invalid: Form[bool] = False,
    dry_run: Form[bool] = False,
):
    """Upload a staff list; poll GET /api/v1/imports/{id}."""
    if not (has_role(request.user, Role.CITY_HQ) or agency_ids_for(request.user)):
        raise PermissionDenied(_("Only agency coordinators and the HQ import staff lists."))
    job = imports.import_job_create(
        actor=request.user,
        kind="staff",
        upload=file,
        filename=file.name or "",
        options={"skip_invalid": skip_invalid, "dry_run": dry_run},
    )
    return Status(202, {"id": str(job.pk), "status": job.status})


@router.get("/orders", response=list[OrderOut])
def list_orders(request: HttpRequest):  # type: ignore[no-untyped-def]
    return list(selectors.orders_for(request.user)[:100])


@router.post("/orders", response={201: OrderOut})
def issue_order(request: HttpRequest, payload: OrderIn):  # type: ignore[no-untyped-def]
    scope = get_place_for(request.user, payload.scope_id)
    order = services.order_issue(
        actor=request.user,
        title=payload.title,
        scope=scope,
        deadline=payload.deadline,
        message=payload.message,
    )
    return Status(201, order)


@router.post("/orders/{int:order_id}/close", response=OrderOut)
def close_order(request: HttpRequest, order_id: int):  # type: ignore[no-untyped-def]
    return services.order_close(
        actor=request.user, order=selectors.get_order_for(request.user, order_id)
    )


@router.post("/orders/{int:order_id}/enlist", response={201: list[EnlistmentOut]})
def enlist(request: HttpRequest, order_id: int, payload: EnlistIn):  # type: ignore[no-untyped-def]
    """Put your staff under an order (already enlisted people are left as they are)."""
    order = selectors.get_order_for(request.user, order_id)
    staff = list(selectors.staff_for(request.user).filter(pk__in=payload.staff_ids))
    missing = set(payload.staff_ids) - {s.pk for s in staff}
    if missing:
        raise ValidationError(
            {
                "staff_ids": _("Unknown or not yours: %s.")
                % ", ".join(map(str, sorted(missing)[:10]))
            }
        )
    created = services.enlist(
        actor=request.user, order=order, staff=staff, signed_up=payload.signed_up
    )
    return Status(201, created)


@router.get("/orders/{int:order_id}/enlistments", response=list[EnlistmentOut])
@paginate(PageNumberPagination, page_size=100)
def list_enlistments(request: HttpRequest, order_id: int, state: str = ""):  # type: ignore[no-untyped-def]
    order = selectors.get_order_for(request.user, order_id)
    qs = selectors.enlistments_for(request.user, order=order)
    return qs.filter(state=state) if state else qs


@router.get("/orders/{int:order_id}/board", response=BoardOut)
def board(request: HttpRequest, order_id: int, level: str = "community"):  # type: ignore[no-untyped-def]
    """Need vs. signed up vs. reported in vs. assigned, live, with report-ins per hour."""
    order = selectors.get_order_for(request.user, order_id)
    result = selectors.board(request.user, order=order, level=level)

    def row(r):  # type: ignore[no-untyped-def]
        return {
            "place_id": r.place.pk,
            "name": r.place.name,
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
        "per_hour": selectors.by_hour(request.user, order),
    }


@router.post("/report-ins", response=list[ReportInResultOut])
def report_in_batch(request: HttpRequest, payload: ReportInBatch):  # type: ignore[no-untyped-def]
    """Report-ins from a gate or community phone, exactly once per client UUID; each item is
    answered created, duplicate or rejected (with the reason). Up to 1,000 per call."""
    results = services.report_in_batch(
        actor=request.user,
        items=[services.ReportIn(i.client_uuid, i.token, i.community_id) for i in payload.items],
    )
    return [r.__dict__ for r in results]


@router.post("/enlistments/{int:enlistment_id}/release", response=EnlistmentOut)
def release(request: HttpRequest, enlistment_id: int):  # type: ignore[no-untyped-def]
    enlistment = selectors.enlistments_for(request.user).filter(pk=enlistment_id).first()
    if enlistment is None:
        raise Http404("No such enlistment")
    return services.release(actor=request.user, enlistment=enlistment)


@router.get("/needs", response=list[NeedOut])
def list_needs(request: HttpRequest):  # type: ignore[no-untyped-def]
    from shequ.core.roles import Capability
    from shequ.core.scopes import scope_for
    from shequ.mobilization.models import Need

    scope = scope_for(request.user, Capability.VIEW_MOBILIZATION)
    return list(Need.objects.filter(scope.q("community")).order_by("-starts_on")[:500])


@router.post("/needs", response={201: NeedOut})
def declare_need(request: HttpRequest, payload: NeedIn):  # type: ignore[no-untyped-def]
    community = get_place_for(request.user, payload.community_id)
    data = payload.dict()
    data.pop("community_id")
    return Status(201, services.need_declare(actor=request.user, community=community, **data))


@router.post("/moves", response=list[EnlistmentOut])
def move(request: HttpRequest, payload: MoveIn):  # type: ignore[no-untyped-def]
    """Move people on duty to a community that lacks hands."""
    to = get_place_for(request.user, payload.to_community_id)
    enlistments = list(
        selectors.enlistments_for(request.user).filter(pk__in=payload.enlistment_ids)
    )
    if len(enlistments) != len(set(payload.enlistment_ids)):
        raise ValidationError({"enlistment_ids": _("Some of these are unknown or not yours.")})
    return services.redistribute(
        actor=request.user, enlistments=enlistments, to_community=to, note=payload.note
    )
