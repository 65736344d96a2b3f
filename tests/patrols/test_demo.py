"""The demo's week of disinfection in the first community: exactly two rounds missed, and
three patrol findings of which one is open, assigned to the community's staff."""

from __future__ import annotations

import pytest

from shequ.core.roles import Role
from shequ.patrols import selectors
from shequ.patrols.demo import add_demo_patrols
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_the_demo_week_has_exactly_two_missed_rounds_and_one_open_finding(personas, city):
    staff = make_user("community", Role.COMMUNITY_STAFF, city.a)
    added = add_demo_patrols(hq=personas.hq)
    assert added["disinfection area"] == 3
    days = selectors.week(city.a)
    assert len(days) == 7
    assert sum(d.missed for d in days) == 2
    assert sum(d.done for d in days) == added["disinfection round"] > 30
    [still_open] = selectors.findings_for(staff, open_only=True)
    assert still_open.assignee == staff
    assert selectors.findings_for(staff).count() == 3
    assert not selectors.findings_for(personas.staff_b).exists()
    assert [a.name for a in selectors.areas_of(city.a)] == ["1号楼楼道", "北门卡口", "垃圾收集点"]
    assert add_demo_patrols(hq=personas.hq) == {}  # once
