"""Reads of daily reports, always narrowed to what the user may see: a community's report
with its figures and corrections, roll-ups over a street, district or city with the worst
communities per figure, late and missing reports, agencies' own reports."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Prefetch, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from shequ.core.access import get_for, require
from shequ.core.replica import replica_reads
from shequ.core.roles import Capability
from shequ.core.scopes import agency_scope_for, scope_for
from shequ.duty.reports import DutyBreakdown, daily_breakdown
from shequ.mobilization.models import Agency
from shequ.places.models import Place, PlaceKind
from shequ.reports.figures import Figure, all_figures
from shequ.reports.models import (
    AgencyDailyReport,
    CompileRun,
    DailyReport,
    FigureCorrection,
    ReportFigure,
    ReportStatus,
    ReportSubscription,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User

WORST = 5  # communities listed per figure in a roll-up
ROLLUP_KINDS = (PlaceKind.CITY, PlaceKind.DISTRICT, PlaceKind.STREET, PlaceKind.COMMUNITY)


def deadline(day: dt.date) -> dt.datetime:
    """When a report of `day` is due: SHEQU_REPORT_DEADLINE_HOUR of that day, city time."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start + dt.timedelta(hours=settings.REPORT_DEADLINE_HOUR)


def report_communities(user: User | AnonymousUser) -> QuerySet[Place]:
    """The communities whose reports the user may see, in tree order."""
    scope = scope_for(user, Capability.VIEW_REPORTS)
    return Place.objects.filter(scope.q(), kind=PlaceKind.COMMUNITY).order_by("path")


def get_report_community_for(
    user: User | AnonymousUser, pk: object, capability: str = Capability.VIEW_REPORTS
) -> Place:
    """A community whose reports the user sees (404 otherwise), where they have `capability`
    (403 otherwise)."""
    community = get_for(report_communities(user), pk, what="community")
    if capability != Capability.VIEW_REPORTS:
        require(user, capability, community)
    return community


def may_see_reports(user: User | AnonymousUser) -> bool:
    """Whether the reports pages have anything for the user: reports of places, or agencies'
    own reports to file or read."""
    return (
        not scope_for(user, Capability.VIEW_REPORTS).is_empty
        or not agency_scope_for(user, Capability.FILE_AGENCY_REPORTS).is_empty
        or not agency_scope_for(user, Capability.VIEW_AGENCY_REPORTS).is_empty
    )


def may_submit(user: User | AnonymousUser, community: Place) -> bool:
    return scope_for(user, Capability.SUBMIT_REPORTS).covers(community)


def rollup_roots(user: User | AnonymousUser) -> QuerySet[Place]:
    """The places the user's report scope starts at (their roll-ups)."""
    scope = scope_for(user, Capability.VIEW_REPORTS)
    return Place.objects.filter(path__in=scope.paths, kind__in=ROLLUP_KINDS).order_by("path")


def text_of(report: DailyReport | None) -> dict[str, str]:
    if report is None:
        return {}
    return {
        "difficulties": report.difficulties,
        "needs": report.needs,
        "good_practice": report.good_practice,
    }


def duty_breakdown(community: Place, day: dt.date) -> list[DutyBreakdown]:
    """The people, person-times and hours of the day by agency and by team (duty's own
    selector: live, not part of the stored figures)."""
    return daily_breakdown([community.pk], day)


def report_of(community: Place, day: dt.date) -> DailyReport | None:
    """The community's report of `day` with its figures and their corrections, if compiled."""
    corrections = FigureCorrection.objects.select_related("by")
    figures = ReportFigure.objects.prefetch_related(Prefetch("corrections", queryset=corrections))
    return (
        DailyReport.objects.filter(community=community, day=day)
        .select_related("submitted_by")
        .prefetch_related(Prefetch("figures", queryset=figures))
        .first()
    )


@dataclass(frozen=True)
class FigureRow:
    figure: Figure
    value: int
    compiled_value: int
    corrected: bool
    corrections: list[FigureCorrection]

    @property
    def shown(self) -> str:
        return _shown(self.figure, self.value)


def _shown(figure: Figure, value: int) -> str:
    return f"{value / 60:.1f}" if figure.unit == "minutes" else str(value)


def figure_rows(report: DailyReport) -> list[FigureRow]:
    """The report's figures in registry order (a figure added since it was compiled is left
    out until the next compile)."""
    stored = {f.key: f for f in report.figures.all()}
    return [
        FigureRow(
            figure=fig,
            value=stored[fig.key].value,
            compiled_value=stored[fig.key].compiled_value,
            corrected=stored[fig.key].corrected,
            corrections=list(stored[fig.key].corrections.all()),
        )
        for fig in all_figures()
        if fig.key in stored
    ]


def with_reports(communities: list[Place], day: dt.date) -> list[tuple[Place, DailyReport | None]]:
    """Each of these communities with its report of `day` (None: not compiled). One query."""
    reports = {
        r.community_id: r for r in DailyReport.objects.filter(community__in=communities, day=day)
    }
    return [(c, reports.get(c.pk)) for c in communities]


def reports_listed(
    user: User | AnonymousUser, day: dt.date
) -> list[tuple[Place, DailyReport | None]]:
    """Every community the user sees reports of, with its report of `day`. Two queries."""
    return with_reports(list(report_communities(user)), day)


# --- roll-ups -------------------------------------------------------------------------------


def get_rollup_place_for(user: User | AnonymousUser, pk: object) -> Place:
    """A city, district, street or community in the user's report scope; 404 otherwise."""
    scope = scope_for(user, Capability.VIEW_REPORTS)
    return get_for(Place.objects.filter(scope.q(), kind__in=ROLLUP_KINDS), pk, what="place")


@dataclass(frozen=True)
class Worst:
    community: Place
    gap: int
    value: int


@dataclass(frozen=True)
class Standing:
    """Where one community's report of the day stands against the deadline."""

    community: Place
    report: DailyReport | None
    day: dt.date

    @property
    def state(self) -> str:
        """on_time / late / missing (past the deadline, not submitted) / pending."""
        report = self.report
        due = deadline(self.day)
        if report is not None and report.status == ReportStatus.SUBMITTED:
            assert report.submitted_at is not None
            return "late" if report.submitted_at > due else "on_time"
        return "missing" if timezone.now() > due else "pending"


@dataclass
class Rollup:
    place: Place
    day: dt.date
    figures: list[Figure]
    totals: dict[str, int]
    parts: list[tuple[Place, dict[str, int]]]  # the level below (or the communities)
    worst: dict[str, list[Worst]]
    standings: list[Standing] = field(default_factory=list)

    @property
    def table(self) -> list[tuple[Figure, str, list[str]]]:
        """Per figure: its total and each part's sum, as shown."""
        return [
            (
                f,
                _shown(f, self.totals.get(f.key, 0)),
                [_shown(f, values.get(f.key, 0)) for _part, values in self.parts],
            )
            for f in self.figures
        ]

    @property
    def worst_table(self) -> list[tuple[Figure, list[Worst]]]:
        return [(f, self.worst[f.key]) for f in self.figures if self.worst.get(f.key)]

    @property
    def late(self) -> list[Standing]:
        return [s for s in self.standings if s.state == "late"]

    @property
    def missing(self) -> list[Standing]:
        return [s for s in self.standings if s.state == "missing"]


@replica_reads()
def rollup(place: Place, day: dt.date) -> Rollup:
    """The reports of `day` of every community under `place` summed (each figure is the sum
    of its parts, the level below), the WORST communities by gap per figure, and each
    community's standing against the deadline. Four queries, whatever the size."""
    communities = list(
        Place.objects.filter(path__startswith=place.path, kind=PlaceKind.COMMUNITY).order_by("path")
    )
    under = {"community__path__startswith": place.path, "community__kind": PlaceKind.COMMUNITY}
    reports = {r.community_id: r for r in DailyReport.objects.filter(day=day, **under)}
    figures = all_figures()
    values: dict[int, dict[str, int]] = defaultdict(dict)
    for community_id, key, value in ReportFigure.objects.filter(
        report__day=day, **{f"report__{k}": v for k, v in under.items()}
    ).values_list("report__community_id", "key", "value"):
        values[community_id][key] = value
    totals = {f.key: sum(v.get(f.key, 0) for v in values.values()) for f in figures}
    # The level right below the place: its children's sums (a community: itself).
    below = place.depth + 1
    children: dict[str, Place] = {}
    if place.kind != PlaceKind.COMMUNITY:
        children = {
            p.path: p
            for p in Place.objects.filter(parent=place, kind__in=ROLLUP_KINDS).order_by("path")
        }
    sums: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(totals, 0))
    for community in communities:
        prefix = "/".join(community.path.split("/")[: below + 2]) + "/"
        for key, value in values.get(community.pk, {}).items():
            if key in totals:
                sums[prefix][key] += value
    parts = (
        [(child, sums[path]) for path, child in children.items()]
        if children
        else [(place, dict(totals))]
    )
    worst: dict[str, list[Worst]] = {}
    for figure in figures:
        if figure.gap is None:
            continue
        gaps = [
            Worst(c, figure.gap(values[c.pk]), values[c.pk].get(figure.key, 0))
            for c in communities
            if c.pk in values
        ]
        worst[figure.key] = sorted(
            (w for w in gaps if w.gap > 0), key=lambda w: (-w.gap, w.community.path)
        )[:WORST]
    standings = [Standing(c, reports.get(c.pk), day) for c in communities]
    return Rollup(place, day, figures, totals, parts, worst, standings)


# --- agencies -------------------------------------------------------------------------------


def agencies_filing(user: User | AnonymousUser) -> QuerySet[Agency]:
    """The agencies whose own daily report the user files."""
    scope = agency_scope_for(user, Capability.FILE_AGENCY_REPORTS)
    return Agency.objects.filter(scope.q("pk")).order_by("name")


def files_agency_reports(user: User | AnonymousUser) -> bool:
    return not agency_scope_for(user, Capability.FILE_AGENCY_REPORTS).is_empty


def agency_reports_for(user: User | AnonymousUser, day: dt.date) -> QuerySet[AgencyDailyReport]:
    """Agencies' own reports of `day` that the user may read."""
    scope = agency_scope_for(user, Capability.VIEW_AGENCY_REPORTS)
    return (
        AgencyDailyReport.objects.filter(scope.q("agency"), day=day)
        .select_related("agency", "filed_by")
        .order_by("agency__name")
    )


def filed_by_agencies(agencies: list[Agency], day: dt.date) -> list[AgencyDailyReport]:
    """The reports of `day` these agencies filed."""
    return list(
        AgencyDailyReport.objects.filter(agency__in=agencies, day=day)
        .select_related("agency", "filed_by")
        .order_by("agency__name")
    )


def get_filing_agency_for(user: User | AnonymousUser, code: str) -> Agency:
    """An agency the user files reports for, by its code; 404 otherwise."""
    found = agencies_filing(user).filter(code=code).first()
    if found is None:
        raise Http404("No such agency")
    return found


def due_for_compile(day: dt.date, at: dt.datetime) -> bool:
    """Whether SHEQU_REPORT_HOUR of `day` has come and that day's set-hour compile has not
    run yet (a compile on demand does not count)."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    if at < start + dt.timedelta(hours=settings.REPORT_HOUR):
        return False
    return not CompileRun.objects.filter(day=day).exists()


def all_community_ids() -> list[int]:
    """Every community of every city (the set-hour compile covers them all)."""
    return list(Place.objects.filter(kind=PlaceKind.COMMUNITY).values_list("pk", flat=True))


TREND_DAYS = 14
TREND_KEYS = ("on_duty", "passages")  # the figures the PDF's chart draws


@replica_reads()
def trend(
    place: Place, day: dt.date, keys: tuple[str, ...] = TREND_KEYS, days: int = TREND_DAYS
) -> list[tuple[dt.date, dict[str, int]]]:
    """The `days` days up to `day`, each with `keys` summed over the compiled reports of the
    communities under `place` (a day without reports: 0). One query."""
    first = day - dt.timedelta(days=days - 1)
    sums: dict[dt.date, dict[str, int]] = {
        first + dt.timedelta(days=n): dict.fromkeys(keys, 0) for n in range(days)
    }
    rows = (
        ReportFigure.objects.filter(
            report__community__path__startswith=place.path,
            report__community__kind=PlaceKind.COMMUNITY,
            report__day__range=(first, day),
            key__in=keys,
        )
        .values_list("report__day", "key")
        .annotate(total=Sum("value"))
        .order_by()
    )
    for the_day, key, total in rows:
        sums[the_day][key] = total or 0
    return sorted(sums.items())


def rollup_roots_cover(user: User | AnonymousUser, place: Place) -> bool:
    """Whether the user may read the report or roll-up of `place` (a subscription's check)."""
    return scope_for(user, Capability.VIEW_REPORTS).covers(place)


def subscriptions_of(user: User | AnonymousUser) -> QuerySet[ReportSubscription]:
    """The user's own subscriptions, with their places."""
    if not getattr(user, "is_authenticated", False):
        return ReportSubscription.objects.none()
    return ReportSubscription.objects.filter(user=user).select_related("place").order_by("pk")


def get_subscription_for(user: User | AnonymousUser, pk: object) -> ReportSubscription:
    """One of the user's own subscriptions; 404 otherwise."""
    return get_for(subscriptions_of(user), pk, what="subscription")


def subscription_to(user: User | AnonymousUser, place: Place) -> ReportSubscription | None:
    return subscriptions_of(user).filter(place=place).first()
