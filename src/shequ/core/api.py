"""/api/v1/imports: progress and problems of any spreadsheet import you started."""

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from shequ.core import imports
from shequ.core.models import ImportJob

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


@router.get("/{uuid:job_id}", response=JobOut)
def job(request: HttpRequest, job_id: str):  # type: ignore[no-untyped-def]
    return imports.get_import_job_for(request.user, job_id)


@router.get("/{uuid:job_id}/errors", response=list[ProblemOut])
@paginate(PageNumberPagination, page_size=100)
def job_errors(request: HttpRequest, job_id: str):  # type: ignore[no-untyped-def]
    return imports.job_problems(imports.get_import_job_for(request.user, job_id))
