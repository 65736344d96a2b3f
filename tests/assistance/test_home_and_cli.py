"""The home page's help cards and `shequ help-escalate`."""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

from shequ.assistance import services
from shequ.assistance.models import HelpRequest
from shequ.cli import app
from shequ.core.models import Notification
from tests.assistance.conftest import open_request

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def test_a_cadres_home_shows_claimed_requests_by_building(personas, city, login):
    services.help_claim(actor=personas.cadre, request=open_request(personas.staff_a, city.ha1))
    html = login(personas.cadre).get("/").content.decode()
    assert 'data-testid="home-help-tasks"' in html
    assert "101室 · Drinking water" in html
    assert 'data-testid="home-help"' not in html  # counts are for the community's staff


def test_community_staff_see_new_and_overdue_counts(personas, city, login):
    open_request(personas.staff_a, city.ha1)
    late = open_request(personas.staff_a, city.ha2)
    HelpRequest.objects.filter(pk=late.pk).update(due_at=late.created_at - dt.timedelta(hours=1))
    html = login(personas.staff_a).get("/").content.decode()
    assert 'data-testid="home-help-new">2<' in html
    assert 'data-testid="home-help-overdue">1<' in html
    other = login(personas.staff_b).get("/").content.decode()
    assert 'data-testid="home-help-new">0<' in other  # A's requests are not B's


def test_the_cli_escalates_once(personas, city, transactional_db):
    late = open_request(personas.staff_a, city.ha1)
    HelpRequest.objects.filter(pk=late.pk).update(due_at=late.created_at - dt.timedelta(hours=1))
    runner = CliRunner()
    first = runner.invoke(app, ["help-escalate"])
    assert "escalated: 1 to community staff" in first.output
    second = runner.invoke(app, ["help-escalate"])
    assert "escalated: 0 to community staff" in second.output
    assert Notification.objects.filter(kind="help_overdue_community").count() == 1


def test_a_cadres_home_lists_new_requests_with_a_claim_button(personas, city, login, helpers):
    mine = open_request(personas.staff_a, city.ha1, details="两桶水")
    theirs = open_request(personas.staff_b, city.hb1, details="乙的水")  # B's: not offered
    client = login(personas.cadre)
    html = client.get("/").content.decode()
    assert 'data-testid="home-help-new-list"' in html
    assert f'data-testid="home-claim-{mine.pk}"' in html
    assert "乙的水" not in html
    response = client.post(f"/help/{mine.pk}/", {"do": "claim"})
    assert response.status_code == 302
    assert 'data-testid="home-help-new-list"' not in client.get("/").content.decode()
    of_b = login(helpers.cadre_b).get("/").text
    assert f'data-testid="home-claim-{theirs.pk}"' in of_b
    assert "两桶水" not in of_b


def test_the_cli_tells_late_isolation_reports(personas, city, transactional_db):
    from shequ.assistance import isolation
    from tests.assistance.test_isolation import isolate

    isolate(personas, city.ha1, start=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    runner = CliRunner()
    first = runner.invoke(app, ["isolation-late"])
    told = len(isolation.due_slots(isolation.timezone.now()))  # 0 before noon, 1 or 2 after
    assert f"late isolation reports told: {told}" in first.output
    second = runner.invoke(app, ["isolation-late"])
    assert "late isolation reports told: 0" in second.output
