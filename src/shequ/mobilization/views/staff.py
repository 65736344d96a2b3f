"""Pages: an agency's staff (putting them under the open order) and importing staff lists."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core import import_views, imports
from shequ.core.errors import ValidationError
from shequ.mobilization import selectors, services
from shequ.mobilization.agency_import import may_import_agencies
from shequ.mobilization.forms import StaffChosenForm, StaffImportForm
from shequ.mobilization.views._common import current_order


@login_required
def staff_page(request: HttpRequest) -> HttpResponse:
    """An agency coordinator's staff, and putting them under the open order."""
    order, _orders = current_order(request)
    if request.method == "POST":
        if order is None:
            raise Http404("No order")
        chosen = StaffChosenForm(request.POST)
        try:
            if not chosen.is_valid():
                raise ValidationError({"staff": chosen.errors["staff"][0]})
            made = services.enlist_chosen(
                actor=request.user, order=order, staff_ids=chosen.cleaned_data["staff"]
            )
        except ValidationError as exc:
            messages.error(request, next(iter(exc.errors.values())))
        else:
            messages.success(request, _("%d signed up for the order.") % len(made))
        return redirect("mobilization:staff")
    page = Paginator(selectors.staff_listed(request.user), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "mobilization/staff.html",
        {
            "page": page,
            "order": order,
            "enlisted": selectors.enlisted_ids(request.user, order),
            "may_import": selectors.may_import_staff(request.user),
            "may_import_agencies": may_import_agencies(request.user),
        },
    )


STAFF_IMPORT = import_views.ImportPage(
    kind="staff",
    title=gettext_lazy("Import staff"),
    intro=gettext_lazy(
        "Upload your agency's staff list as .xlsx or .csv (UTF-8 or GB18030): one row per "
        "person with their name and ID number. Every row is checked first; if any row is wrong "
        "nothing is imported and you get the list of problems. Importing the same file again "
        "changes nothing."
    ),
    upload_url="mobilization:staff_import",
    job_url="mobilization:staff_import_job",
    errors_url="mobilization:staff_import_errors",
    errors_filename="staff-errors",
    back=(gettext_lazy("Staff"), "mobilization:staff"),
)


@login_required
def staff_import(request: HttpRequest) -> HttpResponse:
    """Upload a staff list (.xlsx / .csv); it is checked and imported in the background."""
    selectors.require_staff_importer(request.user)
    form = StaffImportForm(request.POST or None, request.FILES or None)
    return import_views.upload_page(
        request,
        STAFF_IMPORT,
        form,
        job_args=lambda data: {
            "options": {"skip_invalid": data["skip_invalid"], "dry_run": data["dry_run"]}
        },
    )


@login_required
def staff_import_job(request: HttpRequest, job_id: str) -> HttpResponse:
    """Progress while running (htmx polls the partial), then the summary and the bad rows."""
    job = imports.get_import_job_for(request.user, job_id)
    done = [import_views.Link(_("See the staff"), reverse("mobilization:staff"))]
    return import_views.job_page(request, STAFF_IMPORT, job, done=done)


@login_required
def staff_import_errors(request: HttpRequest, job_id: str) -> HttpResponse:
    return import_views.errors_download(request, STAFF_IMPORT, job_id)
