"""The home page starts each role's work: a cadre's shift now (check in, open the gate or the
station), the next shift or why there is none, urgent calls and home visits; a lab operator's
transfers to receive; a community's gate alerts, isolations ending, residents not yet tested
and roster gaps; and none of another community's."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from shequ.checkpoints.models import Decision, Direction, Passage, Subject
from shequ.core.roles import Role
from shequ.duty import calls
from shequ.duty.models import Attendance, PostKind, RosterStatus
from shequ.duty.services import post_create
from shequ.mobilization.models import Team, TeamMember
from shequ.outreach import rounds as outreach_rounds
from shequ.outreach.models import Assignment
from shequ.residents.models import HealthStatus
from shequ.residents.services import resident_set_status
from shequ.testing import services as testing_services
from shequ.testing.models import HomeReason
from tests.conftest import make_user
from tests.duty.conftest import duty_world
from tests.duty.helpers import day_shift, login_for, night_shift, put, roster_for
from tests.mobilization.conftest import make_staff
from tests.residents.factories import ResidentFactory
from tests.testing.conftest import round_world, send_to_lab

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(personas, city):
    return duty_world(personas, city)


def _home(client) -> str:
    response = client.get(reverse("web:home"))
    assert response.status_code == 200
    return response.content.decode()


def _why(html: str) -> str:
    marker = 'data-testid="home-no-shift" data-why="'
    assert marker in html
    return html.split(marker, 1)[1].split('"', 1)[0]


# -- a cadre or a volunteer ------------------------------------------------------------------


def test_cadre_with_a_shift_now_checks_in_from_home_and_opens_the_gate(
    client, login, personas, city, world
):
    today = timezone.localdate()
    roster = roster_for(personas.staff_a, city.a, today, days=3)
    put(roster, day_shift(world), today, world.people[0], starts_at=timezone.now())
    login(personas.cadre)
    html = _home(client)
    assert 'data-testid="home-shift-now"' in html
    assert "北门" in html
    assert 'data-testid="home-check-in"' in html
    assert reverse("checkpoints:gate", args=[world.gate.pk]) in html
    # The button does what the My shifts page's does.
    client.post(reverse("duty:me"), {"check_in": world.gate.pk})
    assert Attendance.objects.get(staff=world.people[0]).post == world.gate
    html = _home(client)
    assert 'data-testid="home-checked-in"' in html
    assert 'data-testid="home-check-in"' not in html
    assert 'data-testid="home-check-out"' in html


def test_a_sampler_on_shift_opens_the_station_of_their_site(client, login, personas, city, world):
    post = post_create(
        actor=personas.staff_a, community=city.a, name="采样岗", kind=PostKind.SAMPLING
    )
    site = testing_services.site_create(
        actor=personas.staff_a,
        community=city.a,
        name="广场",
        opens=dt.time(7),
        closes=dt.time(19),
        stations=1,
        post=post,
    )
    today = timezone.localdate()
    roster = roster_for(personas.staff_a, city.a, today)
    put(roster, post.shifts.first(), today, world.people[0], starts_at=timezone.now())
    login(personas.cadre)
    html = _home(client)
    station = site.stations.get()
    assert reverse("testing:station", args=[station.pk]) in html
    assert "home-open-gate" not in html


def test_cadre_with_only_a_later_shift_sees_when(client, login, personas, city, world):
    today = timezone.localdate()
    roster = roster_for(personas.staff_a, city.a, today, days=7)
    later = put(roster, night_shift(world), today + dt.timedelta(days=3), world.people[0])
    login(personas.cadre)
    html = _home(client)
    assert 'data-testid="home-shift-now"' not in html
    assert 'data-testid="home-next-shift"' in html
    assert timezone.localtime(later.starts_at).strftime("%m-%d") in html
    assert "夜班" in html
    assert 'data-testid="home-no-shift"' not in html


def test_cadre_not_reported_in_is_told_so(client, login, personas, city, world):
    newcomer = make_staff(personas.hq, world.people[0].agency, city.a, "新来")
    login(login_for(newcomer, "newcomer"))
    html = _home(client)
    assert _why(html) == "not_reported_in"
    assert "还没有到社区报到" in html  # zh-Hans, the default language
    assert reverse("mobilization:me") in html


@pytest.mark.usefixtures("english")
def test_reported_in_but_not_on_the_published_roster(client, login, personas, city, world):
    today = timezone.localdate()
    roster = roster_for(personas.staff_a, city.a, today, days=3)
    put(roster, day_shift(world), today, world.people[1])
    login(personas.cadre)
    html = _home(client)
    assert _why(html) == "not_on_roster"
    assert "you are not on its published roster" in html
    assert "甲社区" in html


def test_roster_drafted_but_not_published(client, login, personas, city, world):
    today = timezone.localdate()
    roster = roster_for(personas.staff_a, city.a, today, days=3, status=RosterStatus.DRAFT)
    put(roster, day_shift(world), today, world.people[0])  # a draft's shift is no shift yet
    login(personas.cadre)
    html = _home(client)
    assert _why(html) == "not_published"
    assert "尚未发布" in html


def test_no_roster_at_all_and_no_record(client, login, personas, city, world):
    login(personas.cadre)
    assert _why(_home(client)) == "no_roster"
    login(make_user("vol", Role.VOLUNTEER, city.a))
    assert _why(_home(client)) == "no_record"


def test_open_urgent_call_shows_with_its_link(client, login, personas, city, world):
    call = calls.call_create(
        actor=personas.staff_a, community=city.a, where="东门", needed=2, message="快来"
    )
    login(personas.cadre)
    html = _home(client)
    assert 'data-testid="home-call"' in html
    assert "东门" in html
    assert reverse("duty:call", args=[call.pk]) in html


def test_home_visits_given_to_my_team_show(client, login, personas, city, world):
    resident = ResidentFactory(name="上门甲", household=city.ha1)
    round_ = testing_services.round_create(
        actor=personas.staff_a,
        name="第二轮",
        places=[city.a],
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate(),
        pool_size=10,
    )
    team = Team.objects.create(
        order=world.order, number=1, leader=world.people[0], community=city.a
    )
    TeamMember.objects.create(team=team, order=world.order, staff=world.people[0], is_leader=True)
    [task] = outreach_rounds.home_tasks_create(
        actor=personas.staff_a, round_=round_, residents=[resident], reason=HomeReason.IMMOBILE
    )
    campaign = task.campaign
    Assignment.objects.create(
        campaign=campaign, building=city.ka1, team=team, assigned_at=timezone.now()
    )
    login(personas.cadre)
    html = _home(client)
    assert 'data-testid="home-tasks"' in html
    assert reverse("outreach_rounds:home_swab", args=[task.pk]) in html
    assert "上门甲" in html


# -- a lab operator --------------------------------------------------------------------------


def test_lab_operator_sees_transfers_waiting(client, login, personas, city):
    rnd = round_world(personas, city)
    send_to_lab(personas.staff_a, rnd)
    login(rnd.lab)
    html = _home(client)
    assert 'data-testid="home-lab"' in html
    assert 'data-testid="home-transfers-waiting">1<' in html
    assert reverse("testing:lab") in html
    assert 'data-testid="home-shift-now"' not in html
    assert 'data-testid="count-community"' not in html  # no place figures for the lab


# -- community staff -------------------------------------------------------------------------


def _passage(gate, community, staff_user, *, alert: bool, refused: bool) -> None:
    Passage.objects.create(
        client_uuid=uuid.uuid4(),
        gate=gate,
        community=community,
        direction=Direction.IN,
        device_time=timezone.now(),
        recorded_by=staff_user,
        subject=Subject.VISITOR,
        visitor_name="访客",
        decision=Decision.REFUSE if refused else Decision.ALLOW,
        alert=alert,
    )


def _community_world(personas, city, world):
    _passage(world.gate, city.a, personas.staff_a, alert=True, refused=True)
    _passage(world.gate, city.a, personas.staff_a, alert=False, refused=False)
    for _ in range(3):
        _passage(world.post_b, city.b, personas.staff_b, alert=True, refused=True)
    today = timezone.localdate()
    ending = ResidentFactory(name="隔离甲", household=city.ha1)
    resident_set_status(
        actor=personas.staff_a,
        resident=ending,
        status=HealthStatus.HOME_ISOLATION,
        planned_end=today + dt.timedelta(days=1),
    )
    later = ResidentFactory(name="隔离晚", household=city.ha2)
    resident_set_status(
        actor=personas.staff_a,
        resident=later,
        status=HealthStatus.HOME_ISOLATION,
        planned_end=today + dt.timedelta(days=5),
    )
    other = ResidentFactory(name="乙隔离", household=city.hb1)
    resident_set_status(
        actor=personas.staff_b,
        resident=other,
        status=HealthStatus.HOME_MONITORING,
        planned_end=today,
    )
    for name in ("未检一", "未检二"):
        ResidentFactory(name=name, household=city.ha2)
    testing_services.round_create(
        actor=personas.hq,
        name="全员一轮",
        places=[city.a, city.b],
        starts_on=today,
        ends_on=today,
        pool_size=10,
    )
    # A's gate is staffed on every day shift of the next three days; the rest are gaps.
    roster = roster_for(personas.staff_a, city.a, today, days=3)
    for i in range(3):
        put(roster, day_shift(world), today + dt.timedelta(days=i), world.people[i])


@pytest.mark.usefixtures("english")
def test_community_staff_see_alerts_isolations_missed_and_gaps_of_their_community_only(
    client, login, personas, city, world
):
    _community_world(personas, city, world)
    login(personas.staff_a)
    html = _home(client)
    assert 'data-testid="home-community"' in html
    assert 'data-testid="home-alerts">1<' in html  # not B's three
    assert 'data-testid="home-refused">1<' in html
    assert 'data-testid="home-ending">1<' in html
    assert "隔离甲" in html
    assert "隔离晚" not in html  # ends in five days
    assert "乙隔离" not in html  # B's
    assert 'data-testid="home-missed-count">4<' in html  # A's four residents, not B's
    assert "全员一轮" in html
    assert "乙门" not in html  # B's gaps
    assert "巡查" in html  # A's day patrol has nobody
    # Every patrol shift of the three days; the gate's night shifts; none of the day shifts
    # (staffed) or of shifts already over today.
    gaps = html.split('data-testid="home-gaps">', 1)[1].split("<", 1)[0]
    assert int(gaps) >= 4
    assert 'data-testid="count-community"' in html  # the scope's figures stay, below
    login(personas.staff_b)
    html = _home(client)
    assert 'data-testid="home-alerts">3<' in html
    assert "乙隔离" in html
    assert "隔离甲" not in html
    assert "北门" not in html


def test_community_card_in_chinese_by_default(client, login, personas, city, world):
    _community_world(personas, city, world)
    login(personas.staff_a)
    html = _home(client)
    assert "今日门岗预警" in html
    assert "排班缺口" in html


def test_a_cadre_sees_no_community_card_and_officers_keep_their_figures(
    client, login, personas, city, world
):
    _community_world(personas, city, world)
    login(personas.cadre)
    html = _home(client)
    assert 'data-testid="home-community"' not in html
    assert "隔离甲" not in html
    assert 'data-testid="count-community"' not in html
    login(personas.street)
    html = _home(client)
    assert 'data-testid="count-community"' in html
    assert 'data-testid="home-community"' not in html


def test_home_costs_a_bounded_number_of_queries(client, login, personas, city, world):
    _community_world(personas, city, world)
    today = timezone.localdate()
    roster = roster_for(personas.staff_a, city.a, today + dt.timedelta(days=3), days=3)
    put(roster, day_shift(world), today + dt.timedelta(days=3), world.people[0])
    calls.call_create(actor=personas.staff_a, community=city.a, where="东门", needed=2)
    counts = {}
    for who in (personas.cadre, personas.staff_a):
        login(who)
        _home(client)  # warm the session
        with CaptureQueriesContext(connection) as queries:
            _home(client)
        counts[who.username] = len(queries)
    # More rows (passages, residents, isolations, shifts) do not add queries.
    for i in range(5):
        _passage(world.gate, city.a, personas.staff_a, alert=True, refused=False)
        resident_set_status(
            actor=personas.staff_a,
            resident=ResidentFactory(name=f"多{i}", household=city.ha1),
            status=HealthStatus.HOME_ISOLATION,
            planned_end=today,
        )
    for who in (personas.cadre, personas.staff_a):
        login(who)
        with CaptureQueriesContext(connection) as queries:
            _home(client)
        assert len(queries) == counts[who.username]
    # 20 on 2026-12-07 with the door-to-door buildings card (one query: the buildings given).
    assert counts["cadre"] <= 21, counts
    assert counts["staff_a"] <= 25, counts  # 20 on 2026-12-07
