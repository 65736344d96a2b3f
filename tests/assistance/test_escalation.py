"""Overdue requests climb to the community's staff, then to the street, once each; the clock
is given (frozen), never read from the machine."""

from __future__ import annotations

import datetime as dt

import pytest

from shequ.assistance import services
from shequ.assistance.escalation import escalate_overdue
from shequ.assistance.models import EventAction, HelpKind, HelpRequest, RequestEvent
from shequ.core.models import Notification
from tests.assistance.conftest import open_request

pytestmark = pytest.mark.django_db


def _told(kind):
    return sorted(Notification.objects.filter(kind=kind).values_list("user__username", flat=True))


def test_an_overdue_request_tells_community_then_street_once_each(personas, city, settings):
    settings.HELP_STREET_AFTER_MINUTES = 60
    request = open_request(personas.staff_a, city.ha1, HelpKind.MEDICAL)  # due in 2 h
    t0 = request.created_at

    assert escalate_overdue(now=t0 + dt.timedelta(hours=1, minutes=59)).community == 0
    assert _told("help_overdue_community") == []

    first = escalate_overdue(now=t0 + dt.timedelta(hours=2, minutes=1))
    assert (first.community, first.street) == (1, 0)
    assert _told("help_overdue_community") == ["staff_a"]  # not staff_b, not the street
    again = escalate_overdue(now=t0 + dt.timedelta(hours=2, minutes=30))
    assert (again.community, again.street) == (0, 0)
    assert _told("help_overdue_community") == ["staff_a"]

    later = escalate_overdue(now=t0 + dt.timedelta(hours=3, minutes=2))
    assert (later.community, later.street) == (0, 1)
    assert _told("help_overdue_street") == ["street"]  # S1's officer, not S2's
    assert escalate_overdue(now=t0 + dt.timedelta(hours=9)).street == 0
    assert _told("help_overdue_street") == ["street"]
    actions = list(RequestEvent.objects.filter(request=request).values_list("action", flat=True))
    assert actions.count(EventAction.ESCALATED_COMMUNITY) == 1
    assert actions.count(EventAction.ESCALATED_STREET) == 1


def test_a_request_delivered_in_time_never_climbs(personas, city):
    request = open_request(personas.staff_a, city.ha1, HelpKind.MEDICAL)
    services.help_claim(actor=personas.cadre, request=request)
    services.help_deliver(actor=personas.cadre, request=request)
    done = escalate_overdue(now=request.created_at + dt.timedelta(days=1))
    assert (done.community, done.street) == (0, 0)
    assert Notification.objects.filter(kind__startswith="help_overdue").count() == 0


def test_a_claimed_but_late_request_still_climbs(personas, city):
    request = open_request(personas.staff_a, city.ha1, HelpKind.MEDICINE)  # 12 h
    services.help_claim(actor=personas.cadre, request=request)
    done = escalate_overdue(now=request.created_at + dt.timedelta(hours=13))
    assert done.community == 1
    note = Notification.objects.get(kind="help_overdue_community")
    assert note.url == f"/help/{request.pk}/"


def test_the_workers_heartbeat_runs_the_escalation(personas, city):
    from shequ.core.workers import Heartbeat

    request = open_request(personas.staff_a, city.ha1, HelpKind.MEDICAL)
    HelpRequest.objects.filter(pk=request.pk).update(
        due_at=request.created_at - dt.timedelta(minutes=1)
    )
    Heartbeat("test-worker").run_periodic()
    assert _told("help_overdue_community") == ["staff_a"]
