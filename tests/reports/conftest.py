"""A seeded day (yesterday, Y) with known figures in communities A and B, from each app's
own tables, for the daily report's tests."""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest
from django.utils import timezone

from shequ.checkpoints.models import Passage
from shequ.duty import attendance
from shequ.mobilization.models import Need, Posting
from shequ.residents.models import Resident, StatusPeriod
from shequ.testing import counts
from shequ.testing.models import Recall, Round, Sample, Tube
from tests.duty.conftest import duty_world
from tests.duty.helpers import day_shift, put, roster_for


def local(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hh, mm)))


def _passage(gate, community, user, when, **kw) -> Passage:
    kw.setdefault("decision", "allow")
    return Passage.objects.create(
        client_uuid=uuid.uuid4(),
        gate=gate,
        community=community,
        direction="in",
        device_time=when,
        recorded_by=user,
        subject="visitor",
        visitor_name="访客",
        **kw,
    )


@pytest.fixture
def seeded(personas, city) -> SimpleNamespace:
    """Y in A: on duty 3 people, 4 presences, 715+240+180+60 = 1195 minutes, 1 no-show;
    8 reported in (postings) of 10 needed; 3 passages (1 refused, 1 alert; a corrected row
    counts once); 2 residents sampled, 1 positive tube, 1 recall open; residents: 2 in home
    isolation, 1 close contact at Y's end, 3 status changes on Y. B: 1 on duty, 120 min."""
    duty = duty_world(personas, city)
    y = timezone.localdate() - dt.timedelta(days=1)
    p, a = duty.people, personas.staff_a
    Posting.objects.update(starts_at=local(y, 0) - dt.timedelta(days=1))

    def enter(actor, staff, post, start, end):
        attendance.attendance_manual(
            actor=actor, staff=staff, post=post, check_in_at=start, check_out_at=end, reason="测"
        )

    enter(a, p[0], duty.gate, local(y, 8, 5), local(y, 20))  # 715
    enter(a, p[1], duty.patrol, local(y, 9), local(y, 13))  # 240
    enter(a, p[1], duty.patrol, local(y, 14), local(y, 17))  # 180
    enter(a, p[2], duty.patrol, local(y, 10), local(y, 11))  # 60
    enter(personas.staff_b, duty.b1, duty.post_b, local(y, 10), local(y, 12))  # B: 120
    roster = roster_for(a, city.a, y)
    put(roster, day_shift(duty), y, p[5])  # never came: a no-show
    Need.objects.create(community=city.a, people_per_day=6, starts_on=y, ends_on=y, created_by=a)
    Need.objects.create(
        community=city.a, people_per_day=4, starts_on=y - dt.timedelta(days=3), ends_on=y,
        created_by=a,
    )  # fmt: skip
    Need.objects.create(  # not on Y
        community=city.a, people_per_day=50, starts_on=y + dt.timedelta(days=1),
        ends_on=y + dt.timedelta(days=2), created_by=a,
    )  # fmt: skip

    _passage(duty.gate, city.a, a, local(y, 9))
    _passage(duty.gate, city.a, a, local(y, 10), decision="refuse")
    wrong = _passage(duty.gate, city.a, a, local(y, 11))
    _passage(duty.gate, city.a, a, local(y, 11), alert=True, corrects=wrong)
    _passage(duty.gate, city.a, a, local(y, 23, 59) + dt.timedelta(minutes=2))  # next day

    residents = [
        Resident.objects.create(
            name=f"居民{i}",
            household=city.ha1 if i < 4 else city.hb1,
            document_type="other",
            document_number=f"RPT{i:04d}",
        )
        for i in range(6)
    ]
    round_ = Round.objects.create(name="一轮", starts_on=y, ends_on=y, created_by=personas.hq)
    positive = Tube.objects.create(
        round=round_, barcode="T1", community=city.a, pool_size=10, opened_by=a,
        result="positive", result_at=local(y, 18),
    )  # fmt: skip
    clean = Tube.objects.create(
        round=round_, barcode="T2", community=city.a, pool_size=10, opened_by=a,
        result="negative", result_at=local(y, 18),
    )  # fmt: skip
    for resident, tube in ((residents[0], positive), (residents[1], clean)):
        sample = Sample.objects.create(
            client_uuid=uuid.uuid4(),
            round=round_,
            tube=tube,
            resident=resident,
            sampled_at=local(y, 9),
            operator=a,
        )
        counts.day_sampled_add([sample.pk])  # what the ingest does with each swab it records
    Recall.objects.create(round=round_, tube=positive, kind="positive", created_at=local(y, 19))

    def status(resident, value, start, end=None):
        StatusPeriod.objects.create(resident=resident, status=value, starts_at=start, ended_at=end)

    status(residents[0], "home_isolation", local(y, 8))
    status(residents[1], "home_isolation", local(y, 8) - dt.timedelta(days=2))
    status(residents[2], "close_contact", local(y, 12))
    status(residents[3], "close_contact", local(y, 7), local(y, 9))  # ended on Y
    status(residents[4], "home_isolation", local(y, 8))  # in B
    return SimpleNamespace(day=y, duty=duty, residents=residents)
