"""Writes of daily reports: compile (idempotent: corrections and submitted values stay,
compiled values follow the sources), correct a figure with a reason, save the free text,
submit; an agency files its own report. One transaction each, audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.access import require
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.roles import Capability, refusal
from shequ.core.scopes import agency_scope_for
from shequ.places.models import Place
from shequ.reports import selectors
from shequ.reports.figures import figure_by_key, read_all
from shequ.reports.models import (
    AgencyDailyReport,
    CompileRun,
    DailyReport,
    FigureCorrection,
    ReportFigure,
    ReportStatus,
)

if TYPE_CHECKING:
    from shequ.core.models import User
    from shequ.mobilization.models import Agency

TEXT_FIELDS = ("difficulties", "needs", "good_practice")
TEXT_MAX = 2000
MAX_FIGURE = 10_000_000


def compile_reports(
    *, community_ids: Collection[int], day: dt.date, actor: User | None = None
) -> int:
    """Compile `day`'s report of each community: create the missing ones, set every figure's
    compiled value from its source; a figure's value follows unless it was corrected or the
    report was submitted. A bounded number of queries for any number of communities.
    Returns how many reports were compiled."""
    ids = sorted(set(community_ids))
    if not ids:
        return 0
    values = read_all(ids, day)
    now = timezone.now()
    with transaction.atomic():
        DailyReport.objects.bulk_create(
            [DailyReport(community_id=pk, day=day, compiled_at=now) for pk in ids],
            ignore_conflicts=True,
        )
        reports = list(DailyReport.objects.filter(community_id__in=ids, day=day))
        DailyReport.objects.filter(pk__in=[r.pk for r in reports]).update(compiled_at=now)
        stored = {(f.report_id, f.key): f for f in ReportFigure.objects.filter(report__in=reports)}
        new, changed = [], []
        for report in reports:
            frozen = report.status == ReportStatus.SUBMITTED
            for key, value in values[report.community_id].items():
                figure = stored.get((report.pk, key))
                if figure is None:
                    new.append(
                        ReportFigure(report=report, key=key, value=value, compiled_value=value)
                    )
                    continue
                follows = not figure.corrected and not frozen
                if figure.compiled_value != value or (follows and figure.value != value):
                    figure.compiled_value = value
                    if follows:
                        figure.value = value
                    changed.append(figure)
        ReportFigure.objects.bulk_create(new)
        ReportFigure.objects.bulk_update(changed, ["value", "compiled_value"], batch_size=500)
        audit.record_many(
            actor=actor,
            action="reports.compile",
            objs=list(reports),
            places=[Place(pk=r.community_id) for r in reports],
        )
    return len(reports)


def compile_report(*, actor: User, community: Place, day: dt.date) -> DailyReport:
    """Compile one community's report on demand (those who submit it may)."""
    require(actor, Capability.SUBMIT_REPORTS, community)
    compile_reports(community_ids=[community.pk], day=day, actor=actor)
    report = selectors.report_of(community, day)
    assert report is not None
    return report


def _editable(actor: User, report: DailyReport) -> None:
    require(actor, Capability.SUBMIT_REPORTS, report.community)
    if report.status == ReportStatus.SUBMITTED:
        raise ValidationError({"status": _("This report was submitted; it cannot change.")})


def correct_figure(
    *, actor: User, report: DailyReport, key: str, value: int | None, reason: str
) -> ReportFigure:
    """Set a figure by hand, with the reason; the old and new values are kept."""
    _editable(actor, report)
    errors: dict[str, str] = {}
    reason = (reason or "").strip()
    if key not in figure_by_key():
        errors["key"] = _("Choose one of the report's figures.")
    if value is None or not 0 <= value <= MAX_FIGURE:
        errors["value"] = _("Give a whole number from 0 to %(max)d.") % {"max": MAX_FIGURE}
    if not reason:
        errors["reason"] = _("Say why the figure is corrected.")
    elif len(reason) > 200:
        errors["reason"] = _("Keep the reason under 200 characters.")
    if errors:
        raise ValidationError(errors)
    assert value is not None
    with transaction.atomic():
        figure = ReportFigure.objects.select_for_update().filter(report=report, key=key).first()
        if figure is None:
            raise ValidationError({"key": _("Compile the report first: it has no such figure.")})
        FigureCorrection.objects.create(
            figure=figure, old_value=figure.value, new_value=value, reason=reason, by=actor
        )
        old = figure.value
        figure.value, figure.corrected = value, True
        figure.save(update_fields=["value", "corrected"])
        audit.record(
            actor=actor,
            action="reports.correct",
            obj=report,
            place=report.community,
            changes={key: [old, value], "reason": reason},
        )
    return figure


def _text(values: dict[str, str]) -> dict[str, str]:
    errors = {
        name: _("Keep it under %(max)d characters.") % {"max": TEXT_MAX}
        for name in TEXT_FIELDS
        if len(values.get(name) or "") > TEXT_MAX
    }
    if errors:
        raise ValidationError(errors)
    return {name: (values.get(name) or "").strip() for name in TEXT_FIELDS}


def save_text(*, actor: User, report: DailyReport, **values: str) -> DailyReport:
    """Save the free text (difficulties, needs, good practice) of a draft."""
    _editable(actor, report)
    text = _text(values)
    with transaction.atomic():
        DailyReport.objects.filter(pk=report.pk).update(**text)
        audit.record(actor=actor, action="reports.text", obj=report, place=report.community)
    report.refresh_from_db()
    return report


def submit_report(*, actor: User, report: DailyReport, **values: str) -> DailyReport:
    """Submit a draft with its free text; after this its figures stay as they are."""
    _editable(actor, report)
    text = _text(values)
    now = timezone.now()
    with transaction.atomic():
        done = DailyReport.objects.filter(pk=report.pk, status=ReportStatus.DRAFT).update(
            status=ReportStatus.SUBMITTED, submitted_at=now, submitted_by=actor, **text
        )
        if not done:
            raise ValidationError({"status": _("This report was submitted; it cannot change.")})
        audit.record(actor=actor, action="reports.submit", obj=report, place=report.community)
    report.refresh_from_db()
    return report


def file_agency_report(
    *,
    actor: User,
    agency: Agency,
    day: dt.date,
    deployed: int | None,
    hours: int | None,
    unwell: int | None,
    where: str = "",
    notes: str = "",
) -> AgencyDailyReport:
    """File (or file again) an agency's own report of `day`."""
    if not agency_scope_for(actor, Capability.FILE_AGENCY_REPORTS).covers(agency):
        raise PermissionDenied(refusal(Capability.FILE_AGENCY_REPORTS))
    errors: dict[str, str] = {}
    for name, value in (("deployed", deployed), ("hours", hours), ("unwell", unwell)):
        if value is None or not 0 <= value <= MAX_FIGURE:
            errors[name] = _("Give a whole number from 0 to %(max)d.") % {"max": MAX_FIGURE}
    if deployed is not None and unwell is not None and not errors and unwell > deployed:
        errors["unwell"] = _("No more people can be unwell than are deployed.")
    for name, text in (("where", where), ("notes", notes)):
        if len(text or "") > TEXT_MAX:
            errors[name] = _("Keep it under %(max)d characters.") % {"max": TEXT_MAX}
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        report, _created = AgencyDailyReport.objects.update_or_create(
            agency=agency,
            day=day,
            defaults={
                "deployed": deployed,
                "hours": hours,
                "unwell": unwell,
                "where": (where or "").strip(),
                "notes": (notes or "").strip(),
                "filed_by": actor,
                "filed_at": timezone.now(),
            },
        )
        audit.record(actor=actor, action="reports.agency_file", obj=report)
    return report


def compile_if_due(*, now: dt.datetime | None = None) -> int:
    """The set-hour run (called by `shequ worker`): compile today's reports of every
    community once SHEQU_REPORT_HOUR has come, once a day. Returns how many were compiled."""
    now = now or timezone.now()
    day = timezone.localtime(now).date()
    if not selectors.due_for_compile(day, now):
        return 0
    with transaction.atomic():
        run, created = CompileRun.objects.get_or_create(day=day, defaults={"ran_at": now})
        if not created:  # another worker took it
            return 0
    try:
        count = compile_reports(community_ids=selectors.all_community_ids(), day=day)
    except Exception:
        CompileRun.objects.filter(pk=run.pk).delete()  # the next beat tries again
        raise
    CompileRun.objects.filter(pk=run.pk).update(reports=count)
    return count
