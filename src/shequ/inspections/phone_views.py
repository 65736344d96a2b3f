"""The inspector's phone page, offline first (inspections/static/inspections/phone.js, the
same approach as the gate page): the plans with their checklists and targets are kept on the
phone (GET /api/v1/inspections/plans), visits are recorded without the network, queued in
IndexedDB and sent to POST /api/v1/inspections/visits:batch when it is there (phone.py).
Also its service worker, served under /inspections/phone/ so that its scope covers the page."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from shequ.core.offline import worker_response
from shequ.inspections import selectors
from shequ.inspections.models import Section

PHONE_STATIC = [
    "vendor/weui.min.css",
    "shequ/shequ.css",
    "shequ/shequ.js",
    "vendor/htmx.min.js",
    "vendor/dexie.min.js",
    "inspections/phone.js",
]


def _strings() -> dict[str, str]:
    """Every text phone.js shows, translated here (the script holds no UI text)."""
    return {
        "online": _("Online"),
        "offline": _("Offline: visits are kept on this phone"),
        "waiting": _("%(n)s waiting to send"),
        "rejected": _("%(n)s not accepted"),
        "refreshed": _("plans from %(t)s"),
        "never": _("No plans on this phone yet: connect to the network once."),
        "syncing": _("Sending…"),
        "login": _("Your login has expired: log in again to send the waiting visits."),
        "sync_failed": _("Sending failed; will retry."),
        "no_plans": _("No inspection plan covers your area yet."),
        "choose_target": _("Choose what is inspected."),
        "answer_all": _("Answer every item: %(item)s"),
        "note_needed": _("Say what the problem is: %(item)s"),
        "queued": _("Visit kept on this phone: %(target)s"),
        "corrected": _("Corrected: it will be sent again."),
        "state_waiting": _("waiting"),
        "state_rejected": _("not accepted"),
        "fix": _("Correct"),
        "remove": _("Remove"),
        "problems": _("problems: %(n)s"),
        "item_error": _("Item “%(item)s”: %(message)s"),
        "ok": _("In order"),
        "problem": _("Problem"),
        "note": _("What is wrong"),
        "record": _("Record a visit"),
        "correcting": _("Correct the visit, then keep it again"),
    }


@login_required
def phone(request: HttpRequest) -> HttpResponse:
    """Record visits on the phone, with or without the network: plan → target → an answer
    (in order / problem with a note) per item, queued and sent when the network is there."""
    selectors.require_inspector(request.user)
    sw_url = reverse("inspections:phone_sw")
    config = {
        "snapshot_url": "/api/v1/inspections/plans",
        "batch_url": "/api/v1/inspections/visits:batch",
        "sw_url": sw_url,
        "sw_scope": sw_url.rsplit("/", 1)[0] + "/",
        "user_id": request.user.pk,
        "csrf_token": get_token(request),
        "sections": [[value, str(label)] for value, label in Section.choices],
        "strings": _strings(),
    }
    return render(request, "inspections/phone.html", {"config": config})


@never_cache
def phone_sw(request: HttpRequest) -> HttpResponse:
    """The offline pages' worker (web/static/shequ/offline-sw.js) with the phone page's cache
    name and static files, served under /inspections/phone/ so that its scope covers it."""
    return worker_response(cache="shequ-inspect", static_files=PHONE_STATIC)
