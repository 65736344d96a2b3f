"""The picture of an officer's scope today (the home page of the city HQ, district and street
officers): reported in vs needed, testing coverage by street, positives and recalls, gate
alerts, the help backlog, isolation counts, late and missing daily reports; each figure with
a link to its list, and the last 14 days as charts.

Today's figures are read live through the figures registry (reports/figures.py: one bulk
selector per app, whatever the number of communities); the 13 days before come from the
compiled daily reports (their corrected values: what the communities stand by), so a trend
costs one query. Help requests and testing coverage come from their apps' own selectors.
Nothing here reads another app's tables. The page costs a fixed number of queries whatever
the scope's size (tests/web/test_home_today.py counts them). The round's coverage and the
residents sampled today come from the counts the testing app keeps as swabs arrive
(testing/counts.py: a row per building or community, not a pass over every resident), so an
uncached view stays under a second at a million residents (bench/README.md); today's live
figures and the coverage are still kept SHEQU_TODAY_CACHE_SECONDS (60) per scope, in the
cache every server shares (core/kept.py); the worker refreshes the city-wide ones before they
age out (reports/warm.py, `warm_city_homes`), so no HQ view counts the whole city itself.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.assistance import figures as help_figures
from shequ.core.charts import Chart, Series
from shequ.core.kept import digest, kept
from shequ.core.replica import replica_reads
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.places.addresses import address_labels
from shequ.places.models import Place, PlaceKind
from shequ.reports.figures import figure_by_key, read_all
from shequ.reports.models import DailyReport, ReportFigure, ReportStatus
from shequ.reports.selectors import deadline, rollup_roots
from shequ.residents.models import HealthStatus
from shequ.residents.selectors import REPORTED_STATUSES
from shequ.testing import selectors as testing
from shequ.testing.models import RoundStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User
    from shequ.testing.models import Round

DAYS = 14
WATCHED = ("reported_in", "positives", "recalls_open", "gate_alerts")  # "communities to watch"
WATCH_ROWS = 5
# The list's heading where the gap is not the figure itself (reported in: the shortfall).
WATCH_LABELS = {"reported_in": _("Short of the people needed")}
ISOLATED = ("status_home_isolation", "status_central_isolation")
TREND_KEYS = (
    "reported_in",
    "needed",
    "positives",
    "recalls_open",
    "gate_alerts",
    *(f"status_{s}" for s in REPORTED_STATUSES),
)


@dataclass
class Tile:
    key: str
    label: Any
    value: int | str
    href: str
    tone: str = ""  # "red" / "orange": needs attention
    note: Any = ""


@dataclass
class WatchRow:
    label: str  # the community with its street (and more, the wider the scope)
    value: int
    gap: int
    href: str


@dataclass
class Watch:
    label: Any
    rows: list[WatchRow]


@dataclass
class PartRow:
    place: Place
    values: dict[str, int]
    coverage: float | None = None


@dataclass
class Today:
    day: dt.date
    root: Place
    part_label: Any  # "Street" or "Community"
    tiles: list[Tile]
    charts: list[Chart]
    parts: list[PartRow]
    watch: list[Watch]
    round: Round | None = None
    totals: dict[str, int] = field(default_factory=dict)


def _url(name: str, *args: Any, **query: Any) -> str:
    url = reverse(name, args=args)
    return f"{url}?{urlencode(query)}" if query else url


def _part_kind(root: Place) -> str:
    return (
        PlaceKind.STREET
        if root.kind in (PlaceKind.CITY, PlaceKind.DISTRICT)
        else (PlaceKind.COMMUNITY)
    )


def _trend(user: User | AnonymousUser, days: list[dt.date]) -> dict[dt.date, dict[str, int]]:
    """The compiled (corrected) figures of TREND_KEYS summed per day over the user's
    communities; a day with no report compiled is left out. One query."""
    scope = scope_for(user, Capability.VIEW_REPORTS)
    rows = (
        ReportFigure.objects.filter(
            scope.q("report__community"),
            report__community__kind=PlaceKind.COMMUNITY,
            report__day__in=days,
            key__in=TREND_KEYS,
        )
        .values("report__day", "key")
        .annotate(total=Sum("value"))
        .order_by()
        .values_list("report__day", "key", "total")
    )
    out: dict[dt.date, dict[str, int]] = defaultdict(dict)
    for day, key, total in rows:
        out[day][key] = int(total or 0)
    return out


def _standings(
    user: User | AnonymousUser, days: list[dt.date], n_communities: int
) -> dict[dt.date, dict[str, Any]]:
    """Per day: reports on time, late, missing (past the deadline, not submitted), pending;
    None for a day before any report was compiled in the scope (Shequ was not yet running:
    no bar rather than every community "missing"). One query."""
    scope = scope_for(user, Capability.VIEW_REPORTS)
    out = {day: {"on_time": 0, "late": 0, "missing": 0, "pending": 0} for day in days}
    rows = (
        DailyReport.objects.filter(
            scope.q("community"), community__kind=PlaceKind.COMMUNITY, day__in=days
        )
        .values_list("day", "status", "submitted_at")
        .order_by()
    )
    compiled: set[dt.date] = set()
    for day, status, submitted_at in rows.iterator():
        compiled.add(day)
        if status == ReportStatus.SUBMITTED:
            out[day]["late" if submitted_at > deadline(day) else "on_time"] += 1
    first = min(compiled, default=days[-1])
    now = timezone.now()
    for day, counts in out.items():
        if day < first:
            counts.update(dict.fromkeys(counts, None))
            continue
        unsubmitted = max(n_communities - counts["on_time"] - counts["late"], 0)
        counts["missing" if now > deadline(day) else "pending"] = unsubmitted
    return out


def _current_round(user: User | AnonymousUser) -> Round | None:
    return (
        testing.rounds_for(user)
        .filter(status=RoundStatus.RUNNING)
        .order_by("-starts_on", "-id")
        .first()
    )


@replica_reads()
def today_for(user: User | AnonymousUser, day: dt.date | None = None) -> Today | None:
    """The picture of the user's report scope today (or of `day`, read as if it were
    today); None when they have no report scope."""
    roots = list(rollup_roots(user))
    if not roots:
        return None
    root = roots[0]
    scope = scope_for(user, Capability.VIEW_REPORTS)
    day = day or timezone.localdate()
    days = [day - dt.timedelta(days=n) for n in range(DAYS - 1, -1, -1)]
    communities = list(
        Place.objects.filter(scope.q(), kind=PlaceKind.COMMUNITY)
        .only("pk", "path", "kind", "name", "parent_id")
        .order_by("path")
    )
    part_kind = _part_kind(root)
    parts = {
        p.path: PartRow(p, {})
        for p in Place.objects.filter(scope.q(), kind=part_kind).order_by("path")
    }
    # Today, live: every figure of every community, and its sums per part.
    ids = [c.pk for c in communities]
    scope_key = f"{day}:{digest(ids)}"  # what is kept for these communities on this day
    live = kept(f"sq-today:live:{scope_key}", lambda: read_all(ids, day))
    keys = list(figure_by_key())
    totals = dict.fromkeys(keys, 0)
    for row in parts.values():
        row.values = dict.fromkeys(keys, 0)
    for community in communities:
        values = live.get(community.pk, {})
        part = _part_of(community.path, parts)
        for key, value in values.items():
            totals[key] = totals.get(key, 0) + value
            if part is not None:
                part.values[key] = part.values.get(key, 0) + value
    # Testing coverage of the running round, per part.
    round_ = _current_round(user)
    coverage_total = None
    if round_ is not None:
        rows = kept(
            f"sq-today:coverage:{round_.pk}:{root.pk}:{part_kind}",
            lambda: testing.coverage(round_, root, part_kind),
        )
        for c in rows:
            if c.path in parts:
                parts[c.path].coverage = c.percent
        coverage_total = testing.totals(rows).percent if rows else None
    backlog = help_figures.backlog(user)
    helped = help_figures.by_day(user, days)
    # The compiled days change only when a community corrects one: kept with today's figures
    # (a city's 13 days are a quarter of a million figures to sum at ten million residents).
    trend = kept(f"sq-today:trend:{scope_key}", lambda: _trend(user, days[:-1]))
    trend[day] = {k: totals.get(k, 0) for k in TREND_KEYS}
    standings = kept(
        f"sq-today:standings:{scope_key}", lambda: _standings(user, days, len(communities))
    )
    yesterday = {k: v or 0 for k, v in standings[days[-2]].items()}
    watch = _watch(communities, live, scope.paths)
    return Today(
        day=day,
        root=root,
        part_label=_("Street") if part_kind == PlaceKind.STREET else _("Community"),
        tiles=_tiles(root, day, totals, backlog, yesterday, round_, coverage_total),
        charts=_charts(days, trend, helped, standings, round_, list(parts.values())),
        parts=list(parts.values()),
        watch=watch,
        round=round_,
        totals=totals,
    )


def _part_of(path: str, parts: dict[str, PartRow]) -> PartRow | None:
    ids = path.strip("/").split("/")
    for depth in range(len(ids), 0, -1):
        found = parts.get("/" + "/".join(ids[:depth]) + "/")
        if found is not None:
            return found
    return None


def _watch(
    communities: list[Place], live: dict[int, dict[str, int]], within: tuple[str, ...]
) -> list[Watch]:
    """Per watched figure, the communities furthest from where they should be today, each
    named with its street at HQ level. One query for all the names."""
    by_key = figure_by_key()
    picked: list[tuple[Any, list[tuple[Place, int, int]]]] = []
    for key in WATCHED:
        figure = by_key.get(key)
        if figure is None or figure.gap is None:
            continue
        gaps = [(c, live[c.pk].get(key, 0), figure.gap(live[c.pk])) for c in communities]
        worst = sorted((g for g in gaps if g[2] > 0), key=lambda g: (-g[2], g[0].path))
        picked.append((WATCH_LABELS.get(key, figure.label), worst[:WATCH_ROWS]))
    labels = address_labels([c for _label, rows in picked for c, _v, _g in rows], within=within)
    return [
        Watch(
            label,
            [
                WatchRow(labels.get(c.pk, c.name), value, gap, _url("places:detail", c.pk))
                for c, value, gap in rows
            ],
        )
        for label, rows in picked
        if rows
    ]


def _tiles(
    root: Place,
    day: dt.date,
    totals: dict[str, int],
    backlog: dict[str, int],
    yesterday: dict[str, int],
    round_: Round | None,
    coverage: float | None,
) -> list[Tile]:
    short = max(totals.get("needed", 0) - totals.get("reported_in", 0), 0)
    isolated = sum(totals.get(k, 0) for k in ISOLATED)
    recalls = _url("testing:recalls", round_.pk) if round_ else _url("testing:home")
    rollup_yesterday = _url("reports:rollup", root.pk, (day - dt.timedelta(days=1)).isoformat())
    return [
        Tile(
            "reported_in",
            _("Reported in"),
            totals.get("reported_in", 0),
            _url("mobilization:board"),
            "red" if short else "",
            _("of %(n)s needed") % {"n": totals.get("needed", 0)},
        ),
        Tile(
            "coverage",
            _("Tested this round"),
            "–" if coverage is None else f"{coverage:.0f}%",
            _url("testing:round", round_.pk) if round_ else _url("testing:home"),
            note=round_.name if round_ else _("No round running"),
        ),
        Tile(
            "positives",
            _("Positive tubes today"),
            totals.get("positives", 0),
            recalls,
            "red" if totals.get("positives") else "",
        ),
        Tile(
            "recalls_open",
            _("Recalls open"),
            totals.get("recalls_open", 0),
            recalls,
            "orange" if totals.get("recalls_open") else "",
        ),
        Tile(
            "gate_alerts",
            _("Gate alerts today"),
            totals.get("gate_alerts", 0),
            _url("checkpoints:log", show="alerts"),
            "red" if totals.get("gate_alerts") else "",
            _("%(n)s refused") % {"n": totals.get("refusals", 0)},
        ),
        Tile(
            "help_overdue",
            _("Help requests overdue"),
            backlog.get("overdue") or 0,
            _url("assistance:queue", status="overdue"),
            "red" if backlog.get("overdue") else "",
            _("%(n)s open, %(new)s not claimed")
            % {"n": backlog.get("open") or 0, "new": backlog.get("new") or 0},
        ),
        Tile(
            "isolated",
            _("In isolation"),
            isolated,
            _url("residents:list", status=HealthStatus.HOME_ISOLATION),
            note=_("%(n)s at home, %(c)s centralized")
            % {
                "n": totals.get("status_home_isolation", 0),
                "c": totals.get("status_central_isolation", 0),
            },
        ),
        Tile(
            "reports_missing",
            _("Daily reports missing yesterday"),
            yesterday["missing"],
            rollup_yesterday,
            "red" if yesterday["missing"] else "",
            _("%(n)s late") % {"n": yesterday["late"]},
        ),
    ]


def _charts(
    days: list[dt.date],
    trend: dict[dt.date, dict[str, int]],
    helped: dict[dt.date, dict[str, int]],
    standings: dict[dt.date, dict[str, Any]],
    round_: Round | None,
    parts: list[PartRow],
) -> list[Chart]:
    labels = [d.strftime("%m-%d") for d in days]

    def line(key: str) -> list[int | None]:
        return [trend[d].get(key, 0) if d in trend else None for d in days]

    by_key = figure_by_key()
    statuses = [f"status_{s}" for s in REPORTED_STATUSES]
    charts = [
        Chart(
            "chart-reported",
            _("Reported in and needed, last 14 days"),
            labels,
            [
                Series(_("Reported in"), line("reported_in"), "green"),
                Series(_("Needed"), line("needed"), "grey", faint=True),
            ],
            kind="line",
        ),
        Chart(
            "chart-alerts",
            _("Positives, recalls open and gate alerts, last 14 days"),
            labels,
            [
                Series(_("Positive tubes"), line("positives"), "red"),
                Series(_("Recalls open"), line("recalls_open"), "orange"),
                Series(_("Gate alerts"), line("gate_alerts"), "purple"),
            ],
            kind="line",
        ),
        Chart(
            "chart-status",
            _("Residents by health status, last 14 days"),
            labels,
            [
                Series(by_key[k].label if k in by_key else k, line(k))
                for k in statuses
                if any(trend.get(d, {}).get(k) for d in days)
            ]
            or [Series(_("In isolation"), line("status_home_isolation"))],
            stack=True,
        ),
        Chart(
            "chart-help",
            _("Help requests opened and delivered, last 14 days"),
            labels,
            [
                Series(_("Opened"), [helped[d]["opened"] for d in days], "blue"),
                Series(_("Delivered"), [helped[d]["delivered"] for d in days], "green"),
            ],
        ),
        Chart(
            "chart-reports",
            _("Daily reports, last 14 days"),
            labels,
            [
                Series(_("On time"), [standings[d]["on_time"] for d in days], "green"),
                Series(_("Late"), [standings[d]["late"] for d in days], "orange"),
                Series(_("Missing"), [standings[d]["missing"] for d in days], "red"),
                Series(_("Pending"), [standings[d]["pending"] for d in days], "grey"),
            ],
            stack=True,
        ),
    ]
    if round_ is not None and parts:
        charts.insert(
            1,
            Chart(
                "chart-coverage",
                _("Tested this round: %(round)s") % {"round": round_.name},
                [p.place.name for p in parts],
                [Series(_("Tested (%)"), [p.coverage for p in parts], "green")],
                kind="hbar",
                unit="%",
            ),
        )
    return charts
