"""/api/v1/residents: the registry, health status and spreadsheet imports."""

from collections.abc import Callable

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from shequ.core import imports
from shequ.core.errors import ValidationError
from shequ.core.models import ImportJob, ImportRowError
from shequ.core.pagination import Pages
from shequ.core.roles import Capability
from shequ.core.schemas import errors
from shequ.places.addresses import address_labels, scope_paths
from shequ.places.models import Place, PlaceKind
from shequ.places.selectors import get_place_for
from shequ.residents import privacy, selectors, services
from shequ.residents.models import Resident, StatusPeriod
from shequ.residents.privacy import Shown
from shequ.residents.schemas import (
    ImportErrorOut,
    ImportJobOut,
    ResidentFilter,
    ResidentIn,
    ResidentOut,
    ResidentPatch,
    StatusIn,
    StatusOut,
)
from shequ.residents.selectors import import_target

router = Router(tags=["residents"])


def _addresses(request: HttpRequest, people: list[Resident]) -> dict[int, str]:
    """The people's addresses as the user tells them apart (places/addresses.py)."""
    within = scope_paths(request.user, Capability.VIEW_RESIDENTS)
    return address_labels([r.household for r in people], within=within)


def _out(resident: Resident, shown: Shown, address: str) -> dict:
    return {
        "id": resident.pk,
        "name": resident.name,
        "gender": resident.gender,
        "birth_date": shown.birth_date,
        "birth_year": shown.birth_year,
        "document_type": resident.document_type,
        "document_number": shown.document,
        "phone": shown.phone,
        "household_id": resident.household_id,
        "household": str(resident.household.code),
        "address": address,
        "relation": resident.relation,
        "occupancy": resident.occupancy,
        "tags": resident.tag_list,
        "notes": resident.notes,
        "health_status": resident.health_status,
    }


def _one(request: HttpRequest, resident: Resident, *, where: str, why: str = "") -> dict:
    shown = privacy.residents_shown(request.user, [resident], where=where, why=why)
    return _out(
        resident, shown[resident.pk], _addresses(request, [resident])[resident.household_id]
    )


@router.get("", response={200: list[ResidentOut], **errors(404)})
@paginate(Pages, page_size=settings.API_PAGE_SIZE)
def list_residents(request: HttpRequest, filters: Query[ResidentFilter]) -> "_Page":
    """Residents in your scope; ID numbers, phones and birth dates masked unless your role
    allows. `q` matches names; an exact ID number or phone only for roles that see them in
    full (others get 400). Each page that shows numbers in full is audited."""
    search = selectors.text_search(request.user, filters.q)
    if search.names_only:
        raise ValidationError(
            {
                "q": _(
                    "Your role sees ID numbers and phones masked, so it may not search by them; "
                    "search by name."
                )
            }
        )
    building = get_place_for(request.user, filters.building) if filters.building else None
    household = get_place_for(request.user, filters.household) if filters.household else None
    qs = selectors.residents_for(
        request.user,
        text=filters.q,
        building=building,
        household=household,
        tag=filters.tag,
        status=filters.status,
    )

    def page(people: list[Resident]) -> list[dict]:
        shown = privacy.residents_shown(
            request.user,
            people,
            where="api.residents.list",
            why=filters.why or "",
            search=search if search.exact else None,
        )
        addresses = _addresses(request, people)
        return [_out(r, shown[r.pk], addresses[r.household_id]) for r in people]

    return _Page(qs, page)


class _Page:
    """A queryset that the paginator can slice and count; each slice goes through `fn` whole
    (one privacy audit row per page, not per resident)."""

    def __init__(self, qs: QuerySet[Resident], fn: Callable[[list[Resident]], list[dict]]):
        self.qs, self.fn = qs, fn

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[dict]:
        return self.fn(list(self.qs[item]))


@router.get("/{int:resident_id}", response={200: ResidentOut, **errors(404)})
def get_resident(request: HttpRequest, resident_id: int, why: str = "") -> dict:
    """One resident; `why` (optional) is kept in the audit row when numbers are shown in full."""
    resident = selectors.get_resident_for(request.user, resident_id)
    return _one(request, resident, where="api.residents.detail", why=why)


def _household(request: HttpRequest, pk: int) -> Place:
    return get_place_for(request.user, pk, kind=PlaceKind.HOUSEHOLD)


@router.post("", response={201: ResidentOut, **errors(403, 404, 409)})
def create_resident(request: HttpRequest, payload: ResidentIn) -> Status[dict]:
    data = payload.dict()
    household = _household(request, data.pop("household_id"))
    data["gender"] = data["gender"] or ""
    resident = services.resident_create(actor=request.user, household=household, **data)
    return Status(201, _one(request, resident, where="api.residents.create"))


@router.patch("/{int:resident_id}", response={200: ResidentOut, **errors(403, 404, 409)})
def update_resident(request: HttpRequest, resident_id: int, payload: ResidentPatch) -> dict:
    resident = selectors.get_resident_for(request.user, resident_id, Capability.EDIT_RESIDENTS)
    changes = payload.dict(exclude_unset=True)
    household_id = changes.pop("household_id", None)
    if "gender" in changes:
        changes["gender"] = changes["gender"] or ""
    if changes:
        resident = services.resident_update(actor=request.user, resident=resident, **changes)
    if household_id is not None and household_id != resident.household_id:
        resident = services.resident_move(
            actor=request.user, resident=resident, household=_household(request, household_id)
        )
    return _one(request, resident, where="api.residents.update")


@router.post("/{int:resident_id}/status", response={201: StatusOut, **errors(403, 404, 409)})
def set_status(request: HttpRequest, resident_id: int, payload: StatusIn) -> Status[StatusPeriod]:
    resident = selectors.get_resident_for(request.user, resident_id, Capability.EDIT_RESIDENTS)
    period = services.resident_set_status(actor=request.user, resident=resident, **payload.dict())
    return Status(201, period)


@router.get("/{int:resident_id}/status", response={200: list[StatusOut], **errors(404)})
def status_history(request: HttpRequest, resident_id: int) -> list[StatusPeriod]:
    return list(selectors.status_history(selectors.get_resident_for(request.user, resident_id)))


@router.post("/import", response={202: ImportJobOut, **errors(403, 404)})
def create_import(
    request: HttpRequest,
    file: File[UploadedFile],
    community: Form[str] = "",
    skip_invalid: Form[bool] = False,
    dry_run: Form[bool] = False,
) -> Status[ImportJob]:
    """Upload an .xlsx or .csv of residents; the import runs in the background (poll the job)."""
    place = import_target(request.user, community)
    job = imports.import_job_create(
        actor=request.user,
        kind="residents",
        upload=file,
        filename=file.name or "",
        place=place,
        options={"skip_invalid": skip_invalid, "dry_run": dry_run},
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
