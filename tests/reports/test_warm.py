"""The city HQ's home kept fresh by the worker (reports/warm.py, core/kept.py): once warmed,
an HQ view reads its city-wide figures from the shared cache (no count of the city's places
or of every community's figures), shows what the warm-up computed, and shows a change once
the next warm-up has run; the job runs once per half-period across workers, and not at all
when keeping is off."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shequ.core.workers import PERIODIC
from shequ.places.models import PlaceKind
from shequ.reports import warm
from tests.conftest import make_place

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def keeping(settings):
    settings.TODAY_CACHE_SECONDS = 60
    cache.clear()
    yield
    cache.clear()


def households_shown(html: str) -> int:
    found = re.search(r'data-testid="count-household">([\d,]+)<', html)
    assert found, "the home page shows no household count"
    return int(found.group(1).replace(",", ""))


def city_wide_counts(queries: CaptureQueriesContext) -> list[str]:
    """The queries counting the whole city: places by kind, every community's passages."""
    return [
        q["sql"]
        for q in queries.captured_queries
        if ('COUNT("places_place"."id")' in q["sql"] and "GROUP BY" in q["sql"])
        or "checkpoints_passage" in q["sql"]
    ]


def test_a_warmed_city_home_is_read_from_the_cache_until_the_next_warm_up(
    keeping, client, login, personas, city
):
    assert warm.warm_city_homes() == 1  # one city, one HQ scope
    login(personas.hq)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("web:home")).content.decode()
    assert 'data-testid="home-today"' in html
    assert city_wide_counts(queries) == []
    before = households_shown(html)
    make_place(PlaceKind.HOUSEHOLD, "KA-1-999", "999室", city.ka1)
    # Kept: the view shows the warmed figure, and the job is not due again yet.
    assert households_shown(client.get(reverse("web:home")).content.decode()) == before
    assert warm.warm_city_homes() == 0
    cache.delete(warm.DUE_KEY)  # half a period later
    assert warm.warm_city_homes() == 1
    assert households_shown(client.get(reverse("web:home")).content.decode()) == before + 1


def test_without_a_warm_up_the_first_view_computes_and_the_next_reads_it(
    keeping, client, login, personas
):
    login(personas.hq)
    with CaptureQueriesContext(connection) as first:
        client.get(reverse("web:home"))
    with CaptureQueriesContext(connection) as second:
        client.get(reverse("web:home"))
    assert city_wide_counts(first) != []
    assert city_wide_counts(second) == []


def test_nothing_is_warmed_or_kept_when_keeping_is_off(settings, client, login, personas):
    settings.TODAY_CACHE_SECONDS = 0
    cache.clear()
    assert warm.warm_city_homes() == 0
    login(personas.hq)
    client.get(reverse("web:home"))
    with CaptureQueriesContext(connection) as again:
        client.get(reverse("web:home"))
    assert city_wide_counts(again) != []


def test_the_worker_runs_the_warm_up(personas):
    assert warm.warm_city_homes in PERIODIC
    assert warm.city_hq_users() == [personas.hq]
    personas.hq.is_active = False
    personas.hq.save(update_fields=["is_active"])
    assert warm.city_hq_users() == []
