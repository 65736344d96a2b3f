"""Photos of findings (type and size caps, sealed, shown only to who sees the visit) and the
owners' notifications: when a rectification is set, and once when it is overdue (the periodic
job, idempotent)."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.models import Notification
from shequ.core.workers import PERIODIC
from shequ.inspections import photos, services
from shequ.inspections.models import FindingPhoto, Rectification
from shequ.inspections.reminders import notify_overdue
from tests.inspections.test_inspections import _visit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    return out.getvalue()


def _problem(visit):
    return next(f for f in visit.findings.all() if f.result == "problem")


def test_a_finding_takes_photos_within_the_caps(insp, city, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    visit = _visit(insp, place=city.a)
    finding = _problem(visit)
    data = _png()
    photo = services.finding_photo_add(
        actor=insp.inspector, finding=finding, upload=io.BytesIO(data)
    )
    assert photo.content_type == "image/png"
    assert photos.read_photo(visit.pk, photo.path) == data
    assert b"PNG" not in (tmp_path / "inspections" / photo.path).read_bytes()  # sealed
    for bad in (b"", b"%PDF-1.4 not a photo"):
        with pytest.raises(ValidationError) as caught:
            services.finding_photo_add(
                actor=insp.inspector, finding=finding, upload=io.BytesIO(bad)
            )
        assert "JPEG, PNG or WebP" in caught.value.errors["photo"]
    too_big = io.BytesIO(b"\xff\xd8" + b"0" * (photos.PHOTO_MAX_MB * photos.MB + 10))
    with pytest.raises(ValidationError) as caught:
        services.finding_photo_add(actor=insp.inspector, finding=finding, upload=too_big)
    assert "MB" in caught.value.errors["photo"]
    for _n in range(photos.PER_FINDING - 1):
        services.finding_photo_add(actor=insp.inspector, finding=finding, upload=io.BytesIO(data))
    with pytest.raises(ValidationError) as caught:
        services.finding_photo_add(actor=insp.inspector, finding=finding, upload=io.BytesIO(data))
    assert "at most" in caught.value.errors["photo"]
    with pytest.raises((PermissionDenied, Exception)):
        services.finding_photo_add(actor=insp.inspector2, finding=finding, upload=io.BytesIO(data))
    assert FindingPhoto.objects.count() == photos.PER_FINDING


def test_photos_on_the_visit_page_and_their_scope(login, insp, city, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    visit = _visit(insp, place=city.a)
    finding = _problem(visit)
    client = login(insp.inspector)
    url = f"/inspections/v/{visit.pk}/"
    page = client.get(url).content.decode()
    assert 'data-testid="photo-form"' in page
    assert 'enctype="multipart/form-data"' in page
    upload = SimpleUploadedFile("p.png", _png(), content_type="image/png")
    response = client.post(url, {"action": "photo", "finding": finding.pk, "photo": upload})
    assert response.status_code == 302
    photo = FindingPhoto.objects.get()
    photo_url = f"/inspections/v/{visit.pk}/photos/{photo.pk}/"
    assert photo_url in client.get(url).content.decode()
    shown = client.get(photo_url)
    assert shown.status_code == 200
    assert shown["Content-Type"] == "image/png"
    bad = SimpleUploadedFile("p.txt", b"hello", content_type="text/plain")
    refused = client.post(url, {"action": "photo", "finding": finding.pk, "photo": bad})
    assert refused.status_code == 400
    assert "JPEG, PNG or WebP" in refused.content.decode()
    assert login(insp.inspector2).get(photo_url).status_code == 404  # another district


def test_the_owner_is_told_when_a_task_is_set_and_once_when_overdue(insp, city, personas, frozen):
    visit = _visit(insp, place=city.a)
    today = timezone.localdate()
    task = services.rectification_create(
        actor=insp.inspector, visit=visit, what="补齐登记", owner_user=personas.staff_a,
        deadline=today, finding=_problem(visit),
    )  # fmt: skip
    [told] = Notification.objects.filter(user=personas.staff_a, kind=services.TASK_KIND)
    assert "补齐登记" in told.title
    assert told.url == f"/inspections/tasks/{task.pk}/"
    assert notify_overdue() == 0  # due today: not overdue yet
    frozen(timezone.now() + dt.timedelta(days=2))
    assert notify_overdue() == 1
    assert notify_overdue() == 0  # told once
    owner = Notification.objects.filter(user=personas.staff_a, kind=services.TASK_KIND)
    assert owner.count() == 2
    assert "overdue" in owner.first().title
    assert Notification.objects.filter(user=insp.inspector, kind=services.TASK_KIND).count() == 1
    task.refresh_from_db()
    assert task.overdue_notified_at is not None
    closed = Rectification.objects.create(
        visit=visit, place=city.a, what="已关闭", owner_user=personas.staff_a,
        deadline=today - dt.timedelta(days=5), status="closed", created_by=insp.inspector,
        created_at=timezone.now(),
    )  # fmt: skip
    assert notify_overdue() == 0
    closed.refresh_from_db()
    assert closed.overdue_notified_at is None
    assert notify_overdue in PERIODIC
