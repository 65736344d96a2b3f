"""`shequ seed --scenario city`: its plan (deterministic, communities of 2,000–10,000), and
a clear refusal on SQLite (the city loads with PostgreSQL's COPY; tests/pg/test_city_seed.py
builds one)."""

from __future__ import annotations

import pytest
from django.db import connection
from typer.testing import CliRunner

from shequ.citygen.shape import plan
from shequ.cli import app


def test_the_plan_is_the_same_for_a_seed_and_sums_to_the_residents():
    first, again, other = plan(10_000_000, 42), plan(10_000_000, 42), plan(10_000_000, 43)
    assert first == again
    assert first != other
    assert sum(first.people) == 10_000_000
    assert all(1900 <= p <= 10_500 for p in first.people)
    assert first.districts >= 2
    assert first.streets == -(-len(first.people) // 10)


@pytest.mark.django_db
def test_the_city_scenario_on_sqlite_says_it_needs_postgresql(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")  # as on SQLite, also in a PG run
    result = CliRunner().invoke(app, ["seed", "--scenario", "city", "--residents", "1000"])
    assert result.exit_code == 2
    assert "PostgreSQL" in result.output


def _community(number: int, people: int) -> dict[str, list[list[str]]]:
    """One community of the city, built as the seed's workers do (no database needed)."""
    import datetime as dt

    from django.conf import settings

    from shequ.citygen import community as gen
    from shequ.citygen import parallel

    now = dt.datetime(2026, 12, 7, 3, 0, tzinfo=dt.UTC)
    rounds = [
        gen.RoundSpec(id=1, number=1, districts=frozenset({2}), share=0.85, running=False,
                      day=dt.date(2026, 12, 4), start=dt.datetime(2026, 12, 4, 7, tzinfo=dt.UTC)),
        gen.RoundSpec(id=2, number=2, districts=frozenset({2}), share=0.6, running=True,
                      day=dt.date(2026, 12, 7), start=dt.datetime(2026, 12, 6, 17, tzinfo=dt.UTC)),
    ]  # fmt: skip
    ctx = gen.Context(ids=gen.Ids({}), sealer=None, hq=1, lab=2, gate_user=1, order=1,
                      agencies=[1, 2], rounds=rounds, now=now, today=dt.date(2026, 12, 7),
                      district_tables=frozenset({"residents_resident"}))  # fmt: skip
    parallel._init(ctx, dict.fromkeys(gen.COLUMNS, 1), 42, settings.PII_KEY)
    job = parallel.Job(number=number, people=people, street=(5, "99090001001", "/1/2/5/"),
                       district_id=2, name="和平社区", code="99090001001001", resident_base=0,
                       cadre_base=0)  # fmt: skip
    _number, tables = parallel.build(job)
    return {t: [line.split("\t") for line in text.decode().splitlines()]
            for t, (_count, text) in tables.items()}  # fmt: skip


def test_a_community_comes_out_the_same_for_the_seed_its_people_readable():
    """Same seed, same community — but for the ciphertexts, each sealed with its own nonce,
    which open to the same ID numbers and phones, found by their blind index."""
    from shequ.core import pii

    first, again = _community(3, 2500), _community(3, 2500)
    sealed = {"residents_resident": (5, 7), "mobilization_staff": (3, 5), "duty_post": (6,),
              "mobilization_enlistment": (2,)}  # fmt: skip
    assert first.keys() == again.keys()
    people = [list(row) for row in first["residents_resident"]]
    assert len(people) == 2500
    for table, rows in first.items():
        assert len(rows) == len(again[table]), table
        for a, b in zip(rows, again[table], strict=True):
            for k in sealed.get(table, ()):
                assert not a[k] or a[k] != b[k], (table, k)  # a fresh nonce each time
                a[k] = b[k] = ""
            assert a == b, table
    numbers = set()
    for row, row_again in zip(people, _community(3, 2500)["residents_resident"], strict=True):
        context = "residents.resident.document_number"
        number = pii.decrypt(row[5], context=context)
        assert number == pii.decrypt(row_again[5], context=context)
        assert number.startswith("629998")
        assert row[6] == pii.blind_index(number, kind="document")
        numbers.add(number)
        if row[7]:
            phone = pii.decrypt(row[7], context="residents.resident.phone")
            assert row[8] == pii.blind_index(phone, kind="phone")
        assert row[-1] == "2"  # the district, for a table that has the column
    assert len(numbers) == len(people)  # every resident has an ID number of their own
    # Who lives where, who is sampled and the counts: one tally row per building.
    buildings = {r[0] for r in first["places_place"] if r[1] == "building"}
    assert {r[0] for r in first["testing_residenttally"]} <= buildings
    assert sum(int(r[1]) for r in first["testing_residenttally"]) == 2500


def test_a_process_with_a_low_level_thread_builds_in_itself_and_never_forks(monkeypatch):
    """A fork copies only the calling thread; a lock held by another (execnet's I/O thread
    under pytest-xdist, started with `_thread`, unseen by `threading`) hung a seed's pool.
    Such a process must not fork, whoever started its threads."""
    import _thread
    import threading as threading_module

    from shequ.citygen import parallel

    stop = threading_module.Event()
    _thread.start_new_thread(stop.wait, (30,))
    try:
        assert parallel._threads() >= 2

        def no_fork(*_a, **_k):
            raise AssertionError("forked from a threaded process")

        monkeypatch.setattr(parallel.multiprocessing, "get_context", no_fork)
        built = []
        monkeypatch.setattr(parallel, "_init", lambda *a: None)
        monkeypatch.setattr(parallel, "build", lambda job: built.append(job) or (job, {}))
        out = list(parallel.run(None, {}, 1, "", ["a", "b"], workers=2))
        assert built == ["a", "b"]
        assert [n for n, _t in out] == ["a", "b"]
    finally:
        stop.set()
