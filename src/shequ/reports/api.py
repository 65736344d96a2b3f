"""/api/v1/reports: communities' daily reports (read, compile, correct, submit), roll-ups
with the worst communities and late reports, agencies' own reports. Out of scope is 404."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router

from shequ.core.errors import ValidationError
from shequ.core.roles import Capability
from shequ.core.schemas import errors
from shequ.core.times import Day
from shequ.places.models import Place
from shequ.reports import exports, selectors, services
from shequ.reports.models import AgencyDailyReport, DailyReport
from shequ.reports.schemas import (
    AgencyReportIn,
    AgencyReportOut,
    CorrectionIn,
    ReportListOut,
    ReportOut,
    RollupOut,
    TextIn,
)

router = Router(tags=["reports"])


def _report(community: Place, day: Any, report: DailyReport | None) -> dict[str, Any]:
    rows = selectors.figure_rows(report) if report else []
    return {
        "community_id": community.pk,
        "community": community.name,
        "day": day,
        "compiled": report is not None,
        "status": report.status if report else "",
        "compiled_at": report.compiled_at if report else None,
        "submitted_at": report.submitted_at if report else None,
        "due_at": selectors.deadline(day),
        **selectors.text_of(report),
        "figures": [
            {
                "key": r.figure.key,
                "label": str(r.figure.label),
                "value": r.value,
                "compiled_value": r.compiled_value,
                "corrected": r.corrected,
                "corrections": [
                    {
                        "old_value": c.old_value,
                        "new_value": c.new_value,
                        "reason": c.reason,
                        "by": c.by.username,
                        "at": c.at,
                    }
                    for c in r.corrections
                ],
            }
            for r in rows
        ],
        "on_duty_by": [
            {
                "by": b.by,
                "name": b.name,
                "people": b.people,
                "person_times": b.person_times,
                "minutes": b.minutes,
            }
            for b in selectors.duty_breakdown(community, day)
        ],
    }


@router.get("/communities", response=list[ReportListOut])
def list_reports(request: HttpRequest, day: Day | None = None) -> list[dict[str, Any]]:
    """Every community you see reports of, with its report's status for `day` (today)."""
    listed = selectors.reports_listed(request.user, day or timezone.localdate())
    return [
        {"community_id": c.pk, "community": c.name, "status": r.status if r else ""}
        for c, r in listed
    ]


@router.get("/communities/{community_id}/{day}", response={200: ReportOut, **errors(404)})
def get_report(request: HttpRequest, community_id: int, day: Day) -> dict[str, Any]:
    """A community's report of a day, with each figure's compiled value and corrections."""
    community = selectors.get_report_community_for(request.user, community_id)
    return _report(community, day, selectors.report_of(community, day))


@router.post(
    "/communities/{community_id}/{day}/compile", response={200: ReportOut, **errors(403, 404)}
)
def compile_report(request: HttpRequest, community_id: int, day: Day) -> dict[str, Any]:
    """Compile (again) from the records; corrections and a submitted report's values stay."""
    community = selectors.get_report_community_for(
        request.user, community_id, Capability.SUBMIT_REPORTS
    )
    report = services.compile_report(actor=request.user, community=community, day=day)
    return _report(community, day, report)


def _existing(request: HttpRequest, community_id: int, day: Any) -> tuple[Place, DailyReport]:
    community = selectors.get_report_community_for(
        request.user, community_id, Capability.SUBMIT_REPORTS
    )
    report = selectors.report_of(community, day)
    if report is None:
        raise ValidationError({"day": _("Compile the report first.")})
    return community, report


@router.post(
    "/communities/{community_id}/{day}/corrections",
    response={200: ReportOut, **errors(403, 404)},
)
def correct(
    request: HttpRequest, community_id: int, day: Day, payload: CorrectionIn
) -> dict[str, Any]:
    """Correct one figure, with the reason (the history is kept)."""
    community, report = _existing(request, community_id, day)
    services.correct_figure(actor=request.user, report=report, **payload.dict())
    return _report(community, day, selectors.report_of(community, day))


@router.post(
    "/communities/{community_id}/{day}/submit", response={200: ReportOut, **errors(403, 404)}
)
def submit(request: HttpRequest, community_id: int, day: Day, payload: TextIn) -> dict[str, Any]:
    """Submit the report with its free text; after this it does not change."""
    community, report = _existing(request, community_id, day)
    services.submit_report(actor=request.user, report=report, **payload.dict())
    return _report(community, day, selectors.report_of(community, day))


def _file(download: HttpResponse | None) -> HttpResponse:
    if download is None:
        raise ValidationError({"format": _("Choose xlsx or pdf.")})
    return download


@router.get("/communities/{community_id}/{day}/export", response={200: None, **errors(404)})
def export_report(
    request: HttpRequest, community_id: int, day: Day, format: str = "xlsx"
) -> HttpResponse:
    """The report as a file: `format=xlsx` (Excel) or `format=pdf` (A4)."""
    community = selectors.get_report_community_for(request.user, community_id)
    return _file(exports.report_file(community, day, format))


@router.get("/places/{place_id}/{day}/export", response={200: None, **errors(404)})
def export_rollup(
    request: HttpRequest, place_id: int, day: Day, format: str = "xlsx"
) -> HttpResponse:
    """The roll-up as a file: `format=xlsx` (Excel) or `format=pdf` (A4)."""
    place = selectors.get_rollup_place_for(request.user, place_id)
    return _file(exports.rollup_file(place, day, format))


@router.get("/places/{place_id}/{day}", response={200: RollupOut, **errors(404)})
def rollup(request: HttpRequest, place_id: int, day: Day) -> dict[str, Any]:
    """A street's, district's or city's figures summed (each the sum of its parts), the five
    communities with the largest gap per figure, and each community's report standing."""
    place = selectors.get_rollup_place_for(request.user, place_id)
    up = selectors.rollup(place, day)
    return {
        "place_id": place.pk,
        "place": place.name,
        "day": day,
        "totals": up.totals,
        "parts": [{"place_id": p.pk, "place": p.name, "figures": v} for p, v in up.parts],
        "worst": {
            key: [
                {
                    "community_id": w.community.pk,
                    "community": w.community.name,
                    "gap": w.gap,
                    "value": w.value,
                }
                for w in items
            ]
            for key, items in up.worst.items()
        },
        "standings": [
            {"community_id": s.community.pk, "community": s.community.name, "state": s.state}
            for s in up.standings
        ],
    }


def _agency(report: AgencyDailyReport) -> dict[str, Any]:
    return {
        "agency_code": report.agency.code,
        "agency": report.agency.name,
        "day": report.day,
        "deployed": report.deployed,
        "hours": report.hours,
        "unwell": report.unwell,
        "where": report.where,
        "notes": report.notes,
        "filed_at": report.filed_at,
    }


@router.get("/agencies", response=list[AgencyReportOut])
def list_agency_reports(request: HttpRequest, day: Day | None = None) -> list[dict[str, Any]]:
    """Agencies' own reports of `day` (today) that you may read: your agency's, or every
    agency's for the city HQ."""
    return [
        _agency(r) for r in selectors.agency_reports_for(request.user, day or timezone.localdate())
    ]


@router.post("/agencies/{day}", response={200: AgencyReportOut, **errors(403, 404)})
def file_agency_report(request: HttpRequest, day: Day, payload: AgencyReportIn) -> dict[str, Any]:
    """File (or file again) your agency's own report of a day."""
    data = payload.dict()
    agency = selectors.get_filing_agency_for(request.user, data.pop("agency_code"))
    return _agency(services.file_agency_report(actor=request.user, agency=agency, day=day, **data))
