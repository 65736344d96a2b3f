"""Community A's north gate (北门, compound KA) with households and passes; a gate in B.

KA-1-101: 甲一, 甲二 (pass)      KA-1-102: 甲三, home isolation (pass)
KA-2 (no households)              KB-1-101: 乙一 (pass of community B)
"""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest
from django.utils import timezone

from shequ.checkpoints import services
from shequ.checkpoints.passes import pass_token
from shequ.residents import services as resident_services
from tests.duty.conftest import duty  # noqa: F401 - the fixture this one builds on
from tests.duty.helpers import day_shift, put, roster_for
from tests.residents.factories import ResidentFactory


@pytest.fixture
def gates(personas, city, duty) -> SimpleNamespace:  # noqa: F811 - the fixture imported above
    today = timezone.localdate()
    a1 = ResidentFactory(name="甲一", household=city.ha1)
    a2 = ResidentFactory(name="甲二", household=city.ha1)
    a3 = ResidentFactory(name="甲三", household=city.ha2)
    b1 = ResidentFactory(name="乙一", household=city.hb1)
    resident_services.resident_set_status(
        actor=personas.staff_a, resident=a3, status="home_isolation"
    )
    start, until = today - dt.timedelta(days=10), today + dt.timedelta(days=30)
    p1 = services.pass_issue(
        actor=personas.staff_a, household=city.ha1, valid_from=start, valid_until=until
    )
    p2 = services.pass_issue(
        actor=personas.staff_a, household=city.ha2, valid_from=start, valid_until=until
    )
    pb = services.pass_issue(
        actor=personas.staff_b, household=city.hb1, valid_from=start, valid_until=until
    )
    return SimpleNamespace(
        gate=duty.gate,
        gate_b=duty.post_b,
        a1=a1, a2=a2, a3=a3, b1=b1,
        p1=p1, p2=p2, pb=pb,
        today=today,
    )  # fmt: skip


@pytest.fixture
def on_shift(personas, duty, gates):  # noqa: F811 - the fixture above
    """The cadre (duty.people[0]) on the gate's day shift, from an hour ago for 12 hours: the
    gate's offline data is theirs while it lasts (test_gate_snapshot.py)."""
    roster = roster_for(personas.staff_a, duty.gate.community, gates.today)
    start = timezone.now() - dt.timedelta(hours=1)
    return put(roster, day_shift(duty), gates.today, duty.people[0], starts_at=start)


def qr(entry_pass) -> str:
    return pass_token(entry_pass.pk, entry_pass.version)


def item(gate, **kw) -> dict:
    """A passage as a gate device sends it: a healthy resident going out, now."""
    base = {
        "client_uuid": str(uuid.uuid4()),
        "gate_id": gate.pk,
        "direction": "out",
        "device_time": timezone.now().isoformat(),
        "subject": "resident",
        "temperature": 36.5,
        "health_code": "green",
        "travel_star": False,
    }
    base.update(kw)
    return base
