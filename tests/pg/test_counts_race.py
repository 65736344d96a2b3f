"""PostgreSQL-only: swab batches at once keep the coverage counts (testing/counts.py) exact.
Batches touching the same two buildings in opposite orders all land (the ingest locks their
tally rows in one order first, `counts.lock_building_tallies`: by reasoning, the triggers
cannot deadlock; this test did not reproduce a deadlock without it either); one resident
swabbed in two rounds by two stations at the same moment counts once among the day's
sampled."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from shequ.places.models import PlaceKind
from shequ.testing import counts, selectors, services
from shequ.testing.ingest import swabs_batch
from tests.conftest import make_place
from tests.pg.conftest import race
from tests.residents.factories import ResidentFactory
from tests.testing.conftest import rnd, swab  # noqa: F401 - `rnd` is a fixture

pytestmark = pytest.mark.pg


def test_batches_at_once_in_both_orders_and_two_rounds_keep_exact_counts(
    transactional_db,
    personas,
    city,
    rnd,  # noqa: F811 - the fixture imported above
):
    assert connection.vendor == "postgresql"
    hc = make_place(PlaceKind.HOUSEHOLD, "KA-2-201", "201室", city.ka2)
    c = [ResidentFactory(name=f"c{i}", household=hc) for i in range(6)]
    a = rnd.a[:6]  # 1号楼
    second = services.round_create(
        actor=personas.staff_a, name="第二轮", places=[city.ka], starts_on=rnd.round.starts_on,
        ends_on=rnd.round.ends_on, pool_size=10,
    )  # fmt: skip
    now = timezone.now()

    def batch(k: int, first, then, round_id: int):
        early, late = (now - dt.timedelta(minutes=2)).isoformat(), now.isoformat()
        items = [
            swab(rnd, f"T{k:07d}", first, round_id=round_id, sampled_at=early),
            swab(rnd, f"T{k:07d}", then, round_id=round_id, sampled_at=late),
        ]
        return lambda: swabs_batch(actor=personas.staff_a, items=items)

    calls = [
        batch(k, a[k], c[k], rnd.round.pk) if k % 2 else batch(k, c[k], a[k], rnd.round.pk)
        for k in range(1, 6)
    ]
    # a0 swabbed in both rounds at once, from two stations.
    calls += [batch(11, a[0], c[0], rnd.round.pk), batch(12, a[0], c[0], second.pk)]
    results, errors = race(calls)

    assert errors == []
    assert all(r.status == "created" for answer in results for r in answer)
    for round_ in (rnd.round, second):
        base = selectors.scope_residents(round_, city.a)
        kept = {b: row for b, *row in counts.per_building(round_, city.a, base) if row[1]}
        exact = {b: row for b, *row in selectors._per_building(round_, base)}
        assert kept == exact
    today = timezone.localdate()
    # 12 residents, a0 and c0 in both rounds: each once.
    assert counts.sampled_on([city.a.pk], today) == {city.a.pk: 12}
    assert counts.sampled_on_exact([city.a.pk], today) == {city.a.pk: 12}
