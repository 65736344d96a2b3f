"""Units (单元): a household's unit is part of its identity, name and code, shown wherever
its address is (resident pages, passes, the printed pass, the gate page's search)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from shequ.checkpoints import pdf
from shequ.checkpoints import services as pass_services
from shequ.checkpoints.models import EntryPass
from shequ.checkpoints.snapshot import gate_snapshot
from shequ.core.errors import ValidationError
from shequ.places import services
from shequ.places.households import (
    household_code,
    household_key,
    household_name,
    normalize_unit,
    unit_in_name,
)
from shequ.places.models import Place, PlaceKind
from tests.duty.conftest import duty  # noqa: F401 - the gate the snapshot is taken for
from tests.residents.factories import ResidentFactory


def flat(building: Place, unit: str, room: str) -> Place:
    return services.place_create(
        actor=None,
        kind=PlaceKind.HOUSEHOLD,
        code=household_code(building.code, normalize_unit(unit), room),
        name=room,
        unit=unit,
        parent=building,
    )


# --- the attribute ----------------------------------------------------------------------------


def test_a_households_unit_is_stored_and_said_in_its_name(city):
    one = flat(city.ka2, "1", "801")
    three = flat(city.ka2, "3单元", "801室")
    assert (one.unit, one.name, one.code) == ("1", "1单元801室", "KA-2-U1-801")
    assert (three.unit, three.name, three.code) == ("3", "3单元801室", "KA-2-U3-801")


def test_a_name_that_says_its_unit_sets_it(city):
    named = services.place_create(
        actor=None, kind=PlaceKind.HOUSEHOLD, code="KA-2-U2-301", name="2单元301", parent=city.ka2
    )
    assert (named.unit, named.name) == ("2", "2单元301室")


def test_the_same_unit_and_room_twice_in_a_building_is_refused(city):
    flat(city.ka2, "1", "801")
    with pytest.raises(ValidationError) as refused:
        services.place_create(
            actor=None,
            kind=PlaceKind.HOUSEHOLD,
            code="KA-2-other",
            name="801",
            unit="1",
            parent=city.ka2,
        )
    assert "name" in refused.value.errors
    flat(city.ka1, "1", "801")  # another building may have its own unit 1 flat 801


def test_only_households_have_units(city):
    with pytest.raises(ValidationError) as refused:
        services.place_create(
            actor=None, kind=PlaceKind.BUILDING, code="KA-9", name="9号楼", unit="1",
            parent=city.ka,
        )  # fmt: skip
    assert "unit" in refused.value.errors
    with transaction.atomic(), pytest.raises(IntegrityError):
        Place.objects.filter(pk=city.ka1.pk).update(unit="1")


def test_the_database_refuses_two_households_with_one_unit_and_name(city):
    one = flat(city.ka2, "1", "801")
    with transaction.atomic(), pytest.raises(IntegrityError):
        Place.objects.create(
            kind=PlaceKind.HOUSEHOLD,
            parent=city.ka2,
            code="KA-2-dup",
            name=one.name,
            unit="1",
            path="/x/",
            depth=7,
        )


@pytest.mark.parametrize(
    ("written", "stored"),
    [("1", "1"), ("01", "1"), ("1单元", "1"), ("一单元", "1"), ("十二", "12"), ("Unit 2", "2"),
     (" a ", "A"), ("", "")],
)  # fmt: skip
def test_units_are_stored_the_same_however_written(written, stored):
    assert normalize_unit(written) == stored


def test_a_households_key_tells_units_apart_and_ignores_the_room_suffix():
    assert household_key("1", household_name("1", "801")) == ("1", "801")
    assert household_key("3", "3单元801室") == ("3", "801")
    assert household_key("", "801室") == ("", "801")
    assert household_key("1", "801") != household_key("3", "801")


def test_the_api_says_a_households_unit(personas, city, api):
    one = flat(city.ka2, "1", "801")
    body = api(personas.staff_a).get(f"/api/v1/places/{one.pk}").json()
    assert (body["unit"], body["name"], body["code"]) == ("1", "1单元801室", "KA-2-U1-801")


# --- migrating existing households ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_takes_units_from_names_and_stops_on_households_it_cannot_tell_apart():
    before, after = [("places", "0001_initial")], [("places", "0002_household_unit")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps.get_model("places", "Place")
    city = old.objects.create(kind="city", code="M", name="迁移市", path="/m/")
    b = old.objects.create(kind="building", parent=city, code="M-1", name="1号楼", path="/m/1/")
    named = old.objects.create(kind="household", parent=b, code="M-1-a", name="2单元301室")
    plain = old.objects.create(kind="household", parent=b, code="M-1-b", name="101室")
    twin = old.objects.create(kind="household", parent=b, code="M-1-c", name="101室")
    try:
        with pytest.raises(RuntimeError) as stopped:
            MigrationExecutor(connection).migrate(after)
        assert "M-1-b" in str(stopped.value)
        assert "M-1-c" in str(stopped.value)
        twin.delete()  # a person decided which of the two is the real flat
        executor = MigrationExecutor(connection)
        executor.migrate(after)
        new = executor.loader.project_state(after).apps.get_model("places", "Place")
        assert new.objects.get(pk=named.pk).unit == "2"
        assert new.objects.get(pk=named.pk).code == "M-1-a"  # codes are printed: kept
        assert new.objects.get(pk=plain.pk).unit == ""
    finally:
        for kind in ("household", "building", "city"):
            old.objects.filter(code__startswith="M", kind=kind).delete()
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_a_name_that_says_its_unit_is_read():
    assert unit_in_name("二单元301") == ("2", "301")
    assert unit_in_name("3单元 502室") == ("3", "502室")
    assert unit_in_name("101室") is None


# --- shown wherever the address is ------------------------------------------------------------


@pytest.fixture
def unit_flats(personas, city):
    one, three = flat(city.ka2, "1", "801"), flat(city.ka2, "3", "801")
    people = [ResidentFactory(household=one, name="一单元住户"),
              ResidentFactory(household=three, name="三单元住户")]  # fmt: skip
    today = dt.date.today()
    passes = [
        pass_services.pass_issue(
            actor=personas.staff_a,
            household=h,
            valid_from=today,
            valid_until=today + dt.timedelta(days=30),
        )
        for h in (one, three)
    ]
    return one, three, people, passes


def test_resident_pages_show_the_unit(personas, login, unit_flats):
    _one, _three, (first, _second), _passes = unit_flats
    client = login(personas.staff_a)
    detail = client.get(f"/residents/{first.pk}/").content.decode()
    assert "甲小区 2号楼 1单元801室" in detail
    listed = client.get("/residents/").content.decode()
    assert "1单元801室" in listed
    assert "3单元801室" in listed


def test_pass_pages_and_the_printed_pass_show_the_unit(personas, login, unit_flats):
    _one, _three, _people, (p1, p3) = unit_flats
    client = login(personas.staff_a)
    html = client.get(reverse("checkpoints:pass_detail", args=[p1.pk])).content.decode()
    assert "1单元801室" in html
    listed = client.get(reverse("checkpoints:pass_list")).content.decode()
    assert "1单元801室" in listed
    assert "3单元801室" in listed
    cards = EntryPass.objects.select_related(
        "community", "household__parent__parent"
    ).prefetch_related("holders")
    assert pdf.card_fields(cards.get(pk=p3.pk)).place == "甲小区 2号楼 3单元801室"


def test_the_gate_page_search_data_tells_the_units_apart(personas, duty, unit_flats):  # noqa: F811
    _one, _three, _people, (p1, p3) = unit_flats
    snapshot = gate_snapshot(duty.gate)
    by_id = {p["id"]: p for p in snapshot["passes"]}
    assert (by_id[p1.pk]["building"], by_id[p1.pk]["household"]) == ("2号楼", "1单元801室")
    assert by_id[p3.pk]["household"] == "3单元801室"


# --- the demo city has units ------------------------------------------------------------------


def test_demo_buildings_have_one_to_six_units(db):
    from shequ.places.demo import build_demo_city

    build_demo_city(seed=42)
    with_units = Place.objects.filter(kind=PlaceKind.HOUSEHOLD).exclude(unit="")
    assert with_units.exists()
    units = {int(u) for u in with_units.values_list("unit", flat=True)}
    assert units <= set(range(1, 7))
    assert max(units) > 2
    sample = with_units.first()
    assert sample.name.startswith(f"{sample.unit}单元")
    assert f"-U{sample.unit}-" in sample.code
    assert Place.objects.filter(kind=PlaceKind.HOUSEHOLD, unit="").exists()  # one-unit blocks
