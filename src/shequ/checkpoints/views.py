"""Pages for the community's side of the gates: the checkpoints home, the passage log (with
alerts and disagreements), one passage, and the figures (per gate per hour, who went out
today, who has not come back)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.checkpoints import gate_views, selectors
from shequ.checkpoints.decisions import REASONS, reason_text
from shequ.checkpoints.models import Decision, Direction, Passage
from shequ.checkpoints.services import current_rules
from shequ.core import pii
from shequ.core.bidi import neutral
from shequ.core.charts import Chart, Series
from shequ.core.roles import Capability
from shequ.places.addresses import address_labels, attach_addresses, scope_paths
from shequ.places.models import Place


def _chosen(request: HttpRequest) -> tuple[list[Place], Place | None]:
    """The communities the user may look at, and the one asked for (or the only one)."""
    communities = list(selectors.communities_for(request.user)[:500])
    wanted = request.GET.get("community", "")
    if wanted.isdigit():
        chosen = next((c for c in communities if c.pk == int(wanted)), None)
        if chosen is None:
            raise Http404
        return communities, chosen
    return communities, communities[0] if len(communities) == 1 else None


def _day(request: HttpRequest) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return timezone.localdate()


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where each kind of user starts: the gate page, passes and rules, the log and figures."""
    gates = attach_addresses(selectors.gates_for(request.user)[:50], lambda g: g.place)
    communities = attach_addresses(
        selectors.communities_for(request.user)[:50],
        lambda c: c,
        within=scope_paths(request.user, Capability.VIEW_PASSAGES),
    )
    issuing = list(selectors.communities_for(request.user, Capability.ISSUE_PASSES)[:50])
    counts = selectors.today_counts(request.user) if communities else None
    if not (gates or communities or issuing):
        raise Http404
    return render(
        request,
        "checkpoints/home.html",
        {
            "gates": gates,
            "communities": communities,
            "issuing": issuing,
            "today": counts,
            # A guard's home reloads offline like the gate page (the gate's worker keeps it).
            "offline_worker": gate_views.worker_config() if gates else None,
        },
    )


def _reason_labels(codes: list[str], rules: dict | None = None) -> list[tuple[str, str, bool]]:
    return [(c, reason_text(c, rules), REASONS[c][0] == "refuse") for c in codes if c in REASONS]


@login_required
def log(request: HttpRequest) -> HttpResponse:
    """The passage log of one community or all the user sees, newest first, filtered."""
    communities, community = _chosen(request)
    if not communities:
        raise Http404
    day = _day(request)
    show = request.GET.get("show", "")
    direction = request.GET.get("direction", "")
    qs = selectors.passage_log(
        request.user,
        community_id=community.pk if community is not None else None,
        day=None if request.GET.get("all_days") == "1" else day,
        alert=True if show == "alerts" else None,
        decision=Decision.REFUSE if show == "refused" else None,
        disagrees=True if show == "disagree" else None,
        direction=direction if direction in Direction.values else None,
    )
    page = Paginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    corrected = selectors.corrected_among(list(page.object_list))
    within = [community] if community else scope_paths(request.user, Capability.VIEW_PASSAGES)
    rows = [
        {
            "p": p,
            "who": _who(p),
            "reasons": _reason_labels(p.reasons),
            "corrected": p.pk in corrected,
        }
        for p in attach_addresses(page.object_list, selectors.home_of, within=within)
    ]
    return render(
        request,
        "checkpoints/log.html",
        {
            "communities": communities,
            "community": community,
            "day": day,
            "show": show,
            "direction": direction,
            "page": page,
            "rows": rows,
        },
    )


def _who(p: Passage) -> str:
    # Names as typed may hold bidi controls that would turn the page around: shown neutral.
    if p.resident_id:
        return neutral(p.resident.name)
    if p.visitor_name:
        return neutral(p.visitor_name)
    return p.plate or "—"


def _home_address(request: HttpRequest, p: Passage) -> str:
    home = selectors.home_of(p)
    if home is None:
        return ""
    within = scope_paths(request.user, Capability.VIEW_PASSAGES)
    return address_labels([home], within=within)[home.pk]


@login_required
def passage(request: HttpRequest, passage_id: int) -> HttpResponse:
    """One passage as recorded, with the server's reasons and any corrections of it."""
    p = selectors.get_passage_for(request.user, passage_id)
    corrections = selectors.corrections_of(p)
    return render(
        request,
        "checkpoints/passage.html",
        {
            "p": p,
            "who": _who(p),
            "address": _home_address(request, p),
            "phone": pii.mask(p.visitor_phone),
            "reasons": _reason_labels(p.reasons, current_rules(p.community)[1]),
            "corrections": corrections,
        },
    )


def _hours_chart(hours: list[selectors.GateHour]) -> Chart | None:
    """In, out and refused per hour (and gate, when there are several), drawn by ECharts."""
    if not hours:
        return None
    several = len({h.gate_id for h in hours}) > 1
    labels = [f"{h.gate} {h.hour:%H:00}" if several else f"{h.hour:%H:00}" for h in hours]
    return Chart(
        "chart-gate-hours",
        _("Per gate per hour"),
        labels,
        [
            Series(pgettext_lazy("gate direction", "In"), [h.passages_in for h in hours], "green"),
            Series(pgettext_lazy("gate direction", "Out"), [h.passages_out for h in hours], "blue"),
            Series(pgettext_lazy("gate decision", "Refused"), [h.refused for h in hours], "red"),
        ],
    )


@login_required
def figures(request: HttpRequest) -> HttpResponse:
    """Per gate per hour in / out / refused; who went out on the day; who is not back."""
    communities, community = _chosen(request)
    if not communities:
        raise Http404
    day = _day(request)
    hours = outings = missing = []
    if community is not None:
        hours = selectors.gate_hours(community, day)
        outings = selectors.outings(community, day)
        missing = selectors.not_back(community, timezone.localdate())
    return render(
        request,
        "checkpoints/figures.html",
        {
            "communities": communities,
            "community": community,
            "day": day,
            "hours": hours,
            "chart": _hours_chart(hours),
            "outings": outings,
            "missing": missing,
            "totals": {
                "in": sum(h.passages_in for h in hours),
                "out": sum(h.passages_out for h in hours),
                "refused": sum(h.refused for h in hours),
            },
        },
    )
