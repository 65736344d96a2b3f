"""The set-hour compile in the worker, `shequ reports compile`, and the demo's reports."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone
from typer.testing import CliRunner

from shequ.cli import app
from shequ.core.workers import PERIODIC, Heartbeat
from shequ.reports import selectors
from shequ.reports.demo import add_demo_reports
from shequ.reports.models import DailyReport, FigureCorrection, ReportStatus
from shequ.reports.services import compile_if_due

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_the_worker_compiles_the_day_once_the_set_hour_has_come(city):
    assert compile_if_due in PERIODIC
    with override_settings(REPORT_HOUR=0):
        Heartbeat("test-worker").run_periodic()
    today = timezone.localdate()
    assert set(DailyReport.objects.filter(day=today).values_list("community__code", flat=True)) == {
        "A",
        "B",
    }


def test_the_cli_compiles_a_given_day(city):
    result = CliRunner().invoke(app, ["reports", "compile", "--day", "2026-04-01"])
    assert result.exit_code == 0, result.output
    assert "Compiled 2 daily reports of 2026-04-01." in result.output
    assert DailyReport.objects.filter(day="2026-04-01").count() == 2
    bad = CliRunner().invoke(app, ["reports", "compile", "--day", "April"])
    assert bad.exit_code == 2


def test_the_demo_has_two_weeks_corrections_and_a_late_community(city, personas):
    added = add_demo_reports(hq=personas.hq)
    assert added["daily report"] == 28  # 2 communities × 14 days
    assert added["correction"] == 4
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)
    # corrections with their reasons, one figure corrected twice (history kept)
    assert FigureCorrection.objects.exclude(reason="").count() == 4
    twice = FigureCorrection.objects.filter(
        figure__report__community=city.a, figure__report__day=yesterday, figure__key="on_duty"
    )
    assert twice.count() == 2
    # the late community: yesterday missing, three days ago late; the others on time
    up = selectors.rollup(city.c, yesterday)
    states = {s.community.pk: s.state for s in up.standings}
    assert states == {city.a.pk: "on_time", city.b.pk: "missing"}
    earlier = selectors.rollup(city.c, today - dt.timedelta(days=3))
    assert {s.community.pk: s.state for s in earlier.standings}[city.b.pk] == "late"
    assert DailyReport.objects.filter(day=today, status=ReportStatus.DRAFT).count() == 2
    assert len(selectors.trend(city.c, today)) == 14
    assert add_demo_reports(hq=personas.hq) == {}  # a rerun adds nothing


def test_a_failed_set_hour_compile_is_tried_again(city, monkeypatch):
    from shequ.reports import services
    from shequ.reports.models import CompileRun

    def broken(**kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(services, "compile_reports", broken)
    with override_settings(REPORT_HOUR=0), pytest.raises(RuntimeError):
        compile_if_due()
    assert not CompileRun.objects.exists()
    monkeypatch.undo()
    with override_settings(REPORT_HOUR=0):
        assert compile_if_due() == 2
