"""Demo daily reports: two weeks of every community's reports compiled from what the other
demo modules recorded, the past days submitted on time (one community late once), a few
figures corrected with their reasons (one twice: the history shows both), and one late
community whose reports of yesterday and today are not in — the street's late list, the
city's roll-up and the 14-day charts have something to show."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from shequ.core import audit
from shequ.core.models import User
from shequ.places.models import Place, PlaceKind
from shequ.reports import selectors, services
from shequ.reports.models import DailyReport, ReportStatus

DAYS = 14
CORRECTIONS = (  # (days back, figure, change, reason)
    (1, "on_duty", +1, "一名志愿者未扫码，已核实到岗"),
    (2, "refusals", +1, "漏登一次劝返，已补录"),
    (3, "on_duty", +2, "两名下沉干部补录到岗"),
)
TEXTS = (
    ("防护物资偏紧", "需增派卡口人员2名", "楼栋长协助组织核酸采样"),
    ("夜间卡口人手不足", "", "志愿者分时段轮换，减少空岗"),
    ("", "需补充测温枪3把", ""),
)


def add_demo_reports(*, hq: User) -> dict[str, int]:
    """Compile the last DAYS days for every community (again on a rerun: idempotent); the
    first time, submit the past days and make the corrections. Returns what was added."""
    today = timezone.localdate()
    communities = list(Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("path"))
    ids = [c.pk for c in communities]
    before = DailyReport.objects.count()
    for back in range(DAYS - 1, -1, -1):
        services.compile_reports(community_ids=ids, day=today - dt.timedelta(days=back), actor=hq)
    if before or not communities:  # a rerun leaves the review as it was
        added = DailyReport.objects.count() - before
        return {"daily report": added} if added else {}
    late = communities[-1]  # its reports of yesterday and today are not in
    first = communities[0]
    corrected = 0
    for back, key, change, reason in CORRECTIONS:
        report = DailyReport.objects.get(community=first, day=today - dt.timedelta(days=back))
        value = report.figures.filter(key=key).values_list("value", flat=True).first() or 0
        services.correct_figure(
            actor=hq, report=report, key=key, value=max(value + change, 0), reason=reason
        )
        corrected += 1
    # the first correction corrected again: the history keeps both
    report = DailyReport.objects.get(community=first, day=today - dt.timedelta(days=1))
    value = report.figures.filter(key="on_duty").values_list("value", flat=True).first() or 0
    services.correct_figure(
        actor=hq, report=report, key="on_duty", value=value + 1,
        reason="复核后又补录一名网格员",
    )  # fmt: skip
    corrected += 1
    submitted = _submit_past(hq=hq, communities=communities, late=late, today=today)
    # a little free text on a few reports of the first community
    for back, (difficulties, needs, good) in enumerate(TEXTS, 1):
        DailyReport.objects.filter(community=first, day=today - dt.timedelta(days=back)).update(
            difficulties=difficulties, needs=needs, good_practice=good
        )
    return {
        "daily report": DailyReport.objects.count() - before,
        "submitted report": submitted,
        "correction": corrected,
    }


def _submit_past(*, hq: User, communities: list[Place], late: Place, today: dt.date) -> int:
    """Submit every community's reports before today in bulk (one update per day and one
    audit insert), an hour or so before the deadline; the late community's report of three
    days ago after the deadline and of yesterday not at all."""
    submitted = 0
    with transaction.atomic():
        for back in range(DAYS - 1, 0, -1):
            day = today - dt.timedelta(days=back)
            due = selectors.deadline(day)
            reports = DailyReport.objects.filter(day=day, status=ReportStatus.DRAFT)
            if back == 1:
                reports = reports.exclude(community=late)
            elif back == 3:
                DailyReport.objects.filter(day=day, community=late).update(
                    status=ReportStatus.SUBMITTED,
                    submitted_at=due + dt.timedelta(hours=1, minutes=20),
                    submitted_by=hq,
                )
                submitted += 1
                reports = reports.exclude(community=late)
            rows = list(reports)
            DailyReport.objects.filter(pk__in=[r.pk for r in rows]).update(
                status=ReportStatus.SUBMITTED,
                submitted_at=due - dt.timedelta(hours=1, minutes=back),
                submitted_by=hq,
            )
            audit.record_many(
                actor=hq,
                action="reports.submit",
                objs=list(rows),
                places=[Place(pk=r.community_id) for r in rows],
            )
            submitted += len(rows)
    return submitted
