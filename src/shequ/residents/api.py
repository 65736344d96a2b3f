"""/api/v1/residents: the registry, health status and spreadsheet imports."""

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status
from ninja.files import UploadedFile
from ninja.pagination import PageNumberPagination, paginate

from shequ.core import imports
from shequ.core.errors import ValidationError
from shequ.core.roles import Capability
from shequ.places.households import household_address
from shequ.places.models import Place, PlaceKind
from shequ.places.selectors import get_place_for
from shequ.residents import privacy, selectors, services
from shequ.residents.models import Resident
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


def _out(resident: Resident, shown: Shown) -> dict:
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
        "address": household_address(resident.household),
        "relation": resident.relation,
        "occupancy": resident.occupancy,
        "tags": resident.tag_list,
        "notes": resident.notes,
        "health_status": resident.health_status,
    }


def _one(request: HttpRequest, resident: Resident, *, where: str, why: str = "") -> dict:
    shown = privacy.residents_shown(request.user, [resident], where=where, why=why)
    return _out(resident, shown[resident.pk])


@router.get("", response=list[ResidentOut])
@paginate(PageNumberPagination, page_size=settings.API_PAGE_SIZE)
def list_residents(request: HttpRequest, filters: Query[ResidentFilter]):  # type: ignore[no-untyped-def]
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
        return [_out(r, shown[r.pk]) for r in people]

    return _Page(qs, page)


class _Page:
    """A queryset that the paginator can slice and count; each slice goes through `fn` whole
    (one privacy audit row per page, not per resident)."""

    def __init__(self, qs, fn):  # type: ignore[no-untyped-def]
        self.qs, self.fn = qs, fn

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item):  # type: ignore[no-untyped-def]
        return self.fn(list(self.qs[item]))


@router.get("/{int:resident_id}", response=ResidentOut)
def get_resident(request: HttpRequest, resident_id: int, why: str = ""):  # type: ignore[no-untyped-def]
    """One resident; `why` (optional) is kept in the audit row when numbers are shown in full."""
    resident = selectors.get_resident_for(request.user, resident_id)
    return _one(request, resident, where="api.residents.detail", why=why)


def _household(request: HttpRequest, pk: int) -> Place:
    return get_place_for(request.user, pk, kind=PlaceKind.HOUSEHOLD)


@router.post("", response={201: ResidentOut})
def create_resident(request: HttpRequest, payload: ResidentIn):  # type: ignore[no-untyped-def]
    data = payload.dict()
    household = _household(request, data.pop("household_id"))
    data["gender"] = data["gender"] or ""
    resident = services.resident_create(actor=request.user, household=household, **data)
    return Status(201, _one(request, resident, where="api.residents.create"))


@router.patch("/{int:resident_id}", response=ResidentOut)
def update_resident(request: HttpRequest, resident_id: int, payload: ResidentPatch):  # type: ignore[no-untyped-def]
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


@router.post("/{int:resident_id}/status", response={201: StatusOut})
def set_status(request: HttpRequest, resident_id: int, payload: StatusIn):  # type: ignore[no-untyped-def]
    resident = selectors.get_resident_for(request.user, resident_id, Capability.EDIT_RESIDENTS)
    period = services.resident_set_status(actor=request.user, resident=resident, **payload.dict())
    return Status(201, period)


@router.get("/{int:resident_id}/status", response=list[StatusOut])
def status_history(request: HttpRequest, resident_id: int):  # type: ignore[no-untyped-def]
    return list(selectors.status_history(selectors.get_resident_for(request.user, resident_id)))


@router.post("/import", response={202: ImportJobOut})
def create_import(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    file: File[UploadedFile],
    community: Form[str] = "",
    skip_invalid: Form[bool] = False,
    dry_run: Form[bool] = False,
):
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


@router.get("/import/{uuid:job_id}", response=ImportJobOut)
def import_status(request: HttpRequest, job_id: str):  # type: ignore[no-untyped-def]
    """Progress and, once finished, the summary."""
    return imports.get_import_job_for(request.user, job_id)


@router.get("/import/{uuid:job_id}/errors", response=list[ImportErrorOut])
@paginate(PageNumberPagination, page_size=100)
def import_errors(request: HttpRequest, job_id: str):  # type: ignore[no-untyped-def]
    """Every problem found, by row."""
    return imports.job_problems(imports.get_import_job_for(request.user, job_id))
