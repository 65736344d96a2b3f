"""The admin shows mobilization's records read-only, and never a staff member's ID or phone."""

from __future__ import annotations


def test_the_admin_lists_mobilization_read_only(admin_client, mob):
    for model in ("staff", "order", "enlistment", "need", "team", "batch", "pairing"):
        assert admin_client.get(f"/admin/mobilization/{model}/").status_code == 200, model
        assert admin_client.get(f"/admin/mobilization/{model}/add/").status_code == 403, model
    page = admin_client.get(f"/admin/mobilization/staff/{mob.a1.pk}/change/").content.decode()
    assert "甲一" in page
    assert mob.a1.id_number not in page
    enlistment = mob.e["甲一"]
    shown = admin_client.get(f"/admin/mobilization/enlistment/{enlistment.pk}/change/")
    assert enlistment.token not in shown.content.decode()
    assert admin_client.get("/admin/mobilization/agency/add/").status_code == 200
