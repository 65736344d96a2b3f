"""Page: swap and sick requests to approve or refuse (shift leaders, planners)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shequ.core.errors import ValidationError
from shequ.duty import changes, selectors
from shequ.duty.forms import ChangeDecisionForm


@login_required
def changes_page(request: HttpRequest) -> HttpResponse:
    """Swap and sick requests: approve or refuse (shift leaders, planners)."""
    form = ChangeDecisionForm(request.POST if request.method == "POST" else None)
    refused = None
    if form.is_bound:
        if not form.is_valid() and "change" in form.errors:
            raise Http404("No such change")  # a missing or malformed id answers as an unknown one
        change = changes.get_change_for(request.user, form.cleaned_data["change"])
        if form.is_valid():
            try:
                if form.cleaned_data["decision"] == "cancel":
                    changes.change_cancel(actor=request.user, change=change)
                else:
                    changes.change_decide(
                        actor=request.user,
                        change=change,
                        approve=form.cleaned_data["decision"] == "approve",
                    )
                messages.success(request, _("Done."))
            except ValidationError as exc:
                for message in exc.errors.values():
                    messages.error(request, message)
            return redirect("duty:changes")
        refused = change.pk
    page = Paginator(selectors.changes_listed(request.user), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "duty/changes.html",
        {"page": page, "form": form, "refused": refused},
        status=400 if refused else 200,
    )
