"""PostgreSQL-only: the plans of the hot queries on a seeded small city (`ANALYZE`d): a
time-bounded read of the passage log touches only its month's partition, and each hot query
has an index to go by.

"Has an index" is asked with `SET enable_seqscan = off`: on a city this small the planner may
rightly prefer reading a whole table, but with sequential scans priced out it still picks one
only where no index can serve the query, which is what must not happen at ten million rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from shequ import scenarios
from shequ.checkpoints import selectors as gate_selectors
from shequ.checkpoints.snapshot import gate_snapshot
from shequ.core.kept import refreshing
from shequ.core.models import User
from shequ.core.partitions import Month
from shequ.duty.models import Post
from shequ.places.models import Place, PlaceKind
from shequ.reports.today import today_for
from shequ.residents.models import Resident, document_q
from shequ.testing import selectors as testing_selectors
from shequ.testing.models import Round

pytestmark = pytest.mark.pg

N = 6_000
# Tables that grow with the city: a sequential scan of one of them is a defect.
LARGE = (
    "checkpoints_passage",
    "residents_resident",
    "places_place",
    "testing_sample",
    "checkpoints_entrypass",
    "core_auditevent",
    "testing_tube",
)


@pytest.fixture(scope="module")
def city(django_db_setup, django_db_blocker):
    """A small city (one week of passages, three rounds), seeded once for the module."""
    with django_db_blocker.unblock():
        scenarios.city(seed=5, residents=N)
        with connection.cursor() as c:
            c.execute("ANALYZE")
        yield
        call_command("flush", interactive=False, verbosity=0)


def _plans(run: Callable[[], Any], *, seqscan: bool = True) -> list[str]:
    """EXPLAIN of every SELECT that `run` sends (as sent: psycopg binds on the client)."""
    with CaptureQueriesContext(connection) as captured:
        run()
    plans = []
    with connection.cursor() as c:
        if not seqscan:
            c.execute("SET enable_seqscan = off")
        try:
            for query in captured.captured_queries:
                sql = query["sql"]
                if sql.lstrip().upper().startswith(("SELECT", "WITH")):
                    c.execute("EXPLAIN " + sql)
                    plans.append("\n".join(row[0] for row in c.fetchall()))
        finally:
            c.execute("RESET enable_seqscan")
    assert plans, "the selector sent no query"
    return plans


def _seq_scans(plans: list[str]) -> list[str]:
    """The large tables (or their partitions) read whole in any of the plans."""
    found = re.findall(r"Seq Scan on (\w+)", "\n".join(plans))
    return [t for t in found if t.startswith(LARGE)]


def _partitions(plan: str) -> set[str]:
    return set(re.findall(r" on (checkpoints_passage_\w+)", plan))


def _hq() -> User:
    return User.objects.get(username="city-hq")


def _community() -> Place:
    return Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("pk").first()


def test_a_day_of_a_community_s_passages_reads_one_partition_by_index(city, db) -> None:
    today = timezone.localdate()
    community = _community()
    hq = _hq()
    rows: list = []

    def read() -> None:
        rows.extend(gate_selectors.passage_log(hq, community_id=community.pk, day=today)[:50])

    # (The scope's own look-ups come first; one query reads the log.)
    [plan] = [p for p in _plans(read) if "checkpoints_passage" in p]
    assert rows  # the week of passages holds today's
    assert _partitions(plan) == {f"checkpoints_passage_{Month.of(today).suffix()}"}
    assert "community_id_device_time" in plan  # the (community, device_time) index
    assert _seq_scans([plan]) == []


def test_today_s_gate_counts_read_only_this_month(city, db) -> None:
    counts: dict[str, int] = {}
    plans = _plans(lambda: counts.update(gate_selectors.today_counts(_hq())))
    assert counts["total"] > 0
    month = f"checkpoints_passage_{Month.of(timezone.localdate()).suffix()}"
    assert set().union(*map(_partitions, plans)) == {month}


@pytest.mark.parametrize(
    "name",
    ["gate hours", "daily figures", "outings", "gate snapshot", "pass lookup", "HQ today"],
)
def test_the_gate_and_report_queries_have_an_index(city, db, name) -> None:
    today = timezone.localdate()
    community = _community()
    gate = Post.objects.filter(community=community, kind="checkpoint").order_by("pk").first()
    entry_pass = gate_selectors.passes_for(_hq()).filter(community=community).first()
    runs: dict[str, Callable[[], Any]] = {
        "gate hours": lambda: gate_selectors.gate_hours(community, today),
        "daily figures": lambda: gate_selectors.daily_figures([community.pk], today),
        "outings": lambda: gate_selectors.outings(community, today),
        "gate snapshot": lambda: gate_snapshot(gate),
        "pass lookup": lambda: gate_selectors.get_pass_for(_hq(), entry_pass.pk),
        "HQ today": lambda: today_for(_hq(), today),
    }
    assert _seq_scans(_plans(runs[name], seqscan=False)) == []


@pytest.mark.parametrize("name", ["missed in a building", "street coverage", "pool recall"])
def test_the_testing_queries_have_an_index(city, db, name) -> None:
    running = Round.objects.get(status="running")
    building = Place.objects.filter(kind=PlaceKind.BUILDING).order_by("pk").first()
    street = Place.objects.filter(kind=PlaceKind.STREET).order_by("pk").first()
    tube = running.tubes.order_by("pk").first()
    runs: dict[str, Callable[[], Any]] = {
        "missed in a building": lambda: list(testing_selectors.missed(running, building)[:100]),
        "street coverage": lambda: testing_selectors.coverage(running, street),
        "pool recall": lambda: list(
            running.samples.filter(tube=tube).select_related("resident__household")
        ),
    }
    assert _seq_scans(_plans(runs[name], seqscan=False)) == []


def test_the_day_s_positive_pools_are_found_by_their_own_index(city, db) -> None:
    """The HQ's today counts the day's positive pools per community: by the partial index
    of positive tubes' result times, not by each community's tubes (0.33 s at 10M before)."""

    def fresh() -> None:
        with refreshing():  # computed, not read from the shared cache
            today_for(_hq(), timezone.localdate())

    plans = _plans(fresh, seqscan=False)
    tubes = [p for p in plans if "testing_tube" in p]
    assert any("using tube_positive_at on testing_tube" in p for p in tubes), tubes


def test_a_document_number_is_found_by_the_unique_index(city, db) -> None:
    """Residents have no index on the document digest alone (residents 0006): a lookup by
    digest, whatever the type, goes by the unique (document_type, document_hmac) one."""
    digests = list(Resident.objects.order_by("pk").values_list("document_hmac", flat=True)[:50])
    plans = _plans(lambda: list(Resident.objects.filter(document_q(digests))), seqscan=False)
    assert _seq_scans(plans) == []
    assert "one_resident_per_document" in plans[0], plans[0]
    assert Resident.objects.filter(document_q(digests)).count() == len(set(digests))
