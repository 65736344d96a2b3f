"""The offline-first gate page: the gates a user guards, one gate's page (rules in words,
scanner, decision, queue; the work is done in static/checkpoints/gate.js from the cached
snapshot), and the service worker that lets the page reload with no network."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext
from django.views.decorators.cache import never_cache

from shequ.checkpoints import ingest, selectors
from shequ.checkpoints.decisions import reason_text
from shequ.checkpoints.forms import PlainPassageForm
from shequ.checkpoints.services import current_rules
from shequ.core.offline import worker_response
from shequ.places.addresses import attach_addresses
from shequ.places.selectors import current_zone
from shequ.residents.models import HealthStatus, watch_tag_strings

if TYPE_CHECKING:
    from shequ.duty.models import Post

# What the service worker keeps so that the gate page (and the checkpoints home listing the
# gates) reloads with no network.
GATE_STATIC = [
    "vendor/weui.min.css",
    "shequ/shequ.css",
    "shequ/favicon.svg",
    "shequ/shequ.js",
    "vendor/htmx.min.js",
    "vendor/dexie.min.js",
    "vendor/zxing-browser.min.js",
    "checkpoints/decide.js",
    "checkpoints/gate.js",
]

# The pages the gate's worker keeps for reading offline: the checkpoints home (the user's
# gates), the list of gates and each gate's page — the user's own pages, gone at logout
# (core.offline.OFFLINE_STORES). The passage log, passes and figures under /checkpoints/ are
# never kept.
GATE_PAGES = [r"^/checkpoints/$", r"^/checkpoints/gate/(\d+/)?$"]
GATE_SCOPE = "/checkpoints/"


def worker_config() -> dict[str, str]:
    """How a page registers the gate's worker (offline.js): its URL and its scope."""
    return {"sw_url": reverse("checkpoints:gate_sw"), "sw_scope": GATE_SCOPE}


def rules_in_words(rules: dict[str, Any]) -> list[str]:
    """The gate rules as sentences a guard reads at a glance."""
    statuses = dict(HealthStatus.choices)
    lines = [
        _("Fever: %(t)s °C or more is refused and the community is alerted.")
        % {"t": rules["fever_at"]},
        _("Temperature: must be taken for everyone.")
        if rules["require_temperature"]
        else _("Temperature: optional (a fever is still refused)."),
        _("Health code: must be checked; yellow and red are refused.")
        if rules["require_health_code"]
        else _("Health code: optional; yellow and red are refused."),
        _("Travel code star: allowed after asking where they have been.")
        if rules["star_extra_check"]
        else _("Travel code star: no extra check."),
        _("Residents show their entry pass.")
        if rules["require_pass"]
        else _("Residents need no entry pass."),
    ]
    quota = rules.get("exit_quota")
    if quota:
        people = ngettext(
            "%(n)d exit per household", "%(n)d exits per household", quota["people"]
        ) % {"n": quota["people"]}
        days = ngettext("in %(n)d day", "in %(n)d days", quota["days"]) % {"n": quota["days"]}
        lines.append(_("Exit quota: %(people)s %(days)s.") % {"people": people, "days": days})
    else:
        lines.append(_("Exit quota: none."))
    lines.append(
        _("Visitors: admitted, except into lockdown and control zones.")
        if rules["visitors"]
        else _("Visitors: not admitted.")
    )
    if rules["isolation_statuses"]:
        names = "、".join(str(statuses.get(s, s)) for s in rules["isolation_statuses"])
        lines.append(_("May not go out: %s.") % names)
    return lines


def _strings() -> dict[str, str]:
    """Every text gate.js shows, translated here (the script holds no UI text)."""
    return {
        "online": _("Online"),
        "offline": _("Offline: passages are kept on this phone"),
        "waiting": _("%(n)s waiting to send"),
        "rejected": _("%(n)s not accepted"),
        "refreshed": _("data from %(t)s"),
        "never": _("No gate data on this phone yet: connect to the network once."),
        "syncing": _("Sending…"),
        "login": _("Your login has expired: log in again to send the waiting passages."),
        "sync_failed": _("Sending failed; will retry."),
        "rules_newer": _("Rules changed to version %(v)s: reload the page to read them."),
        "allow": _("Allow"),
        "refuse": _("Refuse"),
        "no_reasons": _("All checks passed."),
        "alert": _("The community's staff will be alerted."),
        "alert_offline": _(
            "Offline: the community's staff will be alerted when this phone is back online and "
            "sends the passage."
        ),
        "alert_waiting": _("The alert will be sent when the network is back."),
        "recorded": _("Recorded: %(who)s"),
        # The gate's data holds the passes of the place it serves (selectors.gate_snapshot).
        "not_found": _("Not a pass of this gate (forged, altered, or another compound's)."),
        "old_copy": _("An old copy of a reissued pass."),
        "pick_holder": _("Tap who is passing:"),
        "no_holders": _("This pass has no holders."),
        "no_match": _("Nobody found."),
        "no_pass": _("no entry pass"),
        "household_pass": _("Pass %(household)s · valid %(from)s – %(until)s"),
        "pass_status": _("pass: %(status)s"),
        "camera_failed": _("The camera could not start: type or paste the code instead."),
        "camera_stop": _("Stop camera"),
        "camera_start": _("Scan with the camera"),
        "server_says": _("Server decided %(decision)s for %(who)s: %(reasons)s"),
        "visitor": _("Visitor %(name)s"),
        "vehicle": _("Vehicle %(plate)s"),
        "zone": _("Zone: %(zone)s"),
        "zone_lockdown": _("lockdown"),
        "zone_control": _("control"),
        "zone_precaution": _("precaution"),
        "out": pgettext("gate direction", "Out"),
        "in": pgettext("gate direction", "In"),
        "status_active": _("active"),
        "status_revoked": _("revoked"),
        "status_lost": _("reported lost"),
        "bad_temperature": _("A body temperature is between 34 and 43 °C: measure again."),
        "remove": _("Remove"),
        "state_waiting": _("waiting"),
        **watch_tag_strings(),
    }


@login_required
def gate_list(request: HttpRequest) -> HttpResponse:
    """The gates the user guards; with only one, that gate's page."""
    gates = attach_addresses(selectors.gates_for(request.user), lambda g: g.place)
    if len(gates) == 1:
        return redirect("checkpoints:gate", gate_id=gates[0].pk)
    return render(request, "checkpoints/gate_list.html", {"gates": gates})


def _record_plain_form(request: HttpRequest, post: Post) -> None:
    """One passage from the page's plain form (phones with JavaScript off), decided by the
    server; the answer is a message on the page."""
    form = PlainPassageForm(request.POST)
    form.is_valid()  # every field is optional text: the batch checks the item
    item = form.batch_item(post.pk)
    [result] = ingest.passages_batch(actor=request.user, items=[item])
    if result.status == ingest.REJECTED:
        messages.error(request, _("Not recorded: %s") % result.message)
        return
    verdict = _("Allow") if result.decision == "allow" else _("Refuse")
    rules = current_rules(post.community)[1]
    why = "；".join(reason_text(r, rules) for r in result.reasons)
    messages.success(
        request, _("Recorded: %(decision)s. %(why)s") % {"decision": verdict, "why": why}
    )


@login_required
def gate(request: HttpRequest, gate_id: int) -> HttpResponse:
    """One gate: the rules in force, and the scanner that decides and queues offline (with
    JavaScript off, a plain form that records one passage)."""
    post = selectors.get_gate_for(request.user, gate_id)
    if request.method == "POST":
        _record_plain_form(request, post)
        return redirect("checkpoints:gate", gate_id=post.pk)
    version, rules = current_rules(post.community)
    zone = current_zone(post.place)
    config = {
        "gate_id": post.pk,
        "snapshot_url": reverse("api:gate_snapshot", kwargs={"gate_id": post.pk}),
        "batch_url": reverse("api:passages_batch"),
        **worker_config(),
        "time_zone": settings.TIME_ZONE,
        "rules_version": version,
        "user_id": request.user.pk,
        "csrf_token": get_token(request),
        "zxing_url": static("vendor/zxing-browser.min.js"),
        "strings": _strings(),
    }
    return render(
        request,
        "checkpoints/gate.html",
        {
            "gate": post,
            "rules_version": version,
            "rules_lines": rules_in_words(rules),
            "zone": zone,
            "config": config,
            "form_uuid": uuid.uuid4(),
        },
    )


@never_cache
def service_worker(request: HttpRequest) -> HttpResponse:
    """The offline pages' worker (web/static/shequ/offline-sw.js) with the gate's cache name
    and static files to keep, served under /checkpoints/gate/ and allowed the scope
    /checkpoints/, so that it keeps the checkpoints home too (GATE_PAGES, nothing else)."""
    return worker_response(
        cache="shequ-gate", static_files=GATE_STATIC, pages=GATE_PAGES, scope=GATE_SCOPE
    )
