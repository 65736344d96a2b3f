"""The admin lists passes, gate rules and passages and changes none of them."""

from __future__ import annotations

import pytest

from shequ.checkpoints import services
from shequ.checkpoints.ingest import passages_batch
from shequ.checkpoints.models import Passage
from shequ.core.models import User
from tests.checkpoints.conftest import item


@pytest.fixture
def admin_client(client, db):
    client.force_login(User.objects.create_superuser("admin-cp", "x"))
    return client


def test_the_admin_lists_checkpoints_and_changes_nothing(admin_client, personas, gates) -> None:
    services.rules_set(
        actor=personas.staff_a, community=gates.gate.community, rules={"visitors": False}
    )
    passages_batch(
        actor=personas.cadre,
        items=[
            item(gates.gate, subject="visitor", visitor_name="访客", visitor_phone="13800000777")
        ],
    )
    passage = Passage.objects.get()
    for model in ("entrypass", "gaterules", "passage"):
        assert admin_client.get(f"/admin/checkpoints/{model}/").status_code == 200
        assert admin_client.get(f"/admin/checkpoints/{model}/add/").status_code == 403
    page = admin_client.get(f"/admin/checkpoints/passage/{passage.pk}/change/")
    assert page.status_code == 200
    assert "13800000777" not in page.content.decode()
    assert admin_client.get(f"/admin/checkpoints/passage/{passage.pk}/delete/").status_code == 403
    one = admin_client.get(f"/admin/checkpoints/entrypass/{gates.p1.pk}/change/")
    assert one.status_code == 200
