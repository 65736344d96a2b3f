"""The lab's pages (RECORD_RESULTS): transfers to receive (count them in; a different count is
a discrepancy), a result per tube, and the results import (upload, job, bad rows)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shequ.core import import_views, imports
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.import_views import ImportPage
from shequ.core.roles import Capability
from shequ.core.scopes import Scope, scope_for
from shequ.testing import labwork, selectors, snapshot
from shequ.testing.forms import LabActionForm, ReceiveForm, ResultForm, ResultsImportForm


def _lab_scope(request: HttpRequest) -> Scope:
    scope = scope_for(request.user, Capability.RECORD_RESULTS)
    if scope.is_empty:
        raise PermissionDenied(_("Your role does not record test results."))
    return scope


@login_required
def lab(request: HttpRequest) -> HttpResponse:
    """Transfers to receive (count them in; a different count is a discrepancy), a result per
    tube, and the way to import a results file."""
    scope = _lab_scope(request)
    rounds = snapshot.lab_rounds(request.user)
    result_form = ResultForm(rounds=rounds)
    receive_forms: dict[int, ReceiveForm] = {}
    answer = None
    posted = LabActionForm(request.POST if request.method == "POST" else None)
    if posted.is_bound and not posted.is_valid():
        if "action" in posted.errors:
            raise BadRequest(_("Unknown action on the lab page."))
        raise Http404("transfer")  # a transfer id that is no id answers as an unknown one
    action = posted.cleaned_data["action"] if posted.is_bound else ""
    if action == "result":
        result_form = ResultForm(request.POST, rounds=rounds)
        if result_form.is_valid():
            data = result_form.cleaned_data
            round_ = next(r for r in rounds if r.pk == data["round"])
            [answer] = labwork.results_record(
                actor=request.user,
                round_=round_,
                results=[(data["barcode"].strip(), data["result"])],
            )
            if answer.status == "rejected":
                result_form.add_error("barcode", answer.message)
            else:
                if answer.recall_id:
                    messages.warning(request, _("Tube %s: recall started.") % answer.barcode)
                else:
                    messages.success(request, _("Tube %s: result recorded.") % answer.barcode)
                return redirect("testing:lab")
    elif action == "receive":
        transfer = selectors.get_transfer_for(
            request.user, posted.cleaned_data["transfer"] or 0, pending=True
        )
        form = ReceiveForm(request.POST, prefix=f"t{transfer.pk}")
        receive_forms[transfer.pk] = form
        if form.is_valid():
            try:
                got = labwork.transfer_receive(
                    actor=request.user,
                    transfer=transfer,
                    received_count=form.cleaned_data["received_count"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                exc.apply_to_form(form)
            else:
                if got.discrepancy:
                    messages.warning(request, f"{got.code}: {got.discrepancy}")
                else:
                    messages.success(request, _("Transfer %s received.") % got.code)
                return redirect("testing:lab")
    page = Paginator(snapshot.lab_pending(scope), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    # The count box starts empty: the lab counts the tubes it got and types the number (a
    # box filled with the sent count would be confirmed unread, and a lost tube go unseen).
    transfers = [
        (t, receive_forms.get(t.pk) or ReceiveForm(prefix=f"t{t.pk}")) for t in page.object_list
    ]
    context = {
        "page": page,
        "transfers": transfers,
        "received": snapshot.lab_received(scope),
        "result_form": result_form,
        "answer": answer,
        "recent": imports.recent_jobs(request.user, "tube_results", 5),
    }
    return render(request, "testing/lab.html", context)


LAB_IMPORT = ImportPage(
    kind="tube_results",
    title=gettext_lazy("Import results"),
    intro=gettext_lazy(
        "Upload the lab's results as .xlsx or .csv: one row per tube with its barcode (试管条码) "
        "and result (结果: 阴性, 阳性 or 无效). Every row is checked first; if any row is wrong "
        "nothing is recorded and you get the list of problems. A positive or invalid tube "
        "recalls its members at once."
    ),
    upload_url="testing:lab_import",
    job_url="testing:lab_import_job",
    errors_url="testing:lab_import_errors",
    errors_filename="results-errors",
    back=(gettext_lazy("Lab"), "testing:lab"),
    created=(gettext_lazy("recorded"), gettext_lazy("would be recorded")),
    updated=None,
)


@login_required
def lab_import(request: HttpRequest) -> HttpResponse:
    """Upload a results file (.xlsx / .csv); it is checked and recorded in the background."""
    _lab_scope(request)
    rounds = snapshot.lab_rounds(request.user)
    form = ResultsImportForm(request.POST or None, request.FILES or None, rounds=rounds)
    return import_views.upload_page(
        request,
        LAB_IMPORT,
        form,
        job_args=lambda data: {
            "options": {"round_id": data["round"], "skip_invalid": data["skip_invalid"]}
        },
    )


@login_required
def lab_import_job(request: HttpRequest, job_id: str) -> HttpResponse:
    """Progress while running (htmx polls the partial), then the summary and the bad rows."""
    job = imports.get_import_job_for(request.user, job_id)
    done = [import_views.Link(_("Back to the lab"), reverse("testing:lab"))]
    round_id = job.options.get("round_id")
    if round_id and not scope_for(request.user, Capability.VIEW_TESTING).is_empty:
        done.append(
            import_views.Link(
                _("See the recalls"), reverse("testing:recalls", args=[round_id]), "see-recalls"
            )
        )
    return import_views.job_page(request, LAB_IMPORT, job, done=done)


@login_required
def lab_import_errors(request: HttpRequest, job_id: str) -> HttpResponse:
    """The bad rows of a results import as a spreadsheet."""
    return import_views.errors_download(request, LAB_IMPORT, job_id)
