"""PostgreSQL-only: the read-replica router (core/replica.py) with a second alias, "replica",
on the same server and database: dashboards read there, writes and read-your-writes stay on
the primary."""

from __future__ import annotations

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

from shequ.core.replica import REPLICA, primary_only, replica_reads
from shequ.places.models import Place, PlaceKind
from shequ.reports.today import today_for
from shequ.testing import selectors as testing_selectors
from shequ.testing import services as testing_services

pytestmark = pytest.mark.pg


@pytest.fixture
def replica(transactional_db):
    """A "replica" alias: a second connection to the same database (as DATABASE_REPLICA_URL
    pointing at a streaming replica would be)."""
    assert connections["default"].vendor == "postgresql"
    connections.settings[REPLICA] = {**connections.settings["default"]}
    # Connected here: the test case only lets its own aliases connect on first use.
    connections[REPLICA].connect()
    try:
        yield connections[REPLICA]
    finally:
        connections[REPLICA].close()
        del connections[REPLICA]
        del connections.settings[REPLICA]


def _queries(fn):
    """fn()'s result, and how many statements it ran on the primary and on the replica."""
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as copy,
    ):
        out = fn()
    return out, len(primary.captured_queries), len(copy.captured_queries)


def test_the_hq_today_is_read_from_the_replica(replica, personas, city, settings):
    settings.TODAY_CACHE_SECONDS = 0
    today, primary, copy = _queries(lambda: today_for(personas.hq))
    assert today is not None
    assert copy > 0
    assert primary == 0


def test_a_round_s_coverage_is_read_from_the_replica(replica, personas, city):
    import datetime as dt

    round_ = testing_services.round_create(
        actor=personas.hq, name="第一轮", places=[city.d1], starts_on=dt.date.today(),
        ends_on=dt.date.today(),
    )  # fmt: skip
    rows, primary, copy = _queries(lambda: testing_selectors.coverage(round_, city.s1, "community"))
    assert [r.place_id for r in rows] == [city.a.pk]
    assert copy > 0
    assert primary == 0


def test_reads_inside_a_write_stay_on_the_primary(replica, city):
    def write_then_read() -> bool:
        with replica_reads(), transaction.atomic():
            Place.objects.create(
                kind=PlaceKind.BUILDING, code="KA-9", name="9号楼", parent=city.ka, depth=6
            )
            return Place.objects.filter(code="KA-9").exists()

    seen, primary, copy = _queries(write_then_read)
    assert seen  # the write is visible to the read that follows it
    assert primary > 0
    assert copy == 0


def test_ordinary_reads_and_pinned_reads_use_the_primary(replica, city):
    _, primary, copy = _queries(lambda: list(Place.objects.filter(kind=PlaceKind.STREET)))
    assert (primary, copy) == (1, 0)

    def pinned() -> list:
        with replica_reads(), primary_only():
            return list(Place.objects.filter(kind=PlaceKind.STREET))

    streets, primary, copy = _queries(pinned)
    assert len(streets) == 3
    assert (primary, copy) == (1, 0)


def test_a_client_that_just_wrote_reads_its_dashboard_from_the_primary(
    replica, client, personas, city, settings
):
    settings.TODAY_CACHE_SECONDS = 0
    client.force_login(personas.hq)
    _, primary, copy = _queries(lambda: client.get("/"))
    assert copy > 0  # an ordinary view of the home page: its figures from the replica

    response = client.post("/language/", {"language": "en", "next": "/"})
    assert response.cookies["shequ_primary"]["max-age"] == 10
    _, primary, copy = _queries(lambda: client.get("/"))
    assert copy == 0  # right after a write: everything from the primary
    assert primary > 0
