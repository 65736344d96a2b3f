"""Community 甲社区 with households in 1号楼 (101, 102) and 2号楼 (1单元 301, 1单元 1201, 2单元
201), two teams sent there (team 1 with the persona cadre, team 2 with another cadre), and a
screening campaign over 甲小区 with 1号楼 given to team 1."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from shequ.core.roles import Role
from shequ.mobilization import services as mobilization
from shequ.mobilization.models import Agency, Team, TeamMember
from shequ.outreach import services
from shequ.places.models import PlaceKind
from tests.conftest import make_place, make_user
from tests.mobilization.conftest import make_staff
from tests.residents.factories import ResidentFactory

SCREENING = [
    {"key": "present", "label": {"zh": "是否在家", "en": "At home"}, "type": "yes_no",
     "required": True},
    {"key": "new_arrivals", "label": {"zh": "有无新住入人员", "en": "New arrivals"},
     "type": "yes_no"},
    {"key": "symptoms", "label": {"zh": "有无发热等症状", "en": "Symptoms"}, "type": "choice",
     "choices": ["无", "发热", "咳嗽"]},
    {"key": "people", "label": "常住人数", "type": "number"},
]  # fmt: skip


def link(staff, user):
    """Give a person on a team their sign-in (setup: as the sign-up link would)."""
    staff.user = user
    staff.save(update_fields=["user"])
    return staff


@pytest.fixture
def door(personas, city) -> SimpleNamespace:
    agency = Agency.objects.get(code="AG1")
    ka2 = city.ka2
    h301 = make_place(PlaceKind.HOUSEHOLD, "KA-2-U1-301", "1单元301室", ka2, unit="1")
    h1201 = make_place(PlaceKind.HOUSEHOLD, "KA-2-U1-1201", "1单元1201室", ka2, unit="1")
    h201 = make_place(PlaceKind.HOUSEHOLD, "KA-2-U2-201", "2单元201室", ka2, unit="2")
    order = mobilization.order_issue(
        actor=personas.hq, title="入户排查", scope=city.c,
        deadline=timezone.now() + dt.timedelta(hours=12),
    )  # fmt: skip
    s1 = link(make_staff(personas.coordinator, agency, city.a, "队员甲"), personas.cadre)
    other_cadre = make_user("cadre2", Role.CADRE, city.a)
    s2 = link(make_staff(personas.coordinator, agency, city.a, "队员乙"), other_cadre)
    team1 = Team.objects.create(order=order, number=1, leader=s1, community=city.a)
    TeamMember.objects.create(team=team1, order=order, staff=s1, is_leader=True)
    team2 = Team.objects.create(order=order, number=2, leader=s2, community=city.a)
    TeamMember.objects.create(team=team2, order=order, staff=s2, is_leader=True)
    campaign = services.campaign_create(
        actor=personas.staff_a, name="第一轮入户排查", kind="screening", community=city.a,
        places=[city.ka], questions=SCREENING,
    )  # fmt: skip
    services.buildings_assign(
        actor=personas.staff_a, campaign=campaign, buildings=[city.ka1], team=team1
    )
    services.buildings_assign(
        actor=personas.staff_a, campaign=campaign, buildings=[ka2], team=team2
    )
    return SimpleNamespace(
        campaign=campaign, team1=team1, team2=team2, s1=s1, s2=s2, cadre2=other_cadre,
        h301=h301, h1201=h1201, h201=h201, order=order, agency=agency,
        resident=ResidentFactory(name="住户甲", household=city.ha1),
    )  # fmt: skip


def task_of(campaign, household):
    return campaign.tasks.get(household=household, resident__isnull=True)
