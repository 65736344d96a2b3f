"""Page: swap and sick requests to approve or refuse (shift leaders, planners)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shequ.core.errors import ValidationError
from shequ.duty import changes, selectors
from shequ.duty.forms import whole_number


@login_required
def changes_page(request: HttpRequest) -> HttpResponse:
    """Swap and sick requests: approve or refuse (shift leaders, planners)."""
    if request.method == "POST":
        change = changes.get_change_for(request.user, whole_number(request.POST.get("change")))
        try:
            if request.POST.get("decision") == "cancel":
                changes.change_cancel(actor=request.user, change=change)
            else:
                changes.change_decide(
                    actor=request.user,
                    change=change,
                    approve=request.POST.get("decision") == "approve",
                )
            messages.success(request, _("Done."))
        except ValidationError as exc:
            for message in exc.errors.values():
                messages.error(request, message)
        return redirect("duty:changes")
    page = Paginator(selectors.changes_listed(request.user), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "duty/changes.html", {"page": page})
