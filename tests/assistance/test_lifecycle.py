"""A help request's life: each step, who may take it, and each step refused."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from PIL import Image

from shequ.assistance import services
from shequ.assistance.models import EventAction, HelpKind, HelpStatus, HelpTarget, RequestEvent
from shequ.core.errors import ValidationError
from tests.assistance.conftest import open_request

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _actions(request):
    return list(RequestEvent.objects.filter(request=request).values_list("action", flat=True))


def test_a_request_goes_from_new_to_confirmed_with_who_and_when_at_each_step(personas, city):
    request = open_request(personas.staff_a, city.ha1)
    assert request.status == HelpStatus.NEW
    assert request.community == city.a
    assert request.building == city.ka1
    services.help_claim(actor=personas.cadre, request=request)
    services.help_set_off(actor=personas.cadre, request=request)
    services.help_deliver(actor=personas.cadre, request=request, note="放门口")
    services.help_confirm(actor=personas.staff_a, request=request)
    request.refresh_from_db()
    assert request.status == HelpStatus.CONFIRMED
    assert request.claimed_by == personas.cadre
    assert request.claimed_at <= request.set_off_at <= request.delivered_at <= request.ended_at
    events = list(RequestEvent.objects.filter(request=request).order_by("at", "id"))
    assert [(e.from_status, e.to_status) for e in events] == [
        ("", "new"),
        ("new", "claimed"),
        ("claimed", "on_the_way"),
        ("on_the_way", "delivered"),
        ("delivered", "confirmed"),
    ]
    assert [e.by for e in events] == [personas.staff_a] + [personas.cadre] * 3 + [personas.staff_a]
    assert events[3].note == "放门口"


def test_a_medical_request_is_due_in_two_hours_and_medicine_in_twelve(personas, city):
    medical = open_request(personas.staff_a, city.ha1, HelpKind.MEDICAL)
    medicine = open_request(personas.staff_a, city.ha1, HelpKind.MEDICINE)
    water = open_request(personas.staff_a, city.ha1, HelpKind.WATER, urgent=True)
    assert medical.due_at - medical.created_at == dt.timedelta(hours=2)
    assert medicine.due_at - medicine.created_at == dt.timedelta(hours=12)
    assert water.due_at - water.created_at == dt.timedelta(hours=2)  # marked urgent


def test_a_city_sets_its_own_target_time(personas, city):
    HelpTarget.objects.create(city=city.c, kind=HelpKind.FOOD, hours=8)
    food = open_request(personas.staff_a, city.ha1, HelpKind.FOOD)
    assert food.due_at - food.created_at == dt.timedelta(hours=8)


def test_a_cadre_opens_a_request_at_the_door_of_their_community_only(personas, city):
    at_door = open_request(personas.cadre, city.ha1, channel="door")
    assert at_door.created_by == personas.cadre
    with pytest.raises(PermissionDenied):
        open_request(personas.cadre, city.hb1)
    with pytest.raises(PermissionDenied):
        open_request(personas.street, city.ha1)  # the street sees, does not open


def test_bad_input_names_each_field(personas, city):
    with pytest.raises(ValidationError) as caught:
        services.help_open(
            actor=personas.staff_a,
            household=city.ka1,
            kind="beer",
            details=" ",
            channel="pigeon",
        )
    assert set(caught.value.errors) == {"household", "kind", "details", "channel"}
    with pytest.raises(ValidationError) as caught:
        open_request(personas.staff_a, city.ha1, details="x" * 501)
    assert "500" in caught.value.errors["details"]


def test_a_second_claim_is_refused_naming_who_has_it(personas, city, helpers):
    request = open_request(personas.staff_a, city.ha1)
    services.help_claim(actor=personas.cadre, request=request)
    with pytest.raises(ValidationError) as caught:
        services.help_claim(actor=helpers.cadre2, request=request)
    assert caught.value.errors["status"] == "Already claimed by cadre."
    request.refresh_from_db()
    assert request.claimed_by == personas.cadre


def test_a_cadre_of_another_community_may_not_claim(personas, city, helpers):
    request = open_request(personas.staff_a, city.ha1)
    with pytest.raises(PermissionDenied):
        services.help_claim(actor=helpers.cadre_b, request=request)
    request.refresh_from_db()
    assert request.status == HelpStatus.NEW


def test_only_the_claimer_sets_off_and_delivers(personas, city, helpers):
    request = open_request(personas.staff_a, city.ha1)
    services.help_claim(actor=personas.cadre, request=request)
    with pytest.raises(PermissionDenied):
        services.help_set_off(actor=helpers.cadre2, request=request)
    with pytest.raises(PermissionDenied):
        services.help_deliver(actor=helpers.volunteer, request=request)
    request.refresh_from_db()
    assert request.status == HelpStatus.CLAIMED


def test_steps_out_of_order_are_refused_with_the_state_now(personas, city):
    request = open_request(personas.staff_a, city.ha1)
    with pytest.raises(ValidationError) as caught:
        services.help_confirm(actor=personas.staff_a, request=request)
    assert "This request is New" in caught.value.errors["status"]
    services.help_claim(actor=personas.cadre, request=request)
    services.help_deliver(actor=personas.cadre, request=request)
    with pytest.raises(ValidationError):
        services.help_set_off(actor=personas.cadre, request=request)
    with pytest.raises(ValidationError):
        services.help_cancel(actor=personas.staff_a, request=request)  # already delivered
    services.help_confirm(actor=personas.staff_a, request=request)
    with pytest.raises(ValidationError):
        services.help_close(actor=personas.staff_a, request=request, reason="重复")
    request.refresh_from_db()
    assert request.status == HelpStatus.CONFIRMED


def test_a_cadre_may_not_confirm_or_close(personas, city):
    request = open_request(personas.staff_a, city.ha1)
    services.help_claim(actor=personas.cadre, request=request)
    services.help_deliver(actor=personas.cadre, request=request)
    with pytest.raises(PermissionDenied):
        services.help_confirm(actor=personas.cadre, request=request)
    with pytest.raises(PermissionDenied):
        services.help_close(actor=personas.cadre, request=request, reason="x")


def test_staff_close_with_a_reason_and_not_without(personas, city):
    request = open_request(personas.staff_a, city.ha1)
    with pytest.raises(ValidationError) as caught:
        services.help_close(actor=personas.staff_a, request=request, reason="  ")
    assert "reason" in caught.value.errors
    services.help_close(actor=personas.staff_a, request=request, reason="家属已送到")
    request.refresh_from_db()
    assert (request.status, request.end_reason) == (HelpStatus.CLOSED, "家属已送到")


def test_the_opener_cancels_their_own_request_others_may_not(personas, city, helpers):
    mine = open_request(personas.cadre, city.ha1, channel="door")
    with pytest.raises(PermissionDenied):
        services.help_cancel(actor=helpers.cadre2, request=mine)
    services.help_cancel(actor=personas.cadre, request=mine, reason="不需要了")
    mine.refresh_from_db()
    assert mine.status == HelpStatus.CANCELLED
    with pytest.raises(ValidationError):
        services.help_claim(actor=helpers.cadre2, request=mine)


def test_the_claimer_gives_a_request_back_to_the_queue(personas, city, helpers):
    request = open_request(personas.staff_a, city.ha1)
    services.help_claim(actor=personas.cadre, request=request)
    with pytest.raises(PermissionDenied):
        services.help_release(actor=helpers.cadre2, request=request)
    services.help_release(actor=personas.cadre, request=request, note="走不开")
    request.refresh_from_db()
    assert (request.status, request.claimed_by) == (HelpStatus.NEW, None)
    services.help_claim(actor=helpers.cadre2, request=request)
    assert _actions(request)[-2:] == [EventAction.RELEASED, EventAction.CLAIMED]


def _png() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, "PNG")
    out.seek(0)
    return out


def test_a_purchase_keeps_amount_payer_receipt_and_repayment(personas, city, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    from shequ.assistance.receipts import read_receipt

    request = open_request(personas.staff_a, city.ha1, HelpKind.MEDICINE)
    services.help_claim(actor=personas.cadre, request=request)
    photo = _png()
    services.purchase_record(
        actor=personas.cadre, request=request, amount=Decimal("36.50"), receipt=photo
    )
    request.refresh_from_db()
    assert (request.amount, request.paid_by, request.receipt_type) == (
        Decimal("36.50"),
        personas.cadre,
        "image/png",
    )
    assert read_receipt(request.pk, request.receipt_path) == photo.getvalue()
    assert b"PNG" not in (tmp_path / "receipts" / request.receipt_path).read_bytes()  # sealed
    services.repaid_mark(actor=personas.staff_a, request=request)
    with pytest.raises(ValidationError):
        services.repaid_mark(actor=personas.staff_a, request=request)
    request.refresh_from_db()
    assert request.repaid_at is not None


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "empty"), (b"%PDF-1.4 not a photo", "JPEG, PNG or WebP")],
)
def test_a_receipt_that_is_no_photo_is_refused(personas, city, settings, tmp_path, data, message):
    settings.VAR_DIR = tmp_path
    request = open_request(personas.staff_a, city.ha1)
    services.help_claim(actor=personas.cadre, request=request)
    with pytest.raises(ValidationError) as caught:
        services.purchase_record(
            actor=personas.cadre, request=request, amount=Decimal(5), receipt=io.BytesIO(data)
        )
    assert message in caught.value.errors["receipt"]
    request.refresh_from_db()
    assert request.amount is None


def test_a_receipt_over_the_cap_is_refused(personas, city, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    request = open_request(personas.staff_a, city.ha1)
    services.help_claim(actor=personas.cadre, request=request)
    big = io.BytesIO(b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024 + 10))
    with pytest.raises(ValidationError) as caught:
        services.purchase_record(
            actor=personas.cadre, request=request, amount=Decimal(5), receipt=big
        )
    assert "5 MB" in caught.value.errors["receipt"]


@pytest.mark.parametrize("amount", [Decimal(0), Decimal(-3), Decimal(100000)])
def test_an_amount_out_of_range_is_refused(personas, city, amount):
    request = open_request(personas.staff_a, city.ha1)
    services.help_claim(actor=personas.cadre, request=request)
    with pytest.raises(ValidationError) as caught:
        services.purchase_record(actor=personas.cadre, request=request, amount=amount)
    assert "amount" in caught.value.errors


def test_staff_mark_a_request_for_the_supplies_ledger(personas, city):
    request = open_request(personas.staff_a, city.ha1)
    services.ledger_mark(actor=personas.staff_a, request=request, for_ledger=True)
    request.refresh_from_db()
    assert request.for_ledger
    with pytest.raises(PermissionDenied):
        services.ledger_mark(actor=personas.cadre, request=request, for_ledger=False)


@pytest.mark.parametrize(
    ("step", "who"),
    [
        ("help_release", "cadre"),
        ("help_set_off", "cadre"),
        ("help_deliver", "cadre"),
        ("help_confirm", "staff_a"),
    ],
)
def test_steps_on_a_new_request_are_refused(personas, city, step, who):
    request = open_request(personas.staff_a, city.ha1)
    with pytest.raises((ValidationError, PermissionDenied)):
        getattr(services, step)(actor=getattr(personas, who), request=request)
    request.refresh_from_db()
    assert request.status == HelpStatus.NEW
    assert _actions(request) == [EventAction.CREATED]


@pytest.mark.parametrize("step", ["help_claim", "help_cancel", "help_release"])
def test_nothing_moves_a_cancelled_request(personas, city, step):
    request = open_request(personas.staff_a, city.ha1)
    services.help_cancel(actor=personas.staff_a, request=request)
    with pytest.raises(ValidationError) as caught:
        getattr(services, step)(actor=personas.staff_a, request=request)
    assert "Cancelled" in caught.value.errors["status"]
