"""PostgreSQL-only: locking a place's business does not wait for the rows being written there.

Every row of a large table takes its place FOR KEY SHARE as it is written (its `district_id`
trigger, core/districts.py). A service that then locked the place FOR UPDATE — on purpose,
or as a side effect of `select_for_update()` over a `select_related` place — waited for every
write in that place, and deadlocked with a swab batch that waited for it (two phones of one
sampling station: "deadlock detected", a 500 at 10 M, bench/README.md). Such services lock the
rows they change alone (`of=("self",)`) or the place FOR NO KEY UPDATE, which still queues
them against each other.

Each case: another connection writes in the place and keeps its transaction open; the service
must finish under a lock timeout instead of waiting for it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from shequ.checkpoints.services import rules_set
from shequ.places.models import PlaceKind, ZoneLevel
from shequ.places.services import zone_set
from shequ.testing import labwork, services
from shequ.testing.ingest import swabs_batch
from shequ.testing.models import Tube
from tests.conftest import make_place
from tests.residents.factories import ResidentFactory
from tests.testing.conftest import round_world, send_to_lab, swab

pytestmark = pytest.mark.pg


def _held_open(write: Callable[[], object]) -> tuple[threading.Event, threading.Thread]:
    """Run `write` in another connection's transaction and keep it open until released."""
    written, release = threading.Event(), threading.Event()

    def run() -> None:
        try:
            with transaction.atomic():
                write()
                written.set()
                release.wait(20)
        finally:
            written.set()
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    assert written.wait(20)
    return release, thread


def _without_waiting(action: Callable[[], object]) -> object:
    with connection.cursor() as c:
        c.execute("SET lock_timeout = '2s'")
    try:
        return action()
    finally:
        with connection.cursor() as c:
            c.execute("RESET lock_timeout")


@pytest.mark.parametrize("case", ["close a tube", "record a result", "set gate rules"])
def test_a_community_s_testing_and_rules_do_not_wait_for_its_swabs(
    transactional_db, personas, city, case
) -> None:
    rnd = round_world(personas, city)
    send_to_lab(personas.staff_a, rnd)
    labwork.transfer_receive(actor=rnd.lab, transfer=rnd.round.transfers.get(), received_count=2)
    first, second = ResidentFactory(household=city.ha1), ResidentFactory(household=city.ha2)
    swabs_batch(actor=personas.staff_a, items=[swab(rnd, "T0000009", first)])
    open_tube = Tube.objects.get(barcode="T0000009")
    actions: dict[str, Callable[[], object]] = {
        "close a tube": lambda: services.tubes_close(
            actor=personas.staff_a, tube_ids=[open_tube.pk], at=timezone.now()
        ),
        "record a result": lambda: labwork.results_record(
            actor=rnd.lab, round_=rnd.round, results=[("T0000001", "positive")]
        ),
        "set gate rules": lambda: rules_set(
            actor=personas.staff_a,
            community=city.a,
            rules={"exit_quota": {"people": 1, "days": 2}},
        ),
    }
    # A swab batch of the same community, still writing: a new tube, which takes the
    # community FOR KEY SHARE.
    release, thread = _held_open(
        lambda: swabs_batch(actor=personas.staff_a, items=[swab(rnd, "T0000010", second)])
    )
    try:
        done = _without_waiting(actions[case])
    finally:
        release.set()
        thread.join(20)
    assert done
    assert Tube.objects.filter(barcode="T0000010").exists()  # the batch landed too


def test_a_zone_is_set_while_a_building_is_added_to_the_compound(
    transactional_db, personas, city
) -> None:
    release, thread = _held_open(lambda: make_place(PlaceKind.BUILDING, "KA9", "9号楼", city.ka))
    try:
        zone = _without_waiting(
            lambda: zone_set(actor=personas.street, place=city.ka, level=ZoneLevel.CONTROL)
        )
    finally:
        release.set()
        thread.join(20)
    assert zone.level == ZoneLevel.CONTROL
