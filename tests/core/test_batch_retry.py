"""A batch whose transaction PostgreSQL ended to break a deadlock is run again whole
(core.batches.retried): the device gets its answers, each item recorded once, instead of a
server error. The deadlock is raised here as psycopg raises it (SQLSTATE 40P01)."""

from __future__ import annotations

import pytest
from django.db import OperationalError, transaction
from psycopg import errors as pg_errors

from shequ.core import batches
from shequ.testing import counts, ingest
from shequ.testing.models import Sample
from tests.residents.factories import ResidentFactory
from tests.testing.conftest import round_world, swab


def _deadlock() -> OperationalError:
    error = OperationalError("deadlock detected")
    error.__cause__ = pg_errors.DeadlockDetected("deadlock detected")
    return error


def _failing(times: int, error: OperationalError) -> tuple[list[int], object]:
    calls: list[int] = []

    @batches.retried
    def engine() -> str:
        calls.append(1)
        if len(calls) <= times:
            raise error
        return "answers"

    return calls, engine


def test_a_swab_batch_chosen_as_a_deadlock_s_victim_is_recorded_on_the_next_try(
    transactional_db, personas, city, monkeypatch
) -> None:
    rnd = round_world(personas, city)
    people = [ResidentFactory(household=city.ha1) for _ in range(3)]
    real, tries = counts.lock_building_tallies, []

    def lock(rows):  # the first try dies where the deadlock at 10M happened
        tries.append(1)
        if len(tries) == 1:
            raise _deadlock()
        return real(rows)

    monkeypatch.setattr(counts, "lock_building_tallies", lock)
    answers = ingest.swabs_batch(
        actor=personas.staff_a, items=[swab(rnd, "T0000001", p) for p in people]
    )
    assert [a.status for a in answers] == ["created"] * 3
    assert len(tries) == 2
    assert Sample.objects.filter(tube__barcode="T0000001").count() == 3


def test_a_deadlock_every_time_is_answered_as_an_error_after_the_last_try(
    transactional_db,
) -> None:
    calls, engine = _failing(batches.RETRIES, _deadlock())
    with pytest.raises(OperationalError):
        engine()
    assert len(calls) == batches.RETRIES


def test_two_deadlocks_then_the_answers(transactional_db) -> None:
    calls, engine = _failing(batches.RETRIES - 1, _deadlock())
    assert engine() == "answers"
    assert len(calls) == batches.RETRIES


def test_another_database_error_is_not_run_again(transactional_db) -> None:
    calls, engine = _failing(1, OperationalError("disk I/O error"))
    with pytest.raises(OperationalError, match="disk"):
        engine()
    assert len(calls) == 1


def test_inside_a_caller_s_transaction_there_is_nothing_to_run_again(transactional_db) -> None:
    calls, engine = _failing(1, _deadlock())
    with pytest.raises(OperationalError), transaction.atomic():
        engine()
    assert len(calls) == 1
