"""Pages about people's logins: a personal sign-in link (and its QR code) for a staff member,
the agency list import (HQ), vetting self-registered volunteers, and a community's poster."""

from __future__ import annotations

import base64

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core import import_views, imports
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.qr import qr_svg
from shequ.mobilization import accounts
from shequ.mobilization.agency_import import may_import_agencies
from shequ.mobilization.forms import StaffImportForm, VetForm
from shequ.mobilization.poster import volunteer_poster


@login_required
def staff_invite(request: HttpRequest, staff_id: int) -> HttpResponse:
    """Make a person's sign-in link: shown once, as a link to forward and a QR to print."""
    staff = accounts.get_invitable_staff_for(request.user, staff_id)
    link = qr = ""
    if request.method == "POST":
        try:
            _invitation, token = accounts.invitation_create(actor=request.user, staff=staff)
        except ValidationError as exc:
            messages.error(request, next(iter(exc.errors.values())))
        else:
            link = request.build_absolute_uri(reverse("web:invitation", args=[token]))
            qr = "data:image/svg+xml;base64," + base64.b64encode(qr_svg(link)).decode()
    response = render(
        request, "mobilization/staff_invite.html", {"staff": staff, "link": link, "qr": qr}
    )
    response["Cache-Control"] = "private, no-store"
    return response


AGENCY_IMPORT = import_views.ImportPage(
    kind="agencies",
    title=gettext_lazy("Import agencies"),
    intro=gettext_lazy(
        "Upload the list of agencies (机关单位) as .xlsx or .csv: name, code, level (省, 市, 区, "
        "街道) and the parent agency's code. A parent is already registered or listed above. "
        "If any row is wrong nothing is imported; importing the same file again changes nothing."
    ),
    upload_url="mobilization:agency_import",
    job_url="mobilization:agency_import_job",
    errors_url="mobilization:agency_import_errors",
    errors_filename="agency-errors",
    back=(gettext_lazy("Staff"), "mobilization:staff"),
)


def _require_agency_importer(request: HttpRequest) -> None:
    if not may_import_agencies(request.user):
        raise PermissionDenied(_("Only the HQ imports the list of agencies."))


@login_required
def agency_import(request: HttpRequest) -> HttpResponse:
    """Upload the agency list; checked and imported in the background."""
    _require_agency_importer(request)
    form = StaffImportForm(request.POST or None, request.FILES or None)
    return import_views.upload_page(
        request,
        AGENCY_IMPORT,
        form,
        job_args=lambda data: {
            "options": {"skip_invalid": data["skip_invalid"], "dry_run": data["dry_run"]}
        },
    )


@login_required
def agency_import_job(request: HttpRequest, job_id: str) -> HttpResponse:
    job = imports.get_import_job_for(request.user, job_id)
    return import_views.job_page(request, AGENCY_IMPORT, job)


@login_required
def agency_import_errors(request: HttpRequest, job_id: str) -> HttpResponse:
    return import_views.errors_download(request, AGENCY_IMPORT, job_id)


@login_required
def vetting_page(request: HttpRequest) -> HttpResponse:
    """Volunteers of the user's communities waiting for vetting: approve, or reject with a
    reason. Other communities' volunteers are not listed and cannot be vetted (404)."""
    communities = accounts.vetting_communities(request.user)
    if not communities:
        raise PermissionDenied(_("Only community staff vet volunteers."))
    form = VetForm(request.POST or None)
    failed: tuple[int, VetForm] | None = None
    if request.method == "POST":
        volunteer = accounts.get_pending_volunteer_for(request.user, request.POST.get("volunteer"))
        try:
            if not form.is_valid():
                raise ValidationError({"reason": _("Choose approve or reject.")})
            approve = form.cleaned_data["decision"] == "approve"
            accounts.volunteer_vet_with_reason(
                actor=request.user,
                volunteer=volunteer,
                approve=approve,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            exc.apply_to_form(form)
            failed = (volunteer.pk, form)
        else:
            note = _("%s is approved and may now sign in.") if approve else _("%s is rejected.")
            messages.success(request, note % volunteer.name)
            return redirect("mobilization:vetting")
    page = Paginator(accounts.vetting_queue(request.user), 30).get_page(request.GET.get("page"))
    return render(
        request,
        "mobilization/vetting.html",
        {"page": page, "communities": communities, "failed": failed},
        status=400 if failed else 200,
    )


@login_required
def volunteer_poster_pdf(request: HttpRequest, place_id: int) -> HttpResponse:
    """The A4 poster with the QR code of the community's public sign-up page."""
    community = accounts.poster_community_for(request.user, place_id)
    url = request.build_absolute_uri(reverse("volunteer:signup", args=[community.code]))
    response = HttpResponse(
        volunteer_poster(community=community.name, url=url), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="volunteers-{community.code}.pdf"'
    return response
