"""The sampling station page: choose the round, scan a tube then each person; swabs queue on
the phone (station.js, offline) and go to the swab batch API; with JavaScript off a plain form
records one swab at a time. Also the station's offline snapshot and its service worker."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from shequ.core.errors import PermissionDenied
from shequ.core.offline import worker_response
from shequ.residents.models import watch_tag_strings
from shequ.testing import ingest, selectors, snapshot
from shequ.testing.forms import StationSwabForm
from shequ.testing.models import Round, Station

STATION_STATIC = [
    "vendor/weui.min.css",
    "shequ/shequ.css",
    "vendor/htmx.min.js",
    "vendor/dexie.min.js",
    "testing/station.js",
]


def _station_strings() -> dict[str, str]:
    """Every text station.js shows, translated here (the script holds no UI text)."""
    return {
        "online": _("Online"),
        "offline": _("Offline: swabs are kept on this phone"),
        "waiting": _("%(n)s waiting to send"),
        "rejected": _("%(n)s not accepted"),
        "refreshed": _("residents list from %(t)s"),
        "never": _("No residents list on this phone yet: connect to the network once."),
        "syncing": _("Sending…"),
        "login": _("Your login has expired: log in again to send the waiting swabs."),
        "sync_failed": _("Sending failed; will retry."),
        "scan_tube": _("Scan the tube's barcode"),
        "tube_is_id": _("This is a person's ID number, not a tube: scan the tube first."),
        "tube_is_pass": _("This is an entry pass, not a tube: scan the tube first."),
        "not_a_tube": _("%(code)s is not a tube barcode: scan the tube first."),
        "scan_person": _("Scan the person's code or ID card"),
        "tube_line": _("Tube %(tube)s: %(n)s / %(size)s"),
        "no_tube": _("No tube open"),
        "tube_full": _("Tube %(tube)s is full and closed: scan the next tube."),
        "tube_closed": _("Tube %(tube)s closed."),
        "tube_empty": _("This tube is empty: scan a person first."),
        "queued": _("Swabbed: %(who)s"),
        "already_here": _("%(who)s was already swabbed on this phone in this round."),
        "unknown_person": _("Not in this community's list: the server will check %(code)s."),
        "no_match": _("Nobody found."),
        "id_card": _("ID card ****%(last4)s"),
        "resident_id": _("Resident no. %(id)s"),
        "created": _("recorded"),
        "duplicate": _("recorded (sent twice)"),
        "rejected_one": _("refused"),
        "out_of_scope": _("not in this round's places"),
        "retest": _("single-tube retest"),
        "closing": _("close tube %(tube)s"),
        "state_waiting": _("waiting"),
        "remove": _("Remove"),
        "choose_round": _("Choose the round first."),
        "home_mode": _("Home visit: %(who)s"),
        **watch_tag_strings(),
    }


@login_required
def station(request: HttpRequest, station_id: int) -> HttpResponse:
    """One station: choose the round, scan a tube then each person (scanner input + Enter, or
    search the cached residents list); swabs queue on the phone and are sent in batches. With
    JavaScript off, a plain form records one swab at a time."""
    st = selectors.get_station_for(request.user, station_id)
    community = st.site.community
    rounds = list(snapshot.running_rounds(community))
    chosen = next((r for r in rounds if str(r.pk) == request.GET.get("round", "")), None)
    if chosen is None and len(rounds) == 1:
        chosen = rounds[0]
    if request.method == "POST":
        round_id = _plain_swab(request, st, rounds)
        return redirect(f"{request.path}?round={round_id or ''}")
    config = {
        "station_id": st.pk,
        "round_id": chosen.pk if chosen else None,
        "snapshot_url": reverse("testing:station_snapshot", kwargs={"station_id": st.pk}),
        "batch_url": "/api/v1/testing/swabs:batch",
        "sw_url": reverse("testing:station_sw"),
        "sw_scope": reverse("testing:station_sw").rsplit("/", 1)[0] + "/",
        "user_id": request.user.pk,
        "csrf_token": get_token(request),
        # The script checks a code before it becomes the tube; the server checks it again.
        "tube_pattern": settings.TUBE_BARCODE_PATTERN,
        "strings": _station_strings(),
    }
    context = {
        "station": st,
        "rounds": rounds,
        "chosen": chosen,
        "config": config,
        "form_uuid": uuid.uuid4(),
    }
    return render(request, "testing/station.html", context)


def _plain_swab(request: HttpRequest, st: Station, rounds: list[Round]) -> int | None:
    """One swab from the page's plain form (no JavaScript); the answer is a message. Returns
    the round the form named (one of `rounds`), or None."""
    form = StationSwabForm(request.POST, rounds=rounds)
    if not form.is_valid():
        messages.error(request, _("Choose the round first."))
        return None
    item = form.item(st.pk, timezone.now().isoformat())
    [answer] = ingest.swabs_batch(actor=request.user, items=[item])
    if answer.status == ingest.REJECTED:
        messages.error(request, _("Not recorded: %s") % answer.message)
    elif item["kind"] == "close":
        messages.success(request, _("Tube %s closed.") % answer.tube)
    else:
        messages.success(
            request,
            _("Recorded into tube %(tube)s (%(n)d).")
            % {"tube": answer.tube, "n": answer.tube_count},
        )
    return form.cleaned_data["round"]


@never_cache
@login_required
def station_snapshot(request: HttpRequest, station_id: int) -> JsonResponse:
    """What the station keeps for offline work (see `snapshot.station_snapshot`): for those
    who run testing in the community, or who are on a shift at the site now; a JSON 403 with
    the reason for anyone else who may sample there (the page's script shows it)."""
    st = selectors.get_station_for(request.user, station_id)
    try:
        until = snapshot.station_snapshot_until(request.user, st)
    except PermissionDenied as exc:
        return JsonResponse({"detail": str(exc)}, status=403)
    return JsonResponse(snapshot.station_snapshot(st, until=until))


@never_cache
def station_sw(request: HttpRequest) -> HttpResponse:
    """The offline pages' worker (web/static/shequ/offline-sw.js) with the station's cache
    name and static files to keep, served under /testing/stations/ so its scope covers the
    station pages."""
    return worker_response(cache="shequ-station", static_files=STATION_STATIC)
