"""The isolation board (/help/isolation/): who is isolated or monitored at home in the user's
communities, who reported today, who is late, who has fever; a cadre records a reading at
the door, the community's staff release."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.assistance import exports, isolation, selectors
from shequ.core.errors import ValidationError
from shequ.core.exports import xlsx_response

SHOWS = ("all", "late", "fever")
EXPORT_MAX = 10_000


def _act(request: HttpRequest) -> dict[str, str]:
    """One POST: a reading at the door, or a release; the errors, or {} when done."""
    user = request.user
    if not (isolation.may_report(user) or isolation.may_release(user)):
        raise PermissionDenied(_("Your role may not record reports or release residents."))
    resident = isolation.get_isolated_for(user, request.POST.get("resident"))
    action = request.POST.get("action")
    try:
        if action == "report":
            report = isolation.isolation_report(
                actor=user,
                resident=resident,
                temperature=request.POST.get("temperature", ""),
                symptoms=request.POST.get("symptoms", ""),
            )
            note = _("Recorded %(t)s °C for %(name)s.") % {
                "t": report.temperature,
                "name": resident.name,
            }
            messages.warning(request, note) if report.fever else messages.success(request, note)
        elif action == "release":
            isolation.isolation_release(actor=user, resident=resident)
            messages.success(request, _("%s is released.") % resident.name)
        else:
            return {"action": _("Choose record or release.")}
    except ValidationError as exc:
        return exc.errors
    return {}


@login_required
def isolation_board(request: HttpRequest) -> HttpResponse:
    """The board, late and feverish first to find: filter ?show=late|fever; the same rows as
    Excel with ?format=xlsx."""
    if not selectors.may_see_help(request.user):
        raise PermissionDenied(_("Your role does not see people isolated at home."))
    errors: dict[str, str] = {}
    if request.method == "POST":
        errors = _act(request)
        if not errors:
            return redirect(request.get_full_path())
    show = request.GET.get("show", "all")
    show = show if show in SHOWS else "all"
    now = timezone.now()
    everyone = isolation.isolated_for(request.user)
    if request.GET.get("format") == "xlsx":
        shown = list(isolation.filtered(everyone, show, now)[:EXPORT_MAX])
        data = exports.isolation_xlsx(isolation.board_rows(shown, now))
        return xlsx_response(data, f"isolation-{timezone.localdate(now).isoformat()}.xlsx")
    page = Paginator(isolation.filtered(everyone, show, now), 25).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": isolation.board_rows(list(page.object_list), now),
        "counts": isolation.board_counts(everyone, now),
        "show": show,
        "errors": errors,
        "may_report": isolation.may_report(request.user),
        "may_release": isolation.may_release(request.user),
    }
    return render(request, "assistance/isolation.html", context, status=400 if errors else 200)
