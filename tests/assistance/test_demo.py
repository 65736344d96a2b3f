"""The demo's help requests: open, claimed, delivered and overdue across the city."""

from __future__ import annotations

import pytest
from django.utils import timezone

from shequ.assistance.demo import add_demo_help
from shequ.assistance.models import HelpRequest, HelpStatus
from tests.conftest import make_place

pytestmark = pytest.mark.django_db


def test_the_demo_has_requests_in_every_state_and_the_cadre_holds_two(personas, city):
    for i in range(3, 9):
        make_place("household", f"KA-1-{i}", f"{i}01室", city.ka1)
    added = add_demo_help(hq=personas.hq)
    assert added["help request"] == 24  # 12 in each of A and B
    states = set(HelpRequest.objects.values_list("status", flat=True))
    assert {HelpStatus.NEW, HelpStatus.CLAIMED, HelpStatus.DELIVERED} <= states
    assert HelpRequest.objects.filter(
        status__in=("new", "claimed", "on_the_way"), due_at__lt=timezone.now()
    ).exists()
    mine = HelpRequest.objects.filter(claimed_by=personas.cadre, status="claimed")
    assert mine.count() >= 2
    assert add_demo_help(hq=personas.hq) == {}  # once


def test_the_demo_isolates_residents_with_reports_one_feverish_two_missing_today(personas, city):
    from shequ.assistance.demo import add_demo_isolation
    from shequ.assistance.isolation import board_rows, isolated_for
    from shequ.residents import services as resident_services
    from tests.mobilization.conftest import id_number

    for i in range(4):
        resident_services.resident_create(
            actor=personas.hq, household=city.ha1, name=f"演示{i}", document_number=id_number()
        )
    added = add_demo_isolation(hq=personas.hq, people=4)
    assert added["isolated at home"] == 4
    rows = board_rows(list(isolated_for(personas.staff_a)))
    assert len(rows) == 4
    assert sum(1 for r in rows if r.fever) == 1
    assert sum(1 for r in rows if not r.today) == 2  # the two late ones
    assert all(r.day_count >= 4 for r in rows)
    assert add_demo_isolation(hq=personas.hq) == {}


def test_the_demo_has_a_watch_list_with_each_outcome(personas, city):
    from shequ.assistance.demo import add_demo_watch
    from shequ.assistance.models import WatchCheck
    from shequ.assistance.watch import watch_list
    from tests.residents.factories import ResidentFactory

    make_user_community = personas.staff_a
    make_user_community.username = "community"
    make_user_community.save()
    for i in range(5):
        ResidentFactory(name=f"演示{i}", household=city.ha1 if i < 3 else city.ha2)
    added = add_demo_watch(hq=personas.hq)
    assert added["watch-list check"] == 4  # four of A's first compound tagged at risk
    outcomes = set(WatchCheck.objects.values_list("outcome", flat=True))
    assert outcomes == {"reached", "not_reached", "needs_help", "pending"}
    assert HelpRequest.objects.filter(kind="medicine", details="降压药快吃完了").exists()
    assert watch_list(personas.cadre).count() == 4  # the cadre's community's list
    assert add_demo_watch(hq=personas.hq) == {}  # once
