"""A mobilization order reaches each enlisted person with a login: in the inbox, and by push
on the phone they turned notifications on; once, however often the list is enlisted."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from shequ.core.models import Notification
from shequ.mobilization import services
from shequ.mobilization.models import Agency, Staff
from shequ.notify.models import Channel, Delivery
from tests.mobilization.conftest import make_staff


def test_enlisted_people_get_the_order_and_a_push(
    personas, city, vapid, subscribe, django_capture_on_commit_callbacks
):
    agency = Agency.objects.get(code="AG1")
    with_login = make_staff(personas.coordinator, agency, city.a, "甲一")
    without = make_staff(personas.coordinator, agency, city.a, "甲二")
    Staff.objects.filter(pk=with_login.pk).update(user=personas.cadre)
    with_login.refresh_from_db()
    subscribe(personas.cadre)
    order = services.order_issue(
        actor=personas.hq,
        title="紧急集结",
        scope=city.c,
        deadline=timezone.now() + dt.timedelta(hours=12),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.enlist(actor=personas.coordinator, order=order, staff=[with_login, without])
        services.enlist(actor=personas.coordinator, order=order, staff=[with_login, without])
    [note] = Notification.objects.filter(kind="order")
    assert note.user == personas.cadre
    assert "紧急集结" in note.title
    assert note.url == "/mobilization/me/"
    [push] = Delivery.objects.all()
    assert (push.user, push.channel, push.notification) == (personas.cadre, Channel.PUSH, note)
