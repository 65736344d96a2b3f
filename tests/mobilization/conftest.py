"""Staff of the personas' agency (AG1) living in communities A and B, and an open order."""

from __future__ import annotations

import datetime as dt
import itertools
from types import SimpleNamespace

import pytest
from django.utils import timezone

from shequ.mobilization import services
from shequ.mobilization.models import Agency, Rank, StaffKind
from shequ.residents.idcard import check_char

_seq = itertools.count()


def id_number(year: int = 1985, female: bool = False) -> str:
    """A synthetic ID number (region 629999), never the same twice in a run: 500 sequence
    numbers per birth day, and the day moves on every 500."""
    n = next(_seq)
    seq = (n % 500) * 2 + (0 if female else 1)
    birthday = dt.date(year, 1, 1) + dt.timedelta(days=(n // 500) % 365)
    first17 = f"629999{birthday:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


def make_staff(actor, agency, community, name: str, **kw):
    kw.setdefault("rank", Rank.KEYUAN)
    kw.setdefault("birth_year", 1985)
    kw.setdefault("gender", "male")
    return services.staff_register(
        actor=actor,
        kind=kw.pop("kind", StaffKind.CADRE),
        name=name,
        id_number=kw.pop("id_number", None)
        or id_number(kw["birth_year"], kw["gender"] == "female"),
        agency=agency,
        residence_community=community,
        **kw,
    )


@pytest.fixture
def mob(personas, city) -> SimpleNamespace:
    agency = Agency.objects.get(code="AG1")
    other = Agency.objects.create(code="AG2", name="另一厅", level="province")
    hq = personas.hq
    a1 = make_staff(personas.coordinator, agency, city.a, "甲一", rank=Rank.CHU, party_member=True)
    a2 = make_staff(personas.coordinator, agency, city.a, "甲二")
    b1 = make_staff(personas.coordinator, agency, city.b, "乙一")
    x1 = make_staff(hq, other, city.a, "外一")
    order = services.order_issue(
        actor=hq, title="紧急通知", scope=city.c, deadline=timezone.now() + dt.timedelta(hours=12)
    )
    services.enlist(actor=personas.coordinator, order=order, staff=[a1, a2, b1])
    services.enlist(actor=hq, order=order, staff=[x1])
    enlisted = {e.staff.name: e for e in order.enlistments.select_related("staff")}
    return SimpleNamespace(
        agency=agency, other=other, order=order, a1=a1, a2=a2, b1=b1, x1=x1, e=enlisted
    )
