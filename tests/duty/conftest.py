"""A community (A) with two 24-hour posts and eight people on duty, one in B, and a cadre login."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from shequ.duty import services
from shequ.duty.models import PostKind
from shequ.mobilization import services as mob_services
from shequ.mobilization.models import Agency, Rank
from tests.mobilization.conftest import make_staff

# name, gender, party member
PEOPLE_A = [
    ("值一", "male", True),
    ("值二", "female", False),
    ("值三", "male", False),
    ("值四", "female", True),
    ("值五", "male", False),
    ("值六", "female", False),
    ("值七", "male", True),
    ("值八", "male", False),
]


def on_duty(actor, order, staff, community) -> None:
    """Enlist and report in: the person is in the community's roster pool."""
    mob_services.enlist(actor=actor, order=order, staff=staff)
    for e in order.enlistments.filter(staff__in=staff):
        mob_services.report_in(actor=actor, enlistment=e, community=community)


@pytest.fixture
def duty(personas, city) -> SimpleNamespace:
    return duty_world(personas, city)


def duty_world(personas, city) -> SimpleNamespace:
    """Eight people on duty in A (the first is the cadre's login), one in B; A's gate (2 × 12 h)
    and day patrol, B's gate (3 × 8 h); every shift needs one person."""
    hq = personas.hq
    agency = Agency.objects.get(code="AG1")
    people = [
        make_staff(hq, agency, city.a, name, gender=g, party_member=p, rank=Rank.KE)
        for name, g, p in PEOPLE_A
    ]
    people[0].user = personas.cadre
    people[0].save(update_fields=["user"])
    b1 = make_staff(hq, agency, city.b, "乙值一")
    order = mob_services.order_issue(
        actor=hq, title="下沉", scope=city.c, deadline=timezone.now() + dt.timedelta(days=3)
    )
    on_duty(hq, order, people, city.a)
    on_duty(hq, order, [b1], city.b)
    gate = services.post_create(
        actor=personas.staff_a,
        community=city.a,
        place=city.ka,
        name="北门",
        kind=PostKind.CHECKPOINT,
        pattern="2x12",
    )
    patrol = services.post_create(
        actor=personas.staff_a,
        community=city.a,
        name="巡查",
        kind=PostKind.PATROL,
        opens=dt.time(9, 0),
        closes=dt.time(17, 0),
        pattern="day",
    )
    post_b = services.post_create(
        actor=personas.staff_b, community=city.b, name="乙门", kind=PostKind.CHECKPOINT
    )
    return SimpleNamespace(
        people=people,
        by_name={p.name: p for p in people},
        b1=b1,
        order=order,
        gate=gate,
        patrol=patrol,
        post_b=post_b,
        tomorrow=timezone.localdate() + dt.timedelta(days=1),
    )
