"""Duty in the admin: every model is listed and shown, none may be added, changed or deleted
there (the services keep the rules, the audit trail and the notices)."""

from __future__ import annotations

import pytest

from shequ.duty import planning

pytestmark = pytest.mark.django_db

MODELS = ["post", "dutyrules", "roster", "attendance", "shiftchange", "urgentcall"]


@pytest.mark.parametrize("model", MODELS)
def test_the_admin_lists_duty_but_adds_nothing(admin_client, model):
    assert admin_client.get(f"/admin/duty/{model}/").status_code == 200
    assert admin_client.get(f"/admin/duty/{model}/add/").status_code == 403


def test_a_post_is_shown_with_its_shifts_but_not_its_qr_key(admin_client, duty):
    page = admin_client.get(f"/admin/duty/post/{duty.gate.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    assert duty.gate.name in html
    assert "白班" in html
    assert duty.gate.token not in html
    assert 'name="name"' not in html  # shown, not editable
    assert admin_client.post(f"/admin/duty/post/{duty.gate.pk}/delete/").status_code == 403


def test_a_roster_cannot_be_edited_in_the_admin(admin_client, personas, city, duty):
    roster = planning.roster_generate(
        actor=personas.staff_a, place=city.a, starts_on=duty.tomorrow, days=1
    )
    page = admin_client.get(f"/admin/duty/roster/{roster.pk}/change/")
    assert page.status_code == 200
    assert 'name="status"' not in page.content.decode()
    admin_client.post(f"/admin/duty/roster/{roster.pk}/change/", {"status": "discarded"})
    roster.refresh_from_db()
    assert roster.status == "draft"
