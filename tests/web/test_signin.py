"""Signing in by a code texted to the phone (cadres and volunteers), by a personal invitation
link, and resetting a forgotten password through the same codes."""

from __future__ import annotations

import io
import re

import pytest
from django.contrib.auth import get_user_model

from shequ.core.imports import import_job_create, run_import
from shequ.mobilization.models import Invitation, Staff
from tests.conftest import PASSWORD, last_code, make_user
from tests.mobilization.conftest import id_number

pytestmark = pytest.mark.usefixtures("english")
User = get_user_model()


def _import_cadre(coordinator, name: str, phone: str = "") -> Staff:
    sheet = f"姓名,身份证号,手机号码\n{name},{id_number()},{phone}\n"
    job = import_job_create(
        actor=coordinator,
        kind="staff",
        upload=io.BytesIO(sheet.encode()),
        filename="s.csv",
        enqueue=False,
    )
    assert run_import(job.pk).status == "done"
    return Staff.objects.get(name=name)


def _page_without_tokens(html: str, phone: str) -> str:
    """The page without its per-response CSRF tokens and the phone typed in."""
    html = re.sub(r'"X-CSRFToken": "[^"]+"', "", html)
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return html.replace(phone, "")


def _signed_in_as(client) -> str:
    return client.get("/").wsgi_request.user.username


def test_a_cadre_signs_in_with_a_code_sent_to_their_phone(personas, city, client, outbox):
    staff = _import_cadre(personas.coordinator, "张干部", "13900000101")
    page = client.get("/login/").text
    assert 'href="/login/code/"' in page
    assert 'href="/login/forgot/"' in page
    sent = client.post("/login/code/", {"phone": "139 0000 0101", "action": "send"})
    assert "a 6-digit code is on its way" in sent.text
    code = last_code(outbox, "13900000101")
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    refused = client.post("/login/code/", {"phone": "13900000101", "code": wrong})
    assert "Wrong code" in refused.text
    assert 'value="13900000101"' in refused.text  # the input is kept
    response = client.post("/login/code/", {"phone": "13900000101", "code": code})
    assert response.status_code == 302
    assert _signed_in_as(client) == staff.user.username == "13900000101"


def test_asking_for_a_code_says_the_same_for_an_unknown_phone(personas, city, client, outbox):
    _import_cadre(personas.coordinator, "张干部", "13900000102")
    known = client.post("/login/code/", {"phone": "13900000102", "action": "send"})
    unknown = client.post("/login/code/", {"phone": "13900000199", "action": "send"})
    assert known.status_code == unknown.status_code == 200
    assert _page_without_tokens(known.text, "13900000102") == _page_without_tokens(
        unknown.text, "13900000199"
    )
    assert [t.phone for t in outbox] == ["13900000102"]  # only the known phone got a text


def test_office_users_with_a_password_cannot_sign_in_by_code(personas, city, client, outbox):
    client.post("/login/code/", {"phone": "13800000001", "action": "send"})  # the street officer
    assert outbox == []
    response = client.post("/login/code/", {"phone": "13800000001", "code": "123456"})
    assert "No code was sent" in response.text
    assert _signed_in_as(client) == ""


def test_asking_too_often_is_refused_next_to_the_phone(personas, city, client, outbox):
    client.post("/login/code/", {"phone": "13900000103", "action": "send"})
    again = client.post("/login/code/", {"phone": "13900000103", "action": "send"})
    assert "wait" in again.text
    assert "sq-field-error" in again.text


def test_forgot_password_sets_a_new_one_through_a_code(personas, city, client, outbox):
    client.post("/login/forgot/", {"phone": "13800000001", "action": "send"})
    code = last_code(outbox, "13800000001")
    weak = client.post(
        "/login/forgot/", {"phone": "13800000001", "code": code, "password": "123", "action": "r"}
    )
    assert "sq-field-error" in weak.text  # a weak password does not use up the code
    response = client.post(
        "/login/forgot/",
        {"phone": "13800000001", "code": code, "password": "a-new-long-password-9"},
    )
    assert response.status_code == 302
    street = User.objects.get(username="street")
    assert street.check_password("a-new-long-password-9")
    assert not street.check_password(PASSWORD)
    assert "Your password is changed" in client.get("/login/").text


def test_forgot_password_sends_nothing_to_a_phone_login(personas, city, client, outbox):
    _import_cadre(personas.coordinator, "张干部", "13900000104")
    answer = client.post("/login/forgot/", {"phone": "13900000104", "action": "send"})
    assert "a 6-digit code is on its way" in answer.text
    assert outbox == []


def test_an_invitation_link_signs_in_once_and_binds_the_login(personas, city, client, login):
    staff = _import_cadre(personas.coordinator, "李干部")  # no phone: no login yet
    assert staff.user is None
    coordinator = login(personas.coordinator)
    assert (
        f'href="/mobilization/staff/{staff.pk}/invite/"'
        in coordinator.get("/mobilization/staff/").text
    )
    page = coordinator.post(f"/mobilization/staff/{staff.pk}/invite/").text
    assert 'data-testid="invite-qr"' in page
    assert "data:image/svg+xml;base64," in page
    link = page.split('data-testid="invite-link"')[0].rsplit('value="', 1)[1].split('"')[0]
    path = link.removeprefix("http://testserver")
    assert path.startswith("/i/")
    coordinator.post("/logout/")
    assert client.get(path).status_code == 200  # a chat app's preview does not use it
    response = client.post(path)
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.user is not None
    assert _signed_in_as(client) == staff.user.username
    client.post("/logout/")
    client.cookies["shequ_language"] = "en"  # signing in chose the login's language
    again = client.post(path)
    assert again.status_code == 410
    assert "already used. Ask your coordinator for a new one." in again.text
    assert _signed_in_as(client) == ""


def test_a_new_link_replaces_the_old_one(personas, city, login, client):
    staff = _import_cadre(personas.coordinator, "王干部", "13900000105")
    coordinator = login(personas.coordinator)
    coordinator.post(f"/mobilization/staff/{staff.pk}/invite/")
    coordinator.post(f"/mobilization/staff/{staff.pk}/invite/")
    assert Invitation.objects.filter(staff=staff, revoked_at__isnull=True).count() == 1
    assert Invitation.objects.filter(staff=staff, revoked_at__isnull=False).count() == 1


def test_another_agency_cannot_see_or_make_this_agencys_invitation(personas, city, login):
    from shequ.core.roles import Role
    from shequ.mobilization.models import Agency

    staff = _import_cadre(personas.coordinator, "赵干部", "13900000106")
    other = Agency.objects.create(code="AG2", name="另一厅", level="province")
    other_coordinator = make_user("coord2", Role.AGENCY_COORDINATOR, agency=other)
    client = login(other_coordinator)
    assert client.get(f"/mobilization/staff/{staff.pk}/invite/").status_code == 404
    assert client.post(f"/mobilization/staff/{staff.pk}/invite/").status_code == 404
    assert login(personas.cadre).get(f"/mobilization/staff/{staff.pk}/invite/").status_code == 404
    assert not Invitation.objects.exists()


def test_an_unknown_link_says_so(client, db):
    response = client.get("/i/not-a-real-token/")
    assert response.status_code == 410
    assert "not valid" in response.text
