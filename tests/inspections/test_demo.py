"""The demo's inspection: two problems, two open rectifications its community's staff see,
one of them overdue."""

from __future__ import annotations

import pytest

from shequ.core.roles import Role
from shequ.inspections import selectors
from shequ.inspections.demo import add_demo_inspections
from shequ.inspections.models import TaskStatus
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_the_demo_has_one_inspection_with_two_open_rectifications(personas, city):
    staff = make_user("community", Role.COMMUNITY_STAFF, city.a)
    assert add_demo_inspections(hq=personas.hq) == {"inspection": 1, "rectification": 2}
    [visit] = selectors.visits_for(personas.hq)
    assert visit.problems == 2
    tasks = list(selectors.task_list(staff))
    assert [t.status for t in tasks] == [TaskStatus.OPEN, TaskStatus.OPEN]
    [late] = selectors.task_list(staff, "overdue")  # one of them overdue
    assert late.deadline < selectors.today()
    assert not selectors.task_list(personas.staff_b).exists()
    assert add_demo_inspections(hq=personas.hq) == {}  # once
