"""The enlistment state machine: sign up, report in (single and batch), release, refusals."""

from __future__ import annotations

import uuid

import pytest
from django.utils import translation

from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.models import AuditEvent
from shequ.mobilization import services
from shequ.mobilization.models import (
    Enlistment,
    EnlistmentState,
    Fitness,
    Posting,
    ReportInEvent,
    StaffKind,
    Vetting,
)
from tests.conftest import make_user
from tests.mobilization.conftest import make_staff


def report_in_item(token: str, **kw) -> dict:
    """A report-in as a gate phone sends it."""
    return {"client_uuid": str(uuid.uuid4()), "token": token, **kw}


def test_community_staff_confirm_an_arrival(personas, city, mob):
    e = services.report_in(actor=personas.staff_a, enlistment=mob.e["甲一"])
    assert e.state == EnlistmentState.REPORTED_IN
    assert e.community == city.a
    assert e.reported_by == personas.staff_a
    assert Posting.objects.get(staff=mob.a1, ends_at__isnull=True).place == city.a
    assert AuditEvent.objects.filter(action="mobilization.enlistment.report_in").count() == 1


def test_a_second_report_in_gives_the_same_answer_and_writes_nothing_new(personas, mob):
    first = services.report_in(actor=personas.staff_a, enlistment=mob.e["甲一"])
    again = services.report_in(actor=personas.staff_a, enlistment=mob.e["甲一"])
    assert again.state == first.state == EnlistmentState.REPORTED_IN
    assert again.reported_at == first.reported_at
    assert Posting.objects.filter(staff=mob.a1).count() == 1
    assert AuditEvent.objects.filter(action="mobilization.enlistment.report_in").count() == 1


def test_no_report_in_after_the_order_is_closed(personas, mob):
    services.order_close(actor=personas.hq, order=mob.order)
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.report_in(actor=personas.staff_a, enlistment=mob.e["甲一"])
    assert "closed" in exc.value.errors["enlistment"]
    assert Enlistment.objects.get(pk=mob.e["甲一"].pk).state == EnlistmentState.SIGNED_UP


def test_nobody_reports_in_to_two_communities_at_once(personas, city, mob):
    services.report_in(actor=personas.staff_a, enlistment=mob.e["甲一"])
    second_order = services.order_issue(
        actor=personas.hq, title="第二次", scope=city.c, deadline=mob.order.deadline
    )
    [e2] = services.enlist(actor=personas.coordinator, order=second_order, staff=[mob.a1])
    with pytest.raises(ValidationError):
        services.report_in(actor=personas.staff_b, enlistment=e2, community=city.b)
    assert Enlistment.objects.filter(staff=mob.a1, state=EnlistmentState.REPORTED_IN).count() == 1


@pytest.mark.parametrize("fitness", [Fitness.UNWELL, Fitness.ISOLATED])
def test_someone_not_fit_for_duty_is_refused(personas, mob, fitness):
    mob.a1.fitness = fitness
    mob.a1.save()
    with pytest.raises(ValidationError):
        services.report_in(actor=personas.staff_a, enlistment=mob.e["甲一"])
    assert not Posting.objects.exists()


def test_an_unvetted_volunteer_is_refused(personas, city, mob):
    volunteer = make_staff(None, None, city.a, "志愿者", kind=StaffKind.VOLUNTEER)
    assert volunteer.vetting == Vetting.PENDING
    [e] = services.enlist(actor=personas.hq, order=mob.order, staff=[volunteer])
    with pytest.raises(ValidationError):
        services.report_in(actor=personas.staff_a, enlistment=e)
    services.volunteer_vet(actor=personas.staff_a, volunteer=volunteer, approve=True)
    e.refresh_from_db()
    assert services.report_in(actor=personas.staff_a, enlistment=e).state == "reported_in"


def test_another_community_cannot_check_someone_in(personas, mob):
    [result] = services.report_in_batch(
        actor=personas.staff_b, items=[report_in_item(mob.e["甲一"].token)]
    )
    assert (result.status, result.field) == (services.REJECTED, "community_id")
    assert Enlistment.objects.get(pk=mob.e["甲一"].pk).state == EnlistmentState.SIGNED_UP


def test_release_ends_the_posting_and_frees_the_person(personas, city, mob):
    e = services.report_in(actor=personas.staff_a, enlistment=mob.e["甲一"])
    services.release(actor=personas.staff_a, enlistment=e)
    assert Enlistment.objects.get(pk=e.pk).state == EnlistmentState.RELEASED
    assert Posting.objects.get(staff=mob.a1).ends_at is not None
    with pytest.raises(ValidationError):  # released under this order: no coming back to it
        services.report_in(actor=personas.staff_a, enlistment=Enlistment.objects.get(pk=e.pk))


def test_the_batch_answers_each_item_and_a_resent_uuid_once(personas, mob):
    items = [
        report_in_item(mob.e["甲一"].token),
        report_in_item("no-such-token"),
        report_in_item(mob.e["乙一"].token),  # lives in B: not staff_a's to check in
    ]
    results = services.report_in_batch(actor=personas.staff_a, items=items)
    assert [r.status for r in results] == ["created", "rejected", "rejected"]
    assert [r.field for r in results] == ["", "token", "community_id"]
    assert all(r.message for r in results[1:])
    assert results[0].id == mob.e["甲一"].pk
    # Sent again: the first answers back, a refusal stays a refusal (with its field).
    again = services.report_in_batch(actor=personas.staff_a, items=items)
    assert [r.status for r in again] == ["duplicate", "rejected", "rejected"]
    assert [(r.field, r.message) for r in again[1:]] == [(r.field, r.message) for r in results[1:]]
    assert ReportInEvent.objects.filter(client_uuid=items[0]["client_uuid"]).count() == 1
    assert ReportInEvent.objects.count() == 3


def test_the_same_uuid_twice_in_one_batch_is_one_event(personas, mob):
    item = report_in_item(mob.e["甲一"].token)
    results = services.report_in_batch(actor=personas.staff_a, items=[item, dict(item)])
    assert [r.status for r in results] == ["created", "duplicate"]
    assert ReportInEvent.objects.filter(client_uuid=item["client_uuid"]).count() == 1


def test_a_coordinator_may_enlist_only_their_own_staff(personas, mob):
    with pytest.raises(PermissionDenied):
        services.enlist(actor=personas.coordinator, order=mob.order, staff=[mob.x1])


def test_enlisting_twice_changes_nothing(personas, mob):
    before = Enlistment.objects.count()
    assert services.enlist(actor=personas.coordinator, order=mob.order, staff=[mob.a1]) == []
    assert Enlistment.objects.count() == before


def test_the_cadre_signs_up_from_notified(personas, city, mob):
    user = make_user("a9", None)
    staff = make_staff(personas.coordinator, mob.agency, city.a, "甲九")
    staff.user = user
    staff.save()
    [e] = services.enlist(
        actor=personas.coordinator, order=mob.order, staff=[staff], signed_up=False
    )
    assert e.state == EnlistmentState.NOTIFIED
    assert services.sign_up(actor=user, enlistment=e).state == EnlistmentState.SIGNED_UP
    with pytest.raises(PermissionDenied):
        services.sign_up(actor=personas.staff_a, enlistment=e)


def test_staff_registration_refuses_bad_input_naming_fields(personas, mob, city):
    with pytest.raises(ValidationError) as exc:
        make_staff(personas.coordinator, mob.agency, city.a, "", id_number="123", birth_year=1900)
    assert {"name", "id_number", "birth_year"} <= set(exc.value.errors)
    with pytest.raises(ValidationError) as exc:
        make_staff(personas.coordinator, mob.agency, city.a, "重复", id_number=mob.a1.id_number)
    assert "id_number" in exc.value.errors
    with pytest.raises(PermissionDenied):
        make_staff(personas.coordinator, mob.other, city.a, "别家")


def test_moving_people_between_communities_keeps_history(personas, city, mob):
    e1 = services.report_in(actor=personas.hq, enlistment=mob.e["甲一"])
    # Moving to the community they are already in moves nobody.
    assert services.redistribute(actor=personas.street, enlistments=[e1], to_community=city.a) == []
    # S1's officer covers A only: moving into B (street S2) is refused.
    with pytest.raises(PermissionDenied):
        services.redistribute(actor=personas.street, enlistments=[e1], to_community=city.b)
    services.redistribute(actor=personas.district, enlistments=[e1], to_community=city.b)
    assert Enlistment.objects.get(pk=e1.pk).community == city.b
    places = list(Posting.objects.filter(staff=mob.a1).order_by("starts_at", "id"))
    assert [p.place for p in places] == [city.a, city.b]
    assert places[0].ends_at is not None
    assert places[1].ends_at is None
    assert AuditEvent.objects.filter(action="mobilization.enlistment.move").count() == 1


def test_a_move_taking_anyone_from_outside_ones_places_moves_nobody(personas, city, mob):
    a = services.report_in(actor=personas.hq, enlistment=mob.e["甲一"])
    b = services.report_in(actor=personas.hq, enlistment=mob.e["乙一"])
    # S1's officer covers A (and the destination) but not B, where 乙一 is on duty.
    with pytest.raises(PermissionDenied):
        services.redistribute(actor=personas.street, enlistments=[a, b], to_community=city.a)
    assert Enlistment.objects.get(pk=b.pk).community == city.b
    assert not AuditEvent.objects.filter(action="mobilization.enlistment.move").exists()
