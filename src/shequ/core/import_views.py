"""The pages of a spreadsheet import, the same for every kind of list: the upload page (the
columns taken, the form, recent imports), the job page (progress polled by htmx, the summary,
how the columns were read, the problems by row) and the problems as Excel.

An app describes its list once (`ImportPage`) and its views become three thin wrappers:

    RESIDENTS = ImportPage(kind="residents", title=_("Import residents"), ...)

    def import_upload(request):
        form = ImportForm(request.POST or None, request.FILES or None, ...)
        return upload_page(request, RESIDENTS, form, job_args=lambda data: {...})

Templates: web/templates/web/import.html and web/import_job.html.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _

from shequ.core import imports
from shequ.core.errors import ValidationError
from shequ.core.exports import xlsx_response
from shequ.core.models import ImportJob

if TYPE_CHECKING:
    from django import forms
    from django.utils.functional import Promise

ERRORS_PER_PAGE = 50
RECENT_JOBS = 10


@dataclass(frozen=True)
class Link:
    """A button on the job page once the import is done ("See the residents")."""

    label: str | Promise
    url: str
    testid: str = ""


@dataclass(frozen=True)
class ImportPage:
    """What the shared import pages show for one kind of list (an importer's `kind`)."""

    kind: str
    title: str | Promise  # "Import residents": the heading, and the crumb back to the upload
    intro: str | Promise  # what to upload and what happens to it
    upload_url: str  # URL names: the upload page, the job page and its problems (by job id)
    job_url: str
    errors_url: str
    errors_filename: str = "import-errors"  # the problems download: <this>-<job id>.xlsx
    template_url: str = ""  # URL name of an empty workbook to fill in, if the list has one
    back: tuple[str | Promise, str] | None = None  # a crumb above the upload: (label, URL name)
    # What the summary calls the rows written (saved, or a check's "would be"); None: no such
    # count (results are recorded, never updated).
    created: tuple[str | Promise, str | Promise] = (_("new"), _("would be new"))
    updated: tuple[str | Promise, str | Promise] | None = (_("updated"), _("would be updated"))
    form_testid: str = "import-form"

    def columns(self) -> Sequence[Any]:
        """The importer's columns (label, required, aliases), for the upload page."""
        return imports.IMPORTERS[self.kind].columns


def upload_page(
    request: HttpRequest,
    page: ImportPage,
    form: forms.Form,
    *,
    job_args: Callable[[dict[str, Any]], dict[str, Any]],
) -> HttpResponse:
    """The upload page; a valid POST starts an import job of `page.kind` with the form's
    `file` and what `job_args(cleaned_data)` returns (`place=`, `options=`), then opens the
    job page. A refused file, or a ValidationError from `job_args`, shows next to its field."""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        try:
            job = imports.import_job_create(
                actor=request.user,
                kind=page.kind,
                upload=upload,
                filename=upload.name,
                **job_args(data),
            )
        except ValidationError as exc:
            exc.apply_to_form(form)
        else:
            return redirect(page.job_url, job_id=job.pk)
    recent = imports.recent_jobs(request.user, page.kind, RECENT_JOBS)
    return render(request, "web/import.html", {"imp": page, "form": form, "recent": recent})


def job_page(
    request: HttpRequest, page: ImportPage, job: ImportJob, *, done: Sequence[Link] = ()
) -> HttpResponse:
    """Progress while the job runs (htmx polls the #progress partial), then the summary, how
    the columns were read and the problems by row. `done`: the buttons shown once it is done.
    Fetch `job` with imports.get_import_job_for (another user's job is 404)."""
    errors = Paginator(imports.job_problems(job), ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"imp": page, "job": job, "errors": errors, "done": done}
    partial = bool(request.htmx) and not request.htmx.history_restore_request
    template = "web/import_job.html#progress" if partial else "web/import_job.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def errors_download(request: HttpRequest, page: ImportPage, job_id: Any) -> HttpResponse:
    """The problems of the user's job as a workbook; 404 when there are none."""
    job = imports.get_import_job_for(request.user, job_id)
    if not imports.has_problems(job):
        raise Http404("No errors")
    return xlsx_response(imports.errors_workbook(job), f"{page.errors_filename}-{job.pk}.xlsx")
