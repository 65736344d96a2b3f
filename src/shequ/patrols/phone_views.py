"""The cadre's disinfection checklist on the phone, offline first (static/patrols/phone.js,
the approach of the gate and the inspections phone page): today's areas with their slots come
from GET /api/v1/patrols/checklist and are kept in IndexedDB; "Done" queues a round with its
own client UUID and the phone's time, sent to POST /api/v1/patrols/rounds:batch when the
network is there. Also its service worker, served under /patrols/phone/."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache

from shequ.core.offline import worker_response
from shequ.core.roles import Capability
from shequ.patrols import selectors

PHONE_STATIC = [
    "vendor/weui.min.css",
    "shequ/shequ.css",
    "shequ/shequ.js",
    "vendor/htmx.min.js",
    "vendor/dexie.min.js",
    "patrols/phone.js",
]


def _strings() -> dict[str, str]:
    """Every text phone.js shows, translated here (the script holds no UI text)."""
    return {
        "online": _("Online"),
        "offline": _("Offline: rounds are kept on this phone"),
        "waiting": _("%(n)s waiting to send"),
        "rejected": _("%(n)s not accepted"),
        "refreshed": _("checklist from %(t)s"),
        "never": _("No checklist on this phone yet: connect to the network once."),
        "syncing": _("Sending…"),
        "login": _("Your login has expired: log in again to send the waiting rounds."),
        "sync_failed": _("Sending failed; will retry."),
        "no_areas": _("No areas to disinfect here yet."),
        "done": pgettext("disinfection", "Done"),
        "queued": _("Round kept on this phone: %(area)s"),
        "state_waiting": _("waiting"),
        "state_rejected": _("not accepted"),
        "remove": _("Remove"),
        "status_done": _("done"),
        "status_missed": pgettext("disinfection", "missed"),
        "status_due": _("due now"),
        "status_later": _("later"),
        "status_queued": _("done (waiting to send)"),
        "units": _("units"),
        "photo_big": _("The photo is too large: take it again."),
    }


@login_required
def phone(request: HttpRequest) -> HttpResponse:
    """Today's rounds per area in walking order, tap "Done", with or without the network."""
    if not selectors.may_record(request.user):
        raise PermissionDenied(_("Only cadres, volunteers and community staff record rounds."))
    community = selectors.first_community(request.user, Capability.RECORD_ROUNDS)
    sw_url = reverse("patrols:phone_sw")
    snapshot = "/api/v1/patrols/checklist"
    if community is not None:
        snapshot += f"?community_id={community.pk}"
    config = {
        "snapshot_url": snapshot,
        "batch_url": "/api/v1/patrols/rounds:batch",
        "sw_url": sw_url,
        "sw_scope": sw_url.rsplit("/", 1)[0] + "/",
        "user_id": request.user.pk,
        "csrf_token": get_token(request),
        "strings": _strings(),
    }
    return render(request, "patrols/phone.html", {"config": config, "community": community})


@never_cache
def phone_sw(request: HttpRequest) -> HttpResponse:
    """The offline pages' worker with the phone checklist's cache name and static files."""
    return worker_response(cache="shequ-patrols", static_files=PHONE_STATIC)
