"""A resident volunteers on their community's public page (phone proved by a code), the
community vets them on a page, and an approved volunteer signs in with their phone."""

from __future__ import annotations

import pytest

from shequ.core.models import OneTimeCode
from shequ.mobilization.models import Staff
from tests.conftest import last_code
from tests.mobilization.conftest import id_number

pytestmark = pytest.mark.usefixtures("english")
PHONE = "13900000201"


def _form(**kw):
    data = {
        "name": "王志愿",
        "phone": PHONE,
        "id_number": id_number(1990),
        "skills": ["driving", "medical"],
        "availability": "晚上和周末",
        "organisation": "退役军人",
        "action": "register",
    }
    data.update(kw)
    return data


def _register(client, outbox, **kw) -> object:
    client.post("/v/A/", {"name": "x", "phone": kw.get("phone", PHONE), "action": "send"})
    code = last_code(outbox, kw.get("phone", PHONE))
    return client.post("/v/A/", _form(code=code, **kw))


def test_a_resident_volunteers_and_waits_for_vetting(city, client, outbox):
    page = client.get("/v/A/")
    assert page.status_code == 200
    assert "甲社区" in page.text
    response = _register(client, outbox)
    assert response.status_code == 200
    assert 'data-testid="signup-done"' in response.text
    volunteer = Staff.objects.get(name="王志愿")
    assert volunteer.kind == "volunteer"
    assert volunteer.vetting == "pending"
    assert volunteer.residence_community == city.a
    assert volunteer.skill_list == ["driving", "medical"]
    assert (volunteer.availability, volunteer.organisation) == ("晚上和周末", "退役军人")
    assert volunteer.user.username == PHONE
    assert not volunteer.user.has_usable_password()


def test_a_wrong_id_number_is_named_and_the_input_kept_without_using_the_code(city, client, outbox):
    client.post("/v/A/", {"name": "x", "phone": PHONE, "action": "send"})
    code = last_code(outbox, PHONE)
    bad = client.post("/v/A/", _form(code=code, id_number="629999199001011230"))
    assert bad.status_code == 400
    assert "sq-field-error" in bad.text
    assert 'value="晚上和周末"' in bad.text  # what was typed stays
    assert 'value="王志愿"' in bad.text
    assert OneTimeCode.objects.get().used_at is None  # the code is still good
    assert not Staff.objects.exists()
    good = client.post("/v/A/", _form(code=code))
    assert 'data-testid="signup-done"' in good.text


def test_asking_for_a_code_needs_only_the_phone(city, client, outbox):
    response = client.post("/v/A/", {"phone": PHONE, "action": "send"})
    assert response.status_code == 200
    assert "sq-field-error" not in response.text
    assert "on its way" in response.text
    assert [t.phone for t in outbox] == [PHONE]
    bad = client.post("/v/A/", {"phone": "12345", "action": "send"})
    assert bad.status_code == 400
    assert "11-digit" in bad.text


def test_a_wrong_code_registers_nobody(city, client, outbox):
    client.post("/v/A/", {"name": "x", "phone": PHONE, "action": "send"})
    code = last_code(outbox, PHONE)
    response = client.post("/v/A/", _form(code=f"{(int(code) + 1) % 1000000:06d}"))
    assert response.status_code == 400
    assert "Wrong code" in response.text
    assert not Staff.objects.exists()


def test_the_public_page_says_the_same_for_a_known_phone(personas, city, client, outbox):
    known = client.post("/v/A/", {"name": "x", "phone": "13800000001", "action": "send"})
    unknown = client.post("/v/A/", {"name": "x", "phone": "13900000299", "action": "send"})
    assert known.status_code == unknown.status_code == 200
    note = 'data-testid="code-note">'
    assert known.text.split(note)[1].split("<")[0] == unknown.text.split(note)[1].split("<")[0]


def test_the_public_page_is_rate_limited(city, client, outbox):
    client.post("/v/A/", {"name": "x", "phone": PHONE, "action": "send"})
    again = client.post("/v/A/", {"name": "x", "phone": PHONE, "action": "send"})
    assert again.status_code == 400
    assert "wait" in again.text
    assert len(outbox) == 1


def test_only_communities_have_a_sign_up_page(city, client):
    assert client.get("/v/S1/").status_code == 404
    assert client.get("/v/NOPE/").status_code == 404


def test_the_community_vets_on_a_page_and_the_volunteer_then_signs_in(
    personas, city, client, outbox, login
):
    _register(client, outbox)
    volunteer = Staff.objects.get(name="王志愿")
    # Not yet approved: asking for a sign-in code sends nothing.
    outbox.clear()
    OneTimeCode.objects.all().delete()
    client.post("/login/code/", {"phone": PHONE, "action": "send"})
    assert outbox == []
    # Another community's staff neither see nor vet them.
    other = login(personas.staff_b)
    assert (
        f'data-testid="volunteer-{volunteer.pk}"' not in other.get("/mobilization/volunteers/").text
    )
    refused = other.post(
        "/mobilization/volunteers/", {"volunteer": volunteer.pk, "decision": "approve"}
    )
    assert refused.status_code == 404
    # Their own community does.
    staff = login(personas.staff_a)
    page = staff.get("/mobilization/volunteers/").text
    assert f'data-testid="volunteer-{volunteer.pk}"' in page
    assert "139****0201" in page  # masked
    assert volunteer.id_number not in page
    response = staff.post(
        "/mobilization/volunteers/", {"volunteer": volunteer.pk, "decision": "approve"}
    )
    assert response.status_code == 302
    volunteer.refresh_from_db()
    assert volunteer.vetting == "approved"
    staff.post("/logout/")
    OneTimeCode.objects.all().delete()
    client.post("/login/code/", {"phone": PHONE, "action": "send"})
    signed_in = client.post("/login/code/", {"phone": PHONE, "code": last_code(outbox, PHONE)})
    assert signed_in.status_code == 302
    assert client.get("/").wsgi_request.user == volunteer.user


def test_rejecting_needs_a_reason(personas, city, client, outbox, login):
    _register(client, outbox)
    volunteer = Staff.objects.get(name="王志愿")
    staff = login(personas.staff_a)
    no_reason = staff.post(
        "/mobilization/volunteers/", {"volunteer": volunteer.pk, "decision": "reject"}
    )
    assert no_reason.status_code == 400
    assert "Say why" in no_reason.text
    staff.post(
        "/mobilization/volunteers/",
        {"volunteer": volunteer.pk, "decision": "reject", "reason": "不在本社区居住"},
    )
    volunteer.refresh_from_db()
    assert (volunteer.vetting, volunteer.vetting_note) == ("rejected", "不在本社区居住")


def test_community_staff_print_their_poster_only(personas, city, login):
    response = login(personas.staff_a).get(f"/mobilization/volunteers/poster/{city.a.pk}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    other = login(personas.staff_b).get(f"/mobilization/volunteers/poster/{city.a.pk}.pdf")
    assert other.status_code == 404
    assert login(personas.coordinator).get("/mobilization/volunteers/").status_code == 403
