"""A checklist (问/查/看), a plan over district 东区, premises in 甲小区, and inspectors."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from shequ.core.roles import Role
from shequ.inspections import services
from shequ.inspections.models import Checklist, ChecklistItem, Section
from tests.conftest import make_place, make_user


@pytest.fixture
def frozen(monkeypatch):
    """Set the clock: `frozen(moment)` makes timezone.now() (and localdate()) return it."""

    def set_to(moment: dt.datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return set_to


@pytest.fixture
def insp(personas, city) -> SimpleNamespace:
    checklist = Checklist.objects.create(name="防控检查表")
    ask = ChecklistItem.objects.create(
        checklist=checklist, section=Section.ASK, text="值守人员是否清楚流程", position=1
    )
    check = ChecklistItem.objects.create(
        checklist=checklist, section=Section.CHECK, text="出入登记是否完整", position=2
    )
    look = ChecklistItem.objects.create(
        checklist=checklist, section=Section.LOOK, text="卡口是否有人值守", position=3
    )
    inspector = make_user("inspector", Role.INSPECTOR, city.d1)
    c = make_place("community", "C3", "丙社区", city.s3)
    inspector2 = make_user("inspector2", Role.INSPECTOR, city.d2)
    plan = services.plan_create(
        actor=personas.hq, name="东区第一轮督导", checklist=checklist, place=city.d1,
        starts_on=timezone.localdate(),
    )  # fmt: skip
    shop = services.premises_create(
        actor=inspector, name="甲超市", address="一路1号", place=city.ka
    )
    return SimpleNamespace(
        checklist=checklist, ask=ask, check=check, look=look, inspector=inspector,
        inspector2=inspector2, plan=plan, shop=shop, c3=c,
    )  # fmt: skip
