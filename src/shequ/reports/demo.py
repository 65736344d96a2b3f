"""Demo daily reports: every community's reports of the last three days compiled from what
the other demo modules recorded; the first street's reports of the two days before today
submitted (one late, one with a corrected figure), so the roll-ups, the late list and the
correction history have something to show."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from shequ.core.models import User
from shequ.places.models import Place, PlaceKind
from shequ.reports import services
from shequ.reports.models import DailyReport, ReportStatus

DAYS = 3


def add_demo_reports(*, hq: User) -> dict[str, int]:
    """Compile the last DAYS days for every community (again on a rerun: idempotent) and
    submit a few of the first street's. Returns what was added."""
    today = timezone.localdate()
    ids = list(Place.objects.filter(kind=PlaceKind.COMMUNITY).values_list("pk", flat=True))
    before = DailyReport.objects.count()
    for back in range(DAYS):
        services.compile_reports(community_ids=ids, day=today - dt.timedelta(days=back), actor=hq)
    street = Place.objects.filter(kind=PlaceKind.STREET).order_by("code").first()
    submitted = 0
    if street is not None and not before:  # a rerun leaves the review as it was
        drafts = DailyReport.objects.filter(
            community__path__startswith=street.path,
            day__lt=today,
            status=ReportStatus.DRAFT,
        ).select_related("community")
        for i, report in enumerate(drafts.order_by("day", "community__code")):
            if i % 3 == 2:
                continue  # left missing: the street's late list shows it
            if i == 0:
                services.correct_figure(
                    actor=hq, report=report, key="on_duty", value=_first(report) + 1,
                    reason="一名志愿者未扫码，已核实到岗",
                )  # fmt: skip
            services.submit_report(
                actor=hq,
                report=report,
                difficulties="防护物资偏紧" if i % 2 == 0 else "",
                needs="需增派卡口人员2名" if i % 2 == 0 else "",
                good_practice="楼栋长协助组织核酸采样" if i == 1 else "",
            )
            submitted += 1
    added = {"daily report": DailyReport.objects.count() - before, "submitted report": submitted}
    return {kind: n for kind, n in added.items() if n}


def _first(report: DailyReport) -> int:
    figure = report.figures.filter(key="on_duty").first()
    return figure.value if figure else 0
