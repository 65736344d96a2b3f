"""Subscriptions: the day's report or roll-up file in the subscriber's inbox after the
set-hour compile, once per day and subscription however often the job runs; the page to
subscribe and unsubscribe; scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shequ.core.models import Notification
from shequ.core.workers import PERIODIC
from shequ.reports import services, subscriptions
from shequ.reports.models import CompileRun, ReportSubscription

pytestmark = pytest.mark.django_db


def test_the_job_is_registered_after_the_compile():
    assert PERIODIC.index(subscriptions.deliver_if_due) > PERIODIC.index(services.compile_if_due)


def test_delivery_puts_a_link_in_each_inbox_once(personas, city, login):
    day = timezone.localdate()
    a = subscriptions.subscribe(actor=personas.staff_a, place=city.a, format="pdf")
    subscriptions.subscribe(actor=personas.hq, place=city.c, format="xlsx")
    assert subscriptions.deliver_if_due() == 0  # today's compile has not run yet
    CompileRun.objects.create(day=day)
    assert subscriptions.deliver_if_due() == 2
    assert subscriptions.deliver_if_due() == 0  # idempotent: the same day once
    assert subscriptions.deliver(day=day) == 0
    mine = Notification.objects.get(user=personas.staff_a, kind=subscriptions.KIND)
    assert mine.url == f"/reports/c/{city.a.pk}/{day.isoformat()}/?format=pdf"
    assert "甲社区" in mine.title
    hq = Notification.objects.get(user=personas.hq, kind=subscriptions.KIND)
    assert hq.url.endswith("?format=xlsx")
    a.refresh_from_db()
    assert a.last_day == day
    # the next day is delivered again; the link opens the file
    assert subscriptions.deliver(day=day + dt.timedelta(days=1)) == 2
    response = login(personas.staff_a).get(mine.url)
    assert response["Content-Type"] == "application/pdf"


def test_a_place_out_of_scope_is_refused_and_not_delivered(personas, city):
    from django.http import Http404

    with pytest.raises(Http404):
        subscriptions.subscribe(actor=personas.staff_a, place=city.b, format="pdf")
    with pytest.raises(Exception, match="format"):
        subscriptions.subscribe(actor=personas.staff_a, place=city.a, format="doc")
    # a subscription whose place left the user's scope sends nothing
    ReportSubscription.objects.create(user=personas.staff_a, place=city.b, format="pdf")
    assert subscriptions.deliver(day=timezone.localdate()) == 0


def test_the_page_subscribes_and_unsubscribes(login, personas, city):
    client = login(personas.street)
    day = timezone.localdate().isoformat()
    page = client.get(f"/reports/p/{city.s1.pk}/{day}/").content.decode()
    assert 'data-testid="subscribe"' in page
    response = client.post(
        "/reports/subscriptions/", {"place": city.s1.pk, "format": "xlsx"}, follow=True
    )
    assert response.status_code == 200
    sub = ReportSubscription.objects.get(user=personas.street)
    assert sub.format == "xlsx"
    assert sub.place == city.s1
    assert city.s1.name in response.content.decode()
    other = client.post("/reports/subscriptions/", {"place": 10**9, "format": "pdf"})
    assert other.status_code == 404
    client.post("/reports/subscriptions/", {"action": "unsubscribe", "subscription": sub.pk})
    assert not ReportSubscription.objects.filter(user=personas.street).exists()
    stranger = login(personas.staff_b)
    theirs = subscriptions.subscribe(actor=personas.staff_a, place=city.a, format="pdf")
    gone = stranger.post(
        "/reports/subscriptions/", {"action": "unsubscribe", "subscription": theirs.pk}
    )
    assert gone.status_code == 404
