"""/api/v1/places: the place tree, zones, and the current zone of any place."""

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from shequ.core import imports
from shequ.core.models import ImportJob, ImportRowError
from shequ.core.pagination import Pages
from shequ.core.roles import Capability
from shequ.core.schemas import ImportErrorOut, ImportJobOut, errors
from shequ.core.scopes import scope_for
from shequ.places import selectors, services
from shequ.places.models import Place, ZoneDesignation
from shequ.places.schemas import CurrentZoneOut, PlaceFilter, PlaceOut, ZoneIn, ZoneOut

router = Router(tags=["places"])


@router.get("", response={200: list[PlaceOut], **errors(404)})
@paginate(Pages, page_size=settings.API_PAGE_SIZE)
def list_places(request: HttpRequest, filters: Query[PlaceFilter]) -> QuerySet[Place]:
    """Places in your scope, filtered by kind, parent or text; SHEQU_API_PAGE_SIZE a page."""
    parent = selectors.get_place_for(request.user, filters.parent) if filters.parent else None
    return selectors.places_for(request.user, kind=filters.kind, parent=parent, text=filters.q)


@router.post("/import", response={202: ImportJobOut, **errors(403)})
def create_import(
    request: HttpRequest, file: File[UploadedFile], dry_run: Form[bool] = False
) -> Status[ImportJob]:
    """Upload the city's place sheet (.xlsx or .csv; city HQ only); it is imported in the
    background: poll the job. Columns and rules: docs/places.md."""
    job = imports.import_job_create(
        actor=request.user,
        kind="places",
        upload=file,
        filename=file.name or "",
        place=selectors.import_city(request.user),
        options={"dry_run": dry_run},
    )
    return Status(202, job)


@router.get("/import/{uuid:job_id}", response={200: ImportJobOut, **errors(404)})
def import_status(request: HttpRequest, job_id: str) -> ImportJob:
    """Progress and, once finished, the summary."""
    return imports.get_import_job_for(request.user, job_id)


@router.get("/import/{uuid:job_id}/errors", response={200: list[ImportErrorOut], **errors(404)})
@paginate(Pages, page_size=100)
def import_errors(request: HttpRequest, job_id: str) -> QuerySet[ImportRowError]:
    """Every problem found, by row."""
    return imports.job_problems(imports.get_import_job_for(request.user, job_id))


@router.get("/{place_id}", response={200: PlaceOut, **errors(404)})
def get_place(request: HttpRequest, place_id: int) -> Place:
    """One place; 404 when it does not exist or lies outside your scope."""
    return selectors.get_place_for(request.user, place_id)


@router.get("/{place_id}/zones", response={200: list[ZoneOut], **errors(404)})
@paginate(Pages, page_size=settings.API_PAGE_SIZE)
def list_zones(request: HttpRequest, place_id: int) -> QuerySet[ZoneDesignation]:
    """Zone history of a compound or building, newest first."""
    return selectors.zone_history(selectors.get_place_for(request.user, place_id))


@router.post("/{place_id}/zones", response={201: ZoneOut, **errors(403, 404, 409)})
def set_zone(request: HttpRequest, place_id: int, payload: ZoneIn) -> Status[ZoneDesignation]:
    """Designate a zone; an open one is closed at the new start, other overlaps are refused."""
    place = selectors.get_place_for(request.user, place_id, Capability.SET_ZONE)
    designation = services.zone_set(
        actor=request.user,
        place=place,
        level=payload.level,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        reason=payload.reason,
    )
    return Status(201, designation)


@router.post("/{place_id}/zones/lift", response={200: ZoneOut, **errors(403, 404, 409)})
def lift_zone(request: HttpRequest, place_id: int) -> ZoneDesignation:
    """End the zone in force on a compound or building now."""
    place = selectors.get_place_for(request.user, place_id, Capability.SET_ZONE)
    return services.zone_lift(actor=request.user, place=place)


@router.get("/{place_id}/current-zone", response={200: CurrentZoneOut, **errors(404)})
def current_zone(request: HttpRequest, place_id: int) -> dict:
    """The zone in force for a household (or building, compound): the strictest above it."""
    place = selectors.get_place_for(request.user, place_id)
    zone = selectors.current_zone(place)
    if zone is not None and not scope_for(request.user).covers(zone.place):
        # Set on a compound the caller cannot open: say what applies, not who set it or why.
        return {
            "place_id": place.pk,
            "zone": {
                "id": zone.pk,
                "place_id": None,
                "level": zone.level,
                "starts_at": zone.starts_at,
                "ends_at": zone.ends_at,
                "reason": "",
                "set_by": "",
            },
        }
    return {"place_id": place.pk, "zone": zone}
