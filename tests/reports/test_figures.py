"""Each compiled figure equals the source data of a seeded day (tests/reports/conftest.py),
and a roll-up of many communities costs a bounded number of queries."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shequ.places.models import Place
from shequ.reports import figures, selectors, services
from tests.conftest import make_place

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def compiled(seeded, city) -> dict[str, dict[str, int]]:
    services.compile_reports(community_ids=[city.a.pk, city.b.pk], day=seeded.day)
    return {
        name: {row.figure.key: row.value for row in selectors.figure_rows(report)}
        for name, report in (
            ("a", selectors.report_of(city.a, seeded.day)),
            ("b", selectors.report_of(city.b, seeded.day)),
        )
    }


def test_people_on_duty(compiled) -> None:
    assert (compiled["a"]["on_duty"], compiled["b"]["on_duty"]) == (3, 1)


def test_minutes_on_duty(compiled) -> None:
    assert (compiled["a"]["duty_minutes"], compiled["b"]["duty_minutes"]) == (1195, 120)


def test_person_times(compiled) -> None:
    assert (compiled["a"]["person_times"], compiled["b"]["person_times"]) == (4, 1)


def test_no_shows(compiled) -> None:
    assert (compiled["a"]["no_shows"], compiled["b"]["no_shows"]) == (1, 0)


def test_reported_in_and_needed(compiled) -> None:
    assert (compiled["a"]["reported_in"], compiled["a"]["needed"]) == (8, 10)
    assert (compiled["b"]["reported_in"], compiled["b"]["needed"]) == (1, 0)


def test_gate_passages_refusals_and_alerts(compiled) -> None:
    a = compiled["a"]
    assert (a["passages"], a["refusals"], a["gate_alerts"]) == (3, 1, 1)
    assert compiled["b"]["passages"] == 0


def test_testing_sampled_positives_and_recalls_open(compiled) -> None:
    a = compiled["a"]
    assert (a["sampled"], a["positives"], a["recalls_open"]) == (2, 1, 1)


def test_a_recall_retested_by_the_day_end_is_not_open(seeded, city) -> None:
    from shequ.testing.models import Sample

    first = Sample.objects.get(resident=seeded.residents[0])
    Sample.objects.create(
        client_uuid="00000000-0000-0000-0000-000000000001",
        round=first.round,
        tube=first.tube,
        resident=first.resident,
        retest=True,
        sampled_at=first.sampled_at,
        operator=first.operator,
    )
    services.compile_reports(community_ids=[city.a.pk], day=seeded.day)
    values = {
        r.figure.key: r.value
        for r in selectors.figure_rows(selectors.report_of(city.a, seeded.day))
    }
    assert values["recalls_open"] == 0


def test_residents_by_health_status(compiled) -> None:
    a, b = compiled["a"], compiled["b"]
    assert (a["status_home_isolation"], a["status_close_contact"]) == (2, 1)
    assert b["status_home_isolation"] == 1
    assert a["status_hospital"] == 0


def test_health_status_changes(compiled) -> None:
    assert (compiled["a"]["status_changes"], compiled["b"]["status_changes"]) == (3, 1)


def test_every_registered_figure_is_compiled(compiled) -> None:
    keys = [f.key for f in figures.all_figures()]
    assert list(compiled["a"]) == keys


def test_compiling_a_city_costs_the_same_queries_for_more_communities(seeded, city) -> None:
    def cost() -> int:
        ids = list(Place.objects.filter(kind="community").values_list("pk", flat=True))
        with CaptureQueriesContext(connection) as queries:
            figures.read_all(ids, seeded.day)
        return len(queries)

    before = cost()
    for i in range(6):
        make_place("community", f"X{i}", f"新{i}社区", city.s1)
    assert cost() == before


def test_a_rollup_costs_the_same_queries_for_more_communities(seeded, city) -> None:
    for i in range(3):
        make_place("community", f"Y{i}", f"新{i}社区", city.s1)
    ids = list(Place.objects.filter(kind="community").values_list("pk", flat=True))
    services.compile_reports(community_ids=ids, day=seeded.day)
    with CaptureQueriesContext(connection) as small:
        selectors.rollup(city.c, seeded.day)
    for i in range(6):
        make_place("community", f"Z{i}", f"更{i}社区", city.s2)
    ids = list(Place.objects.filter(kind="community").values_list("pk", flat=True))
    services.compile_reports(community_ids=ids, day=seeded.day)
    with CaptureQueriesContext(connection) as large:
        selectors.rollup(city.c, seeded.day)
    assert len(large) == len(small) <= 4
