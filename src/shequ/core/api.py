"""/api/v1/imports: progress and problems of any spreadsheet import you started."""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from shequ.core import imports
from shequ.core.models import ImportJob, ImportRowError
from shequ.core.pagination import Pages
from shequ.core.schemas import errors

router = Router(tags=["imports"])


class JobOut(Schema):
    id: str
    kind: str
    status: str
    message: str
    percent: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    finished: bool
    # False while the counts say what would change (checking, a dry run); true once written.
    saved: bool

    @staticmethod
    def resolve_id(obj: ImportJob) -> str:
        return str(obj.pk)


class ProblemOut(Schema):
    row: int
    column: str
    value: str
    reason: str


@router.get("/{uuid:job_id}", response={200: JobOut, **errors(404)})
def job(request: HttpRequest, job_id: str) -> ImportJob:
    return imports.get_import_job_for(request.user, job_id)


@router.get("/{uuid:job_id}/errors", response={200: list[ProblemOut], **errors(404)})
@paginate(Pages, page_size=100)
def job_errors(request: HttpRequest, job_id: str) -> QuerySet[ImportRowError]:
    return imports.job_problems(imports.get_import_job_for(request.user, job_id))
