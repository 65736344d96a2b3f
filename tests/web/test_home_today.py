"""The city HQ's and an officer's "today" on the home page (reports/today.py): each figure
equals the source data of a seeded day, a street officer sees only its streets' communities,
every figure links to its list, the trends come from the compiled reports, and the page costs
the same number of queries for more communities."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shequ.places.models import PlaceKind
from shequ.reports import services
from shequ.reports.today import today_for
from shequ.testing.models import Round
from tests.assistance.conftest import open_request
from tests.conftest import make_place
from tests.reports import conftest as reports_conftest

seeded = reports_conftest.seeded  # the seeded day's fixture (yesterday)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _tiles(today) -> dict:
    return {t.key: t for t in today.tiles}


def test_each_figure_equals_the_source_data_of_the_seeded_day(seeded, personas, city):
    today = today_for(personas.hq, day=seeded.day)
    assert today is not None
    assert today.root == city.c
    tiles = _tiles(today)
    # A: 8 reported in of 10 needed, B: 1 of 0; A: 1 positive tube, 1 recall open; 1 gate
    # alert, 1 refusal.
    assert tiles["reported_in"].value == 9
    assert "of 10 needed" in str(tiles["reported_in"].note)
    assert tiles["positives"].value == 1
    assert tiles["recalls_open"].value == 1
    assert tiles["gate_alerts"].value == 1
    assert "1 refused" in str(tiles["gate_alerts"].note)
    # Home isolation at the day's end: 2 in A, 1 in B.
    assert tiles["isolated"].value == 3
    assert today.totals["status_close_contact"] == 1


def test_help_backlog_counts_the_open_requests(seeded, personas, city):
    for _ in range(2):
        open_request(personas.staff_a, city.ha1)
    open_request(personas.staff_b, city.hb1)
    tiles = _tiles(today_for(personas.hq))
    assert "3 open, 3 not claimed" in str(tiles["help_overdue"].note)
    tiles = _tiles(today_for(personas.street))
    assert "2 open, 2 not claimed" in str(tiles["help_overdue"].note)


def test_trends_come_from_the_compiled_reports_and_today_is_live(seeded, personas, city):
    services.compile_reports(community_ids=[city.a.pk, city.b.pk], day=seeded.day)
    today = today_for(personas.hq)  # the seeded day is yesterday
    charts = {c.id: c for c in today.charts}
    reported = charts["chart-reported"]
    assert reported.kind == "line"
    assert len(reported.labels) == 14
    assert reported.labels[-2] == seeded.day.strftime("%m-%d")
    assert reported.series[0].data[-2] == 9  # reported in, from the compiled reports
    assert reported.series[1].data[-2] == 10  # needed
    assert reported.series[0].data[0] is None  # no report compiled 13 days ago: a gap
    alerts = charts["chart-alerts"].series
    assert [s.data[-2] for s in alerts] == [1, 1, 1]
    # Yesterday's reports were compiled, not submitted: both missing after the deadline.
    assert charts["chart-reports"].series[2].data[-2] == 2
    assert _tiles(today)["reports_missing"].value == 2


def test_a_street_officer_sees_only_its_streets_communities(seeded, personas, city):
    today = today_for(personas.street, day=seeded.day)
    assert today.root == city.s1
    assert [p.place for p in today.parts] == [city.a]  # by community within a street
    assert _tiles(today)["isolated"].value == 2  # B's resident is not counted
    other = today_for(personas.other_street, day=seeded.day)
    assert [p.place for p in other.parts] == [city.b]
    assert _tiles(other)["reported_in"].value == 1
    assert _tiles(other)["isolated"].value == 1


def test_the_hq_sees_streets_and_names_communities_with_their_street(seeded, personas, city):
    today = today_for(personas.hq, day=seeded.day)
    assert [p.place for p in today.parts] == [city.s1, city.s2, city.s3]
    assert today.parts[0].values["reported_in"] == 8
    watch = {str(w.label): w.rows for w in today.watch}
    # A is 2 short of need, with 1 positive, 1 recall, 1 alert: named with its street.
    assert [r.label for r in watch["Short of the people needed"]] == ["一街道 甲社区"]
    assert watch["Short of the people needed"][0].gap == 2


def test_the_home_page_shows_today_with_links_to_the_lists(client, login, seeded, personas, city):
    Round.objects.get().places.add(city.c)
    login(personas.hq)
    html = client.get(reverse("web:home")).content.decode()
    assert 'data-testid="home-today"' in html
    for href in (
        reverse("mobilization:board"),
        reverse("checkpoints:log") + "?show=alerts",
        reverse("assistance:queue") + "?status=overdue",
        reverse("residents:list") + "?status=home_isolation",
        reverse("reports:rollup", args=[city.c.pk, seeded.day.isoformat()]),
    ):
        assert f'href="{href}"' in html, href
    round_ = today_for(personas.hq).round
    assert round_ is not None
    # Coverage by street of the running round: 2 of A's 4 residents sampled.
    assert today_for(personas.hq).parts[0].coverage == 50.0
    assert f'href="{reverse("testing:recalls", args=[round_.pk])}"' in html
    # Each chart: a div charts.js draws, its JSON island, and its numbers in a table.
    assert html.count('class="sq-chart') >= 5
    assert 'id="chart-reported" type="application/json"' in html
    assert "vendor/echarts.min.js" in html
    assert "shequ/charts.js" in html
    assert html.count("sq-chart-numbers") == html.count('class="sq-chart ')


def test_the_links_open_for_the_hq(client, login, seeded, personas):
    login(personas.hq)
    for tile in today_for(personas.hq).tiles:
        assert client.get(tile.href).status_code == 200, tile.href


def test_community_staff_and_cadres_have_no_today(client, login, personas):
    for user in (personas.staff_a, personas.cadre):
        assert today_for(user) is None or user is personas.staff_a
        login(user)
        assert 'data-testid="home-today"' not in client.get(reverse("web:home")).content.decode()


def test_the_page_costs_the_same_queries_for_more_communities(
    client, login, seeded, personas, city
):
    login(personas.hq)
    client.get(reverse("web:home"))  # warm caches (sessions, content types)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("web:home"))
    for i in range(12):
        street = make_place(PlaceKind.STREET, f"SX{i}", f"新街道{i}", city.d2)
        make_place(PlaceKind.COMMUNITY, f"CX{i}", f"新社区{i}", street)
    services.compile_reports(
        community_ids=[city.a.pk, city.b.pk], day=seeded.day - dt.timedelta(days=1)
    )
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("web:home"))
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries][len(few) :]
    assert len(few) < 90
