"""The set-up page: the HQ, district and street officers (and inspectors) create a checklist
with items under 问/查/看, a plan over their area and premises to inspect; others may not."""

from __future__ import annotations

import pytest
from django.utils import timezone

from shequ.core.errors import PermissionDenied, ValidationError
from shequ.inspections import services
from shequ.inspections.models import Checklist, Plan, Premises

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_a_street_officer_sets_up_a_checklist_a_plan_and_premises(login, personas, city):
    client = login(personas.street)
    assert client.get("/inspections/").status_code == 200
    assert client.get("/inspections/setup/").status_code == 200
    response = client.post(
        "/inspections/setup/",
        {
            "action": "checklist",
            "name": "街道自查表",
            "ask": "值守人员是否清楚流程\n",
            "check": "出入登记是否完整\n核酸名单是否一致",
            "look": "卡口是否有人值守",
        },
    )
    assert response.status_code == 302
    checklist = Checklist.objects.get(name="街道自查表")
    assert [(i.section, i.position) for i in checklist.items.all()] == [
        ("ask", 1), ("check", 2), ("check", 3), ("look", 4),
    ]  # fmt: skip
    today = timezone.localdate().isoformat()
    plan = {"action": "plan", "name": "一街道督导", "checklist": checklist.pk,
            "place": city.s1.pk, "starts_on": today}  # fmt: skip
    assert client.post("/inspections/setup/", plan).status_code == 302
    assert Plan.objects.get(name="一街道督导").place == city.s1
    other = client.post("/inspections/setup/", {**plan, "place": city.s2.pk})
    assert other.status_code == 400  # another street: not a choice
    shop = {"action": "premises", "name": "甲药店", "address": "一路2号", "place": city.ka.pk}
    assert client.post("/inspections/setup/", shop).status_code == 302
    assert Premises.objects.get(name="甲药店").place == city.ka
    page = client.get("/inspections/setup/").content.decode()
    assert "一街道督导" in page
    assert "甲药店" in page
    assert "街道自查表" in page


def test_a_checklist_needs_items_and_others_may_not_set_up(login, personas, city):
    with pytest.raises(ValidationError) as caught:
        services.checklist_create(actor=personas.district, name="空表", items=[])
    assert "items" in caught.value.errors
    with pytest.raises(ValidationError):
        services.checklist_create(actor=personas.district, name="表", items=[("sing", "x")])
    with pytest.raises(PermissionDenied):
        services.checklist_create(actor=personas.staff_a, name="表", items=[("ask", "x")])
    assert login(personas.staff_a).get("/inspections/setup/").status_code == 403
    assert login(personas.cadre).get("/inspections/setup/").status_code == 403
    empty = login(personas.district).post(
        "/inspections/setup/", {"action": "checklist", "name": "空表"}
    )
    assert empty.status_code == 400
    assert "Write at least one item" in empty.content.decode()
