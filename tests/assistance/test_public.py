"""The resident's public help page (/h/<compound>/): a code to a phone the registry holds for
the household, then the household's own requests only; asking for help; confirming delivery."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from shequ.assistance import services
from shequ.assistance.models import Channel, HelpRequest, HelpStatus, RequestEvent
from shequ.core.models import OneTimeCode
from shequ.residents import services as resident_services
from tests.assistance.conftest import open_request
from tests.conftest import last_code
from tests.mobilization.conftest import id_number

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
PHONE = "13900000301"  # registered in KA-1-101
OTHER = "13900000302"  # registered in KA-1-102, same compound
STRANGER = "13900000399"  # not in the registry


@pytest.fixture
def families(personas, city):
    for household, phone, name in ((city.ha1, PHONE, "张阿姨"), (city.ha2, OTHER, "李大爷")):
        resident_services.resident_create(
            actor=personas.hq,
            household=household,
            name=name,
            document_number=id_number(1950),
            phone=phone,
        )
    return city


def en_client() -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def verified(outbox, phone: str = PHONE) -> Client:
    client = en_client()
    client.post("/h/KA/", {"phone": phone, "action": "send"})
    code = last_code(outbox, phone)
    response = client.post("/h/KA/", {"phone": phone, "code": code, "action": "verify"})
    assert response.status_code == 302
    return client


def test_a_resident_verifies_and_asks_for_insulin(families, outbox, city):
    client = verified(outbox)
    page = client.get("/h/KA/")
    assert 'data-testid="ask"' in page.text
    response = client.post(
        "/h/KA/",
        {
            "action": "ask",
            "household": city.ha1.pk,
            "kind": "medicine",
            "details": "胰岛素两盒",
            "urgent": "on",
        },
    )
    assert response.status_code == 302
    created = HelpRequest.objects.get()
    assert (created.household, created.channel, created.urgent) == (
        city.ha1,
        Channel.RESIDENT,
        True,
    )
    assert created.created_by is None
    assert created.community == city.a
    assert "胰岛素两盒" in client.get("/h/KA/").text


def test_the_answer_is_the_same_for_an_unknown_phone_and_nothing_is_sent(families, outbox):
    known = en_client().post("/h/KA/", {"phone": PHONE, "action": "send"})
    unknown = en_client().post("/h/KA/", {"phone": STRANGER, "action": "send"})
    assert known.status_code == unknown.status_code == 200
    assert "If this number is registered here" in unknown.text
    assert [t.phone for t in outbox] == [PHONE]


def test_a_wrong_code_is_refused_and_shows_no_requests(families, outbox, city, personas):
    open_request(personas.staff_a, city.ha1, details="两桶水")
    client = en_client()
    client.post("/h/KA/", {"phone": PHONE, "action": "send"})
    code = last_code(outbox, PHONE)
    wrong = "000000" if code != "000000" else "111111"
    response = client.post("/h/KA/", {"phone": PHONE, "code": wrong, "action": "verify"})
    assert response.status_code == 400
    assert "Wrong code" in response.text
    assert "两桶水" not in response.text
    assert "shequ_help" not in response.cookies


def test_a_code_for_a_phone_not_in_the_household_lets_no_one_in(families, outbox):
    client = en_client()
    client.post("/h/KA/", {"phone": STRANGER, "action": "send"})
    response = client.post("/h/KA/", {"phone": STRANGER, "code": "123456", "action": "verify"})
    assert response.status_code == 400
    assert "No code was sent" in response.text
    assert 'data-testid="ask"' not in client.get("/h/KA/").text


def test_a_phone_of_another_compound_gets_no_code_here(families, outbox, personas, city):
    resident_services.resident_create(
        actor=personas.hq,
        household=city.hb1,
        name="王叔",
        document_number=id_number(1960),
        phone="13900000303",
    )
    en_client().post("/h/KA/", {"phone": "13900000303", "action": "send"})
    assert outbox == []


def test_codes_are_rate_limited_per_phone(families, outbox):
    client = en_client()
    assert client.post("/h/KA/", {"phone": PHONE, "action": "send"}).status_code == 200
    again = client.post("/h/KA/", {"phone": PHONE, "action": "send"})
    assert again.status_code == 400
    assert "wait" in again.text
    assert OneTimeCode.objects.count() == 1


def test_a_resident_sees_only_their_own_households_requests(families, outbox, city, personas):
    open_request(personas.staff_a, city.ha1, details="我家的水")
    open_request(personas.staff_a, city.ha2, details="邻居的煤气")
    open_request(personas.staff_b, city.hb1, details="别的小区")
    page = verified(outbox).get("/h/KA/")
    assert "我家的水" in page.text
    assert "邻居的煤气" not in page.text
    assert "别的小区" not in page.text


def test_a_resident_cannot_ask_for_another_household(families, outbox, city):
    client = verified(outbox)
    response = client.post(
        "/h/KA/", {"action": "ask", "household": city.ha2.pk, "kind": "water", "details": "水"}
    )
    assert response.status_code == 400
    assert HelpRequest.objects.count() == 0


def test_the_cookie_holds_for_its_compound_only(families, outbox, city):
    client = verified(outbox)
    assert 'data-testid="ask"' not in client.get("/h/KB/").text


def test_a_forged_cookie_is_ignored(families, city):
    client = en_client()
    client.cookies["shequ_help"] = '{"c": 1, "h": [1, 2, 3]}'
    page = client.get("/h/KA/")
    assert 'data-testid="ask"' not in page.text


def test_the_resident_confirms_a_delivery(families, outbox, city, personas):
    request = open_request(personas.staff_a, city.ha1, details="两桶水")
    services.help_claim(actor=personas.cadre, request=request)
    services.help_deliver(actor=personas.cadre, request=request)
    client = verified(outbox)
    assert f'data-testid="confirm-{request.pk}"' in client.get("/h/KA/").text
    response = client.post("/h/KA/", {"action": "confirm", "request": request.pk})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == HelpStatus.CONFIRMED
    event = RequestEvent.objects.filter(request=request).last()
    assert (event.action, event.by) == ("confirmed", None)


def test_a_resident_cannot_confirm_another_households_request(families, outbox, city, personas):
    request = open_request(personas.staff_a, city.ha2, details="邻居")
    services.help_claim(actor=personas.cadre, request=request)
    services.help_deliver(actor=personas.cadre, request=request)
    response = verified(outbox).post("/h/KA/", {"action": "confirm", "request": request.pk})
    assert response.status_code == 404
    request.refresh_from_db()
    assert request.status == HelpStatus.DELIVERED


def test_an_undelivered_request_cannot_be_confirmed(families, outbox, city, personas):
    request = open_request(personas.staff_a, city.ha1)
    response = verified(outbox).post("/h/KA/", {"action": "confirm", "request": request.pk})
    assert response.status_code == 400
    assert "Only a delivered request can be confirmed." in response.text
    request.refresh_from_db()
    assert request.status == HelpStatus.NEW


def test_staff_print_the_compound_poster_and_others_cannot(personas, city, login):
    response = login(personas.staff_a).get(f"/help/poster/{city.ka.pk}/")
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    assert login(personas.staff_a).get(f"/help/poster/{city.kb.pk}/").status_code == 404
