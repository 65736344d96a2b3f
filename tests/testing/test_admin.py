"""The admin site shows testing's rows to look them up: every model's list opens, nothing can
be added there, and only a site's name, hours and `active` may be corrected."""

from __future__ import annotations

import pytest
from django.contrib import admin

from shequ.core.models import User
from shequ.testing import models
from shequ.testing.ingest import swabs_batch
from tests.testing.conftest import send_to_lab, swab

MODELS = [
    models.Round, models.Exemption, models.Site, models.Tube, models.Sample, models.Transfer,
    models.Recall,
]  # fmt: skip


@pytest.fixture
def superuser_client(db, client):
    client.force_login(User.objects.create_superuser("root", "x-password-long-enough"))
    return client


def test_every_testing_model_is_listed_read_only(superuser_client, personas, rnd) -> None:
    send_to_lab(personas.staff_a, rnd)
    for model in MODELS:
        assert admin.site.is_registered(model), model
        name = model._meta.model_name
        assert superuser_client.get(f"/admin/testing/{name}/").status_code == 200, name
        assert superuser_client.get(f"/admin/testing/{name}/add/").status_code == 403, name
    tube = models.Tube.objects.get(barcode="T0000001")
    page = superuser_client.get(f"/admin/testing/tube/{tube.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content  # view only


def test_a_site_may_be_taken_out_of_use(superuser_client, personas, rnd) -> None:
    site = rnd.site
    url = f"/admin/testing/site/{site.pk}/change/"
    assert superuser_client.get(url).status_code == 200
    form = {
        "name": site.name, "opens": "07:00", "closes": "19:00",
        "stations-TOTAL_FORMS": "2", "stations-INITIAL_FORMS": "2",
        "stations-MIN_NUM_FORMS": "0", "stations-MAX_NUM_FORMS": "0",
        "stations-0-id": str(rnd.s1.pk), "stations-0-site": str(site.pk),
        "stations-1-id": str(rnd.s2.pk), "stations-1-site": str(site.pk),
    }  # fmt: skip
    response = superuser_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    site.refresh_from_db()
    assert site.active is False  # the box was left unticked
    [refused] = swabs_batch(actor=personas.staff_a, items=[swab(rnd, "T0000009", rnd.a[0])])
    assert (refused.status, refused.field) == ("rejected", "station_id")  # no longer sampled at
