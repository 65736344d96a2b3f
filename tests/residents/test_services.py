"""Writes to the registry: create, update, move, health status — validated, scoped, audited."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.utils import timezone

from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.models import AuditEvent
from shequ.residents import services
from shequ.residents.models import HealthStatus, Resident, StatusPeriod, Tag
from tests.residents.factories import ResidentFactory, id_number, phone

NUMBER = id_number(dt.date(1980, 5, 17), seq=13)
PHONE = phone(1)


def _create(actor, household, **kw):
    values = {
        "name": "张三",
        "document_number": NUMBER,
        "birth_date": dt.date(1980, 5, 17),
        "gender": "male",
        "phone": PHONE,
        "tags": [Tag.ELDERLY_ALONE],
        **kw,
    }
    return services.resident_create(actor=actor, household=household, **values)


def _raw_row(resident: Resident) -> tuple:
    table = connection.ops.quote_name(Resident._meta.db_table)
    sql = f"SELECT document_number, phone, name FROM {table} WHERE id = %s"  # noqa: S608 - no input
    with connection.cursor() as cursor:
        cursor.execute(sql, [resident.pk])
        return cursor.fetchone()


# --- create -----------------------------------------------------------------------------------


def test_creating_a_resident_registers_them_with_one_audit_row(personas, city):
    resident = _create(personas.staff_a, city.ha1)
    fresh = Resident.objects.get(pk=resident.pk)
    assert fresh.name == "张三"
    assert fresh.document_number == NUMBER
    assert fresh.phone == PHONE
    assert fresh.tag_list == [Tag.ELDERLY_ALONE]
    assert fresh.health_status == HealthStatus.NORMAL
    events = AuditEvent.objects.filter(action="residents.resident.create")
    assert events.count() == 1
    event = events.get()
    assert event.actor == personas.staff_a
    assert event.object_id == str(resident.pk)
    assert event.place == city.ha1
    assert NUMBER not in json.dumps(event.changes)


def test_id_number_and_phone_are_encrypted_in_the_database(personas, city):
    resident = _create(personas.staff_a, city.ha1)
    stored_number, stored_phone, stored_name = _raw_row(resident)
    assert stored_name == "张三"
    assert NUMBER not in stored_number
    assert PHONE not in stored_phone
    assert stored_number.startswith("v1:")
    assert stored_phone.startswith("v1:")


def test_a_second_resident_with_the_same_document_is_refused(personas, city):
    _create(personas.staff_a, city.ha1)
    with pytest.raises(ValidationError) as exc:
        _create(personas.staff_a, city.ha2, name="李四", phone=phone(2))
    assert set(exc.value.errors) == {"document_number"}
    assert Resident.objects.count() == 1


def test_the_same_document_in_lower_case_or_with_spaces_is_still_a_duplicate(personas, city):
    number = next(
        id_number(dt.date(1980, 5, 17), seq=s)
        for s in range(1000)
        if id_number(dt.date(1980, 5, 17), seq=s).endswith("X")
    )
    _create(personas.staff_a, city.ha1, document_number=number)
    spaced = f"{number[:6]} {number[6:14]} {number[14:].lower()}"
    with pytest.raises(ValidationError) as exc:
        _create(personas.staff_a, city.ha2, name="李四", document_number=spaced)
    assert "document_number" in exc.value.errors


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", ""),
        ("name", "   "),
        ("name", "名" * 51),
        ("gender", "unknown"),
        ("birth_date", dt.date(1899, 12, 31)),
        ("document_type", "driving_licence"),
        ("document_number", ""),
        ("document_number", "629999800517013"),
        ("phone", "12345"),
        ("phone", "0101234567"),
        ("relation", "cousin"),
        ("occupancy", "squatter"),
        ("tags", ["vip"]),
        ("notes", "x" * 501),
    ],
)
def test_bad_input_names_its_field_and_writes_nothing(personas, city, field, value):
    with pytest.raises(ValidationError) as exc:
        _create(personas.staff_a, city.ha1, **{field: value})
    assert field in exc.value.errors
    assert exc.value.errors[field]
    assert not Resident.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="residents.").exists()


def test_a_birth_date_that_disagrees_with_the_id_number_is_refused(personas, city):
    with pytest.raises(ValidationError) as exc:
        _create(personas.staff_a, city.ha1, birth_date=dt.date(1980, 5, 18))
    assert set(exc.value.errors) == {"document_number"}
    assert not Resident.objects.exists()


def test_a_passport_needs_letters_and_digits_only(personas, city):
    with pytest.raises(ValidationError) as exc:
        _create(personas.staff_a, city.ha1, document_type="passport", document_number="E1-2")
    assert "document_number" in exc.value.errors
    resident = _create(
        personas.staff_a, city.ha1, document_type="passport", document_number="e1234567"
    )
    assert Resident.objects.get(pk=resident.pk).document_number == "E1234567"


def test_residents_live_in_households_not_buildings(personas, city):
    with pytest.raises(ValidationError) as exc:
        _create(personas.staff_a, city.ka1)
    assert "household" in exc.value.errors
    assert not Resident.objects.exists()


@pytest.mark.parametrize("who", ["staff_b", "cadre", "district", "other_street", "outsider"])
def test_only_users_covering_the_household_may_register_there(personas, city, who):
    with pytest.raises(PermissionDenied):
        _create(getattr(personas, who), city.ha1)
    assert not Resident.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="residents.").exists()


def test_the_street_officer_and_hq_may_register_residents(personas, city):
    _create(personas.street, city.ha1)
    _create(personas.hq, city.hb1, name="李四", document_number=id_number(seq=24))
    assert Resident.objects.count() == 2


# --- update -----------------------------------------------------------------------------------


def test_an_update_changes_only_the_given_fields_and_audits_the_diff(personas, city):
    resident = _create(personas.staff_a, city.ha1)
    new_number = id_number(dt.date(1980, 5, 17), seq=15)
    services.resident_update(
        actor=personas.staff_a,
        resident=resident,
        notes="每周送药",
        document_number=new_number,
        phone=phone(9),
    )
    fresh = Resident.objects.get(pk=resident.pk)
    assert fresh.notes == "每周送药"
    assert fresh.document_number == new_number
    assert fresh.phone == phone(9)
    assert fresh.name == "张三"
    assert fresh.tag_list == [Tag.ELDERLY_ALONE]
    event = AuditEvent.objects.get(action="residents.resident.update")
    assert set(event.changes) == {"notes", "document_number", "phone"}
    assert event.changes["notes"] == ["", "每周送药"]
    dumped = json.dumps(event.changes, ensure_ascii=False)
    for plain in (NUMBER, new_number, PHONE, phone(9)):
        assert plain not in dumped
    old_shown, new_shown = event.changes["document_number"]
    assert "*" in old_shown
    assert "*" in new_shown
    assert old_shown != new_shown


def test_an_update_that_changes_nothing_writes_no_audit_row(personas, city):
    resident = _create(personas.staff_a, city.ha1)
    services.resident_update(
        actor=personas.staff_a,
        resident=resident,
        name="  张三 ",
        document_number=NUMBER.lower(),
        phone=f"+86 {PHONE[:3]}-{PHONE[3:7]}-{PHONE[7:]}",
    )
    assert not AuditEvent.objects.filter(action="residents.resident.update").exists()


def test_the_same_tags_in_another_order_are_not_a_change(personas, city):
    resident = _create(personas.staff_a, city.ha1, tags=[Tag.ELDERLY_ALONE, Tag.DISABLED])
    services.resident_update(
        actor=personas.staff_a, resident=resident, tags=[Tag.DISABLED, Tag.ELDERLY_ALONE]
    )
    assert not AuditEvent.objects.filter(action="residents.resident.update").exists()


def test_an_update_to_another_residents_document_is_refused(personas, city):
    _create(personas.staff_a, city.ha1)
    other = _create(personas.staff_a, city.ha2, name="李四", document_number=id_number(seq=24))
    with pytest.raises(ValidationError) as exc:
        services.resident_update(actor=personas.staff_a, resident=other, document_number=NUMBER)
    assert set(exc.value.errors) == {"document_number"}
    assert Resident.objects.get(pk=other.pk).document_number == id_number(seq=24)


def test_an_update_with_bad_values_names_every_field_and_saves_nothing(personas, city):
    resident = _create(personas.staff_a, city.ha1)
    with pytest.raises(ValidationError) as exc:
        services.resident_update(
            actor=personas.staff_a, resident=resident, name="", phone="123", gender="x"
        )
    assert {"name", "phone", "gender"} <= set(exc.value.errors)
    assert Resident.objects.get(pk=resident.pk).name == "张三"


def test_fields_outside_the_form_cannot_be_updated(personas, city):
    resident = _create(personas.staff_a, city.ha1)
    with pytest.raises(ValidationError) as exc:
        services.resident_update(
            actor=personas.staff_a, resident=resident, health_status="hospital"
        )
    assert "health_status" in exc.value.errors
    assert Resident.objects.get(pk=resident.pk).health_status == HealthStatus.NORMAL


@pytest.mark.parametrize("who", ["staff_b", "cadre", "district", "other_street"])
def test_only_users_covering_the_resident_may_update(personas, city, who):
    resident = _create(personas.staff_a, city.ha1)
    with pytest.raises(PermissionDenied):
        services.resident_update(actor=getattr(personas, who), resident=resident, notes="x")
    assert Resident.objects.get(pk=resident.pk).notes == ""


# --- move -------------------------------------------------------------------------------------


def test_moving_a_resident_within_the_community_is_audited(personas, city):
    resident = _create(personas.staff_a, city.ha1)
    services.resident_move(actor=personas.staff_a, resident=resident, household=city.ha2)
    assert Resident.objects.get(pk=resident.pk).household == city.ha2
    event = AuditEvent.objects.get(action="residents.resident.move")
    assert event.changes == {"household": ["KA-1-101", "KA-1-102"]}


def test_moving_into_another_community_needs_both_households_in_scope(personas, city):
    resident = _create(personas.staff_a, city.ha1)
    with pytest.raises(PermissionDenied):
        services.resident_move(actor=personas.staff_a, resident=resident, household=city.hb1)
    assert Resident.objects.get(pk=resident.pk).household == city.ha1


def test_moving_out_of_a_community_the_actor_does_not_cover_is_refused(personas, city):
    resident = _create(personas.staff_a, city.ha1)
    with pytest.raises(PermissionDenied):
        services.resident_move(actor=personas.staff_b, resident=resident, household=city.hb1)
    assert Resident.objects.get(pk=resident.pk).household == city.ha1
    assert not AuditEvent.objects.filter(action="residents.resident.move").exists()


def test_hq_covers_both_communities_and_may_move_between_them(personas, city):
    resident = _create(personas.staff_a, city.ha1)
    services.resident_move(actor=personas.hq, resident=resident, household=city.hb1)
    assert Resident.objects.get(pk=resident.pk).household == city.hb1


def test_moving_into_the_same_household_or_a_building_is_refused(personas, city):
    resident = _create(personas.staff_a, city.ha1)
    with pytest.raises(ValidationError) as same:
        services.resident_move(actor=personas.staff_a, resident=resident, household=city.ha1)
    assert "household" in same.value.errors
    with pytest.raises(ValidationError) as building:
        services.resident_move(actor=personas.staff_a, resident=resident, household=city.ka2)
    assert "household" in building.value.errors
    assert not AuditEvent.objects.filter(action="residents.resident.move").exists()


# --- health status ----------------------------------------------------------------------------


def test_a_new_status_closes_the_previous_period_at_its_start_and_keeps_history(personas, city):
    resident = _create(personas.staff_a, city.ha1)
    t1 = timezone.now() - dt.timedelta(days=10)
    t2 = timezone.now() - dt.timedelta(days=3)
    first = services.resident_set_status(
        actor=personas.staff_a,
        resident=resident,
        status=HealthStatus.HOME_ISOLATION,
        starts_at=t1,
        planned_end=(t1 + dt.timedelta(days=7)).date(),
        reason="密接",
    )
    second = services.resident_set_status(
        actor=personas.street, resident=resident, status=HealthStatus.HOME_MONITORING, starts_at=t2
    )
    first.refresh_from_db()
    assert first.ended_at == t2
    assert second.ended_at is None
    assert second.set_by == personas.street
    assert Resident.objects.get(pk=resident.pk).health_status == HealthStatus.HOME_MONITORING
    history = list(resident.status_periods.values_list("status", "reason"))
    assert history == [(HealthStatus.HOME_MONITORING, ""), (HealthStatus.HOME_ISOLATION, "密接")]
    assert StatusPeriod.objects.filter(resident=resident, ended_at__isnull=True).count() == 1
    events = AuditEvent.objects.filter(action="residents.resident.status")
    assert events.count() == 2
    assert events.first().changes["health_status"] == ["home_isolation", "home_monitoring"]


def test_back_to_normal_is_a_period_of_its_own(personas, city):
    resident = _create(personas.staff_a, city.ha1)
    start = timezone.now() - dt.timedelta(days=5)
    services.resident_set_status(
        actor=personas.staff_a, resident=resident, status="hospital", starts_at=start
    )
    services.resident_set_status(actor=personas.staff_a, resident=resident, status="normal")
    statuses = list(resident.status_periods.values_list("status", flat=True))
    assert statuses == ["normal", "hospital"]
    assert Resident.objects.get(pk=resident.pk).health_status == HealthStatus.NORMAL


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"status": "quarantine-ish"}, "status"),
        ({"status": "normal"}, "status"),
        ({"status": "hospital", "planned_end": dt.date(2000, 1, 1)}, "planned_end"),
        ({"status": "hospital", "reason": "x" * 201}, "reason"),
    ],
)
def test_a_bad_status_change_names_its_field_and_changes_nothing(personas, city, kwargs, field):
    resident = _create(personas.staff_a, city.ha1)
    with pytest.raises(ValidationError) as exc:
        services.resident_set_status(actor=personas.staff_a, resident=resident, **kwargs)
    assert field in exc.value.errors
    assert not StatusPeriod.objects.exists()
    assert Resident.objects.get(pk=resident.pk).health_status == HealthStatus.NORMAL


def test_a_status_cannot_start_before_the_current_one(personas, city):
    resident = _create(personas.staff_a, city.ha1)
    now = timezone.now()
    services.resident_set_status(
        actor=personas.staff_a, resident=resident, status="close_contact", starts_at=now
    )
    with pytest.raises(ValidationError) as exc:
        services.resident_set_status(
            actor=personas.staff_a,
            resident=resident,
            status="central_isolation",
            starts_at=now - dt.timedelta(hours=1),
        )
    assert "starts_at" in exc.value.errors
    assert StatusPeriod.objects.get().ended_at is None
    assert Resident.objects.get(pk=resident.pk).health_status == "close_contact"


@pytest.mark.parametrize("who", ["staff_b", "cadre", "district", "other_street", "outsider"])
def test_only_users_covering_the_resident_may_set_a_status(personas, city, who):
    resident = _create(personas.staff_a, city.ha1)
    with pytest.raises(PermissionDenied):
        services.resident_set_status(
            actor=getattr(personas, who), resident=resident, status="home_isolation"
        )
    assert not StatusPeriod.objects.exists()


def test_a_factory_resident_can_be_found_by_its_number(city):
    # The factory goes through the model, so its blind index is filled like the service's.
    resident = ResidentFactory(household=city.ha1)
    from shequ.core import pii

    digest = pii.blind_index(resident.document_number, kind="document")
    assert Resident.objects.get(document_hmac=digest) == resident
