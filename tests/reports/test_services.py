"""Correcting, recompiling and submitting a report; roll-ups; late and missing reports;
agencies' own reports; what each role sees."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from shequ.core.errors import PermissionDenied, ValidationError
from shequ.mobilization.models import Agency
from shequ.reports import selectors, services
from shequ.reports.models import FigureCorrection, ReportStatus
from tests.conftest import make_place

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _values(community, day) -> dict[str, int]:
    report = selectors.report_of(community, day)
    return {row.figure.key: row.value for row in selectors.figure_rows(report)}


@pytest.fixture
def report(seeded, city, personas):
    return services.compile_report(actor=personas.staff_a, community=city.a, day=seeded.day)


def test_a_correction_keeps_its_history_and_survives_recompiling(report, personas, city, seeded):
    services.correct_figure(
        actor=personas.staff_a, report=report, key="on_duty", value=5, reason="两人未扫码"
    )
    services.correct_figure(
        actor=personas.staff_a, report=report, key="on_duty", value=4, reason="复核后"
    )
    history = list(
        FigureCorrection.objects.filter(figure__report=report).values_list(
            "old_value", "new_value", "reason", "by__username"
        )
    )
    assert history == [(3, 5, "两人未扫码", "staff_a"), (5, 4, "复核后", "staff_a")]
    # Another presence arrives; the recompile updates the compiled value, keeps the correction.
    services.compile_reports(community_ids=[city.a.pk], day=seeded.day)
    row = next(
        r for r in selectors.figure_rows(selectors.report_of(city.a, seeded.day))
        if r.figure.key == "on_duty"
    )  # fmt: skip
    assert (row.value, row.compiled_value, row.corrected) == (4, 3, True)
    assert len(row.corrections) == 2


def test_recompiling_is_idempotent(report, city, seeded):
    before = _values(city.a, seeded.day)
    services.compile_reports(community_ids=[city.a.pk], day=seeded.day)
    services.compile_reports(community_ids=[city.a.pk], day=seeded.day)
    assert _values(city.a, seeded.day) == before
    assert report.figures.count() == len(before)


def test_a_correction_needs_a_reason_named_on_its_field(report, personas):
    with pytest.raises(ValidationError) as caught:
        services.correct_figure(
            actor=personas.staff_a, report=report, key="on_duty", value=5, reason="  "
        )
    assert "reason" in caught.value.errors
    with pytest.raises(ValidationError) as caught:
        services.correct_figure(
            actor=personas.staff_a, report=report, key="nope", value=-1, reason="x"
        )
    assert set(caught.value.errors) == {"key", "value"}
    assert not FigureCorrection.objects.exists()


def test_another_community_may_not_correct_or_submit(report, personas):
    with pytest.raises(PermissionDenied):
        services.correct_figure(
            actor=personas.staff_b, report=report, key="on_duty", value=5, reason="x"
        )
    with pytest.raises(PermissionDenied):
        services.submit_report(actor=personas.street, report=report)


def test_a_submitted_report_is_frozen(report, personas, city, seeded):
    submitted = services.submit_report(
        actor=personas.staff_a, report=report, difficulties="口罩不足", needs="", good_practice=""
    )
    assert submitted.status == ReportStatus.SUBMITTED
    assert submitted.difficulties == "口罩不足"
    with pytest.raises(ValidationError) as caught:
        services.correct_figure(
            actor=personas.staff_a, report=submitted, key="on_duty", value=9, reason="x"
        )
    assert "status" in caught.value.errors
    with pytest.raises(ValidationError):
        services.submit_report(actor=personas.staff_a, report=submitted)


def test_rollup_figures_are_the_sums_of_their_parts(seeded, city):
    x = make_place("community", "X", "丙社区", city.s3)
    ids = [city.a.pk, city.b.pk, x.pk]
    services.compile_reports(community_ids=ids, day=seeded.day)
    per = {
        pk: _values(c, seeded.day)
        for pk, c in ((city.a.pk, city.a), (city.b.pk, city.b), (x.pk, x))
    }
    city_up = selectors.rollup(city.c, seeded.day)
    d1 = selectors.rollup(city.d1, seeded.day)
    s1 = selectors.rollup(city.s1, seeded.day)
    for key in city_up.totals:
        assert city_up.totals[key] == sum(v[key] for v in per.values()), key
        assert city_up.totals[key] == sum(part[key] for _p, part in city_up.parts), key
        assert d1.totals[key] == sum(part[key] for _p, part in d1.parts), key
        assert s1.totals[key] == per[city.a.pk][key], key
    assert [p.name for p, _v in city_up.parts] == ["东区", "西区"]
    assert city_up.totals["duty_minutes"] == 1195 + 120


def test_rollup_lists_the_worst_communities_by_gap(seeded, city):
    services.compile_reports(community_ids=[city.a.pk, city.b.pk], day=seeded.day)
    up = selectors.rollup(city.c, seeded.day)
    # A: 10 needed, 8 reported in: short of 2; B needs nobody.
    assert [(w.community.name, w.gap) for w in up.worst["reported_in"]] == [("甲社区", 2)]
    assert [(w.community.name, w.gap) for w in up.worst["no_shows"]] == [("甲社区", 1)]
    assert "passages" not in up.worst
    assert "needed" not in up.worst


def test_late_and_missing_reports_are_listed_for_the_street(seeded, city, personas):
    b2 = make_place("community", "B2", "乙二社区", city.s2)
    services.compile_reports(community_ids=[city.b.pk, b2.pk], day=seeded.day)
    report = selectors.report_of(city.b, seeded.day)
    services.submit_report(actor=personas.staff_b, report=report)  # now: after Y's deadline
    up = selectors.rollup(city.s2, seeded.day)
    assert [s.community.name for s in up.late] == ["乙社区"]
    assert [s.community.name for s in up.missing] == ["乙二社区"]
    today = timezone.localdate()
    with override_settings(REPORT_DEADLINE_HOUR=24):
        later = selectors.rollup(city.s2, today + dt.timedelta(days=1))
    assert later.missing == []
    assert {s.state for s in later.standings} == {"pending"}


def test_a_street_sees_only_its_communities(seeded, city, personas):
    services.compile_reports(community_ids=[city.a.pk, city.b.pk], day=seeded.day)
    listed = [c.name for c, _r in selectors.reports_listed(personas.street, seeded.day)]
    assert listed == ["甲社区"]
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.get_report_community_for(personas.street, city.b.pk)
    with pytest.raises(Http404):
        selectors.get_rollup_place_for(personas.street, city.d1.pk)
    assert selectors.reports_listed(personas.coordinator, seeded.day) == []


def test_an_agency_coordinator_files_and_sees_only_their_agency(seeded, personas, city):
    own = Agency.objects.get(code="AG1")
    other = Agency.objects.create(code="AG9", name="他厅", level="province")
    services.file_agency_report(
        actor=personas.coordinator, agency=own, day=seeded.day, deployed=9, hours=80, unwell=1,
        where="甲社区", notes="",
    )  # fmt: skip
    services.file_agency_report(
        actor=personas.coordinator, agency=own, day=seeded.day,
        deployed=9, hours=81, unwell=1,
    )  # fmt: skip
    with pytest.raises(PermissionDenied):
        services.file_agency_report(
            actor=personas.coordinator, agency=other, day=seeded.day, deployed=1, hours=1,
            unwell=0,
        )  # fmt: skip
    seen = list(selectors.agency_reports_for(personas.coordinator, seeded.day))
    assert [(r.agency.code, r.hours) for r in seen] == [("AG1", 81)]
    assert next(iter(selectors.agency_reports_for(personas.hq, seeded.day))).agency == own
    assert list(selectors.agency_reports_for(personas.street, seeded.day)) == []


def test_an_agency_report_names_the_wrong_field(seeded, personas):
    own = Agency.objects.get(code="AG1")
    with pytest.raises(ValidationError) as caught:
        services.file_agency_report(
            actor=personas.coordinator, agency=own, day=seeded.day, deployed=2, hours=None,
            unwell=3,
        )  # fmt: skip
    assert set(caught.value.errors) == {"hours"}
    with pytest.raises(ValidationError) as caught:
        services.file_agency_report(
            actor=personas.coordinator, agency=own, day=seeded.day, deployed=2, hours=1,
            unwell=3,
        )  # fmt: skip
    assert set(caught.value.errors) == {"unwell"}


def test_the_set_hour_compile_runs_once_a_day(city, personas):
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    with override_settings(REPORT_HOUR=20):
        assert services.compile_if_due(now=start + dt.timedelta(hours=19)) == 0
        assert services.compile_if_due(now=start + dt.timedelta(hours=20, minutes=1)) == 2
        assert services.compile_if_due(now=start + dt.timedelta(hours=21)) == 0
    assert selectors.report_of(city.a, today) is not None
