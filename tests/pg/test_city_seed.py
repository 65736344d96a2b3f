"""PostgreSQL-only: `shequ seed --scenario city` (shequ/citygen) — the shape of the city,
the people in it readable through the models, its indexes back after the load."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.utils import timezone

from shequ import scenarios
from shequ.checkpoints.models import EntryPass, Passage
from shequ.citygen.shape import plan
from shequ.core import pii
from shequ.mobilization.models import Enlistment, Staff
from shequ.places.models import Place, PlaceKind
from shequ.residents.models import Resident
from shequ.testing.models import Round, Sample, Tube

pytestmark = pytest.mark.pg

N = 12_000


def _indexes() -> dict[str, int]:
    with connection.cursor() as c:
        c.execute(
            "SELECT tablename, count(*) FROM pg_indexes WHERE tablename IN "
            "('residents_resident', 'testing_sample', 'checkpoints_passage', 'places_place') "
            "GROUP BY tablename"
        )
        return dict(c.fetchall())


@pytest.fixture
def seeded(transactional_db):
    before = _indexes()
    summary = scenarios.city(seed=7, residents=N)
    return summary, before


def test_the_city_has_the_demo_s_shape_and_its_people(seeded):
    summary, _ = seeded
    assert summary.created
    assert summary.counts["resident"] == N
    assert Resident.objects.count() == N
    communities = Place.objects.filter(kind=PlaceKind.COMMUNITY)
    sizes = [
        Resident.objects.filter(household__path__startswith=c.path).count() for c in communities
    ]
    assert sorted(sizes) == sorted(plan(N, 7).people)
    assert all(2000 <= s <= 10000 for s in sizes)
    # Buildings have households, some in units (单元), each with a pass for its people.
    household = Resident.objects.order_by("pk").first().household
    assert household.parent.kind == PlaceKind.BUILDING
    assert Place.objects.filter(kind=PlaceKind.HOUSEHOLD).exclude(unit="").exists()
    entry = EntryPass.objects.get(household=household)
    assert set(entry.holders.values_list("pk", flat=True)) == set(
        household.residents.values_list("pk", flat=True)
    )
    # PII reads back through the model and is found by its blind index.
    r = Resident.objects.exclude(phone_hmac="").order_by("pk").first()
    assert r.document_number.startswith("629998")
    assert r.phone.startswith("100")
    found = Resident.objects.get(document_hmac=pii.blind_index(r.document_number, kind="document"))
    assert found.pk == r.pk
    # Cadres: 0.5 % of the people, enlisted by the city's order.
    assert Staff.objects.filter(kind="cadre").count() == round(N * 0.005)
    assert Enlistment.objects.filter(state="reported_in").exists()
    assert Staff.objects.first().id_number.startswith("629997")


def test_rounds_and_a_week_of_passages(seeded):
    rounds = {r.status: r for r in Round.objects.all()}
    assert Round.objects.count() == 3
    assert set(rounds) == {"finished", "running"}
    running = rounds["running"]
    sampled = Sample.objects.filter(round=running).count()
    assert 0.5 * N < sampled < 0.7 * N
    assert Tube.objects.filter(round=running, status="received", result="").exists()
    assert Tube.objects.filter(round=running, status="open").exists()
    week = timezone.now() - dt.timedelta(days=7)
    assert Passage.objects.filter(device_time__lt=week).count() == 0
    # Passages fall on the last seven local days, 06:00 to 18:00, never after now: before
    # about 06:00 local time today has none yet, but the six days before it always have some.
    times = Passage.objects.values_list("device_time", flat=True)
    days = {timezone.localtime(t).date() for t in times}
    today = timezone.localdate()
    assert days <= {today - dt.timedelta(days=k) for k in range(7)}
    assert {today - dt.timedelta(days=k) for k in range(1, 7)} <= days
    # Every passage is at the gate of its household's compound.
    p = Passage.objects.select_related("gate", "entry_pass__household__parent").first()
    assert p.gate.place_id == p.entry_pass.household.parent.parent_id


def test_indexes_and_keys_are_back_after_the_load(seeded):
    _, before = seeded
    assert _indexes() == before
    with connection.cursor() as c:
        c.execute(
            "SELECT count(*) FROM residents_resident r LEFT JOIN places_place h "
            "ON h.id = r.household_id WHERE h.id IS NULL"
        )
        assert c.fetchone()[0] == 0
        # The COPY ran with triggers off: the swabs' keys were taken afterwards, so a second
        # first swab of a seeded resident in the round is still refused.
        c.execute(
            "SELECT (SELECT count(*) FROM testing_sample WHERE NOT retest), "
            "(SELECT count(*) FROM one_sample_per_round_keys), "
            "(SELECT count(*) FROM testing_sample), "
            "(SELECT count(*) FROM testing_sample_client_uuids)"
        )
        firsts, first_keys, swabs, uuids = c.fetchone()
        assert firsts
        assert (firsts, swabs) == (first_keys, uuids)
        c.execute("SELECT current_setting('session_replication_role')")
        assert c.fetchone()[0] == "origin"
    # New rows still get fresh ids from the sequences.
    new = Place.objects.create(kind=PlaceKind.CITY, code="NEW", name="新城", depth=0)
    assert new.pk > Place.objects.exclude(pk=new.pk).order_by("-pk").first().pk


def test_seeding_again_adds_nothing(seeded):
    again = scenarios.city(seed=7, residents=N)
    assert not again.created
    assert Resident.objects.count() == N


def test_hot_reads_use_indexes_in_the_seeded_city(seeded):
    """The plans PostgreSQL chooses for a building's missed list and a pass read by its id
    (the gate check by QR) on the seeded, ANALYZEd city: index reads, no table read whole."""
    from shequ.testing import selectors as testing_selectors

    round_ = Round.objects.get(status="running")
    building = Place.objects.filter(kind=PlaceKind.BUILDING).order_by("pk")[3]
    plan = testing_selectors.missed(round_, building).explain()
    assert "Seq Scan on residents_resident" not in plan, plan
    # The swabs are partitioned by month: a partition that holds none may be "read whole"
    # (it is empty); the ones that hold the seeded swabs are read by index.
    with connection.cursor() as c:
        c.execute("SELECT DISTINCT tableoid::regclass::text FROM testing_sample")
        holding = {row[0] for row in c.fetchall()}
    assert holding, "the seed made no swabs"
    scanned = set(re.findall(r"Seq Scan on (testing_sample\w*)", plan))
    assert not scanned & (holding | {"testing_sample"}), plan
    entry = EntryPass.objects.order_by("pk")[100]
    plan = EntryPass.objects.filter(pk=entry.pk).select_related("household").explain()
    assert "Seq Scan" not in plan, plan
    plan = Resident.objects.filter(entry_passes=entry).explain()
    assert "Seq Scan on checkpoints_entrypass_holders" not in plan, plan


def test_coverage_counts_are_those_a_recount_finds(seeded):
    """The counts coverage and "sampled today" read (testing/counts.py) come with the city:
    written by the seed while the counting triggers are off for the load, they equal a
    recount from the rows, and the running round's coverage is not zero."""
    from shequ.testing import counts
    from shequ.testing import selectors as testing_selectors
    from shequ.testing.models import DaySampled, ResidentTally, SampledTally

    def snapshot():
        return (
            set(ResidentTally.objects.values_list("building_id", "residents")),
            set(SampledTally.objects.values_list("round_id", "building_id", "sampled")),
            set(DaySampled.objects.values_list("community_id", "day", "sampled")),
        )

    running = Round.objects.get(status="running")
    community = Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("pk").first()

    def seen(exact: bool) -> list[tuple[int, int, int]]:
        rows = testing_selectors.coverage(running, community, exact=exact)
        return [(r.place_id, r.residents, r.sampled) for r in rows]

    shown = seen(exact=False)
    assert sum(sampled for _p, _r, sampled in shown) > 0
    assert shown == seen(exact=True)
    seeded_counts = snapshot()
    assert all(seeded_counts)
    assert sum(n for _b, n in seeded_counts[0]) == N
    counts.recount()
    assert snapshot() == seeded_counts
