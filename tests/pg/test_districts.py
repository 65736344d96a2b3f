"""PostgreSQL-only: every large table carries `district_id` (core/districts.py), right for
every way rows go in — the services (the demo city), the city seed's COPY with triggers off,
the offline batch's COPY — and for a place moved under another district."""

# ruff: noqa: S608 - SQL built from core.districts.CARRIERS' fixed names

from __future__ import annotations

import threading
import time

import pytest
from django.db import DatabaseError, connection, connections, transaction

from shequ import scenarios
from shequ.checkpoints.models import Passage
from shequ.core import districts
from shequ.places.models import Place
from shequ.places.services import subtree_move
from shequ.residents.models import Resident
from tests.checkpoints.conftest import gates, item, qr  # noqa: F401 - the fixture used below
from tests.duty.conftest import duty  # noqa: F401 - the fixture gates builds on
from tests.residents.factories import ResidentFactory

BATCH = "/api/v1/checkpoints/passages:batch"

pytestmark = pytest.mark.pg


def _wrong() -> dict[str, tuple[int, int]]:
    """{table: (rows whose district_id differs from their anchor's, rows in a district)}."""
    found = {}
    with connection.cursor() as c:
        for carrier in districts.CARRIERS:
            if carrier.table == districts.PLACES:
                rule = "COALESCE(NULLIF(split_part(t.path, '/', 3), '')::integer, 0)"
                c.execute(
                    f"SELECT count(*) FILTER (WHERE t.district_id IS DISTINCT FROM {rule}), "
                    f"count(*) FILTER (WHERE t.district_id > 0) FROM {carrier.table} t"
                )
            else:
                c.execute(
                    f"SELECT count(*) FILTER (WHERE t.district_id IS DISTINCT FROM "
                    f"COALESCE(v.district_id, 0)), count(*) FILTER (WHERE t.district_id > 0) "
                    f"FROM {carrier.table} t "
                    f"LEFT JOIN {carrier.via} v ON v.id = t.{carrier.anchor}"
                )
            found[carrier.table] = c.fetchone()
    return found


def test_every_large_table_carries_the_column(db):
    assert districts.carriers_here(connection) == [c.table for c in districts.CARRIERS]


def test_the_demo_city_has_every_row_in_its_district_also_after_a_street_moves(
    transactional_db,
):
    """The demo city is written by the services (the triggers at work); then a street with
    passages is hung under another district, as a places sheet can do."""
    scenarios.demo(seed=3, residents=200, cadres=40)
    found = _wrong()
    assert {t: wrong for t, (wrong, _n) in found.items() if wrong} == {}
    # The busy tables hold rows, each in a district (not a column of zeros agreeing).
    for table in ("places_place", "residents_resident", "checkpoints_passage", "testing_sample",
                  "duty_post", "core_auditevent"):  # fmt: skip
        assert found[table][1] > 0, table

    with_passages = Passage.objects.values("community__parent_id").first()
    street = Place.objects.get(pk=with_passages["community__parent_id"])
    old = _district("places_place", street.pk)
    assert old == street.parent_id
    other = Place.objects.filter(kind="district").exclude(pk=old).first()
    assert other is not None, "the demo city has two districts or more"
    in_street = list(
        Passage.objects.filter(community__path__startswith=street.path).values_list("pk", flat=True)
    )
    people = Resident.objects.filter(household__path__startswith=street.path).count()
    assert in_street
    assert people
    with transaction.atomic():
        subtree_move(place_id=street.pk, parent=other)
    assert {t: wrong for t, (wrong, _n) in _wrong().items() if wrong} == {}
    with connection.cursor() as c:
        c.execute(
            "SELECT count(*) FROM checkpoints_passage WHERE district_id = %s AND community_id "
            "IN (SELECT id FROM places_place WHERE kind = 'community' AND parent_id = %s)",
            [other.pk, street.pk],
        )
        assert c.fetchone()[0] == len(in_street)
        c.execute(
            "SELECT count(*) FROM residents_resident r JOIN places_place h "
            "ON h.id = r.household_id WHERE r.district_id = %s AND h.path LIKE %s",
            [other.pk, f"{other.path}{street.pk}/%"],
        )
        assert c.fetchone()[0] == people
    # The passage log stays append-only for everything else.
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as c,
    ):
        c.execute("UPDATE checkpoints_passage SET note = 'x' WHERE id = %s", [in_street[0]])


def test_the_city_seed_writes_the_same_districts_as_the_triggers_would(transactional_db):
    scenarios.city(seed=11, residents=4_000)
    found = _wrong()
    assert {t: wrong for t, (wrong, _n) in found.items() if wrong} == {}
    assert found["residents_resident"][1] == 4_000
    assert found["checkpoints_passage"][1] == Passage.objects.count() > 0


def _district(table: str, pk: int) -> int | None:
    with connection.cursor() as c:
        c.execute(f"SELECT district_id FROM {table} WHERE id = %s", [pk])
        return c.fetchone()[0]


def test_a_resident_who_moves_house_into_another_district_moves_with_it(city):
    resident = ResidentFactory(household=city.ha1)
    assert _district("residents_resident", resident.pk) == city.d1.pk
    far = Place.objects.create(kind="household", code="F", name="9室", parent=city.s3)
    far.path, far.depth = f"{city.s3.path}{far.pk}/", city.s3.depth + 1
    far.save()
    Resident.objects.filter(pk=resident.pk).update(household=far)
    assert _district("residents_resident", resident.pk) == city.d2.pk


def test_the_offline_batch_copy_fills_the_district(api, personas, city, gates):  # noqa: F811
    items = [item(gates.gate, pass_code=qr(gates.p1)) for _ in range(3)]
    response = api(personas.cadre).post(BATCH, {"items": items})
    assert response.status_code == 200, response.content
    ids = [a["id"] for a in response.json() if a["status"] == "created"]
    assert len(ids) == 3
    assert {_district("checkpoints_passage", pk) for pk in ids} == {city.d1.pk}


@pytest.mark.django_db(transaction=True)  # ALTER TABLE waits for no deferred key check
def test_taking_the_column_away_and_back_fills_what_is_there(city):
    ResidentFactory(household=city.ha1)
    ResidentFactory(household=city.hb1)

    class Editor:  # what a migration step is given
        pass

    editor = Editor()
    editor.connection = connection
    districts.uncarry(editor, "residents_resident")
    assert "residents_resident" not in districts.carriers_here(connection)
    districts.carry(editor, "residents_resident")
    assert [r for r in _wrong().items() if r[1][0]] == []
    assert _wrong()["residents_resident"][1] == 2


def test_a_resident_registered_during_a_move_waits_for_it_and_lands_in_the_new_district(
    transactional_db, city
):
    """A street moves to another district in a long transaction (a places sheet's write
    pass); a household of it gets a new resident meanwhile, from another connection. The
    resident's row waits for the move (its trigger reads the household FOR KEY SHARE, the
    move holds the subtree FOR UPDATE) and then takes the new district — it does not keep
    the old one for good."""
    moved = threading.Event()
    done: dict[str, object] = {}

    def move() -> None:
        try:
            with transaction.atomic():
                subtree_move(place_id=city.s2.pk, parent=city.d2)
                moved.set()
                time.sleep(1.5)  # the rest of a long import
        finally:
            moved.set()
            connections.close_all()

    def register() -> None:
        try:
            moved.wait(10)
            started = time.monotonic()
            done["resident"] = ResidentFactory(household=city.hb1).pk
            done["waited"] = time.monotonic() - started
        finally:
            connections.close_all()

    threads = [threading.Thread(target=move), threading.Thread(target=register)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert done["waited"] > 1.0  # it waited for the move to commit
    assert _district("residents_resident", done["resident"]) == city.d2.pk
    assert {t: wrong for t, (wrong, _n) in _wrong().items() if wrong} == {}
