"""PostgreSQL-only: phones at one door at once. Five cadres' phones record "nobody home" on
the same door together: five revisits counted, none lost. Two phones resend one offline
batch at the same moment: each outcome is recorded once."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.utils import timezone

from shequ.outreach import phone, services
from shequ.outreach.models import Task, TaskStatus, Visit
from tests.outreach.conftest import door, task_of  # noqa: F401 - the fixture
from tests.pg.conftest import race

pytestmark = pytest.mark.pg


def test_five_nobody_home_at_once_count_five_revisits(transactional_db, door, city, personas):  # noqa: F811
    assert connection.vendor == "postgresql"
    task = task_of(door.campaign, city.ha1)
    _results, errors = race(
        [
            lambda: services.outcome_record(
                actor=personas.cadre, task=Task.objects.select_related(
                    "campaign", "building", "household").get(pk=task.pk),
                outcome="nobody_home",
            )
            for _n in range(5)
        ]
    )  # fmt: skip
    assert errors == []
    task.refresh_from_db()
    assert (task.status, task.visits) == (TaskStatus.NOBODY_HOME, 5)
    assert Visit.objects.filter(task=task).count() == 5


def test_one_offline_batch_sent_by_two_phones_at_once_is_recorded_once(
    transactional_db,
    door,  # noqa: F811
    city,
    personas,
):
    t1, t2 = task_of(door.campaign, city.ha1), task_of(door.campaign, city.ha2)
    now = timezone.now().isoformat()
    items = [
        {"client_uuid": str(uuid.uuid4()), "task_id": t1.pk, "at": now, "outcome": "refused"},
        {"client_uuid": str(uuid.uuid4()), "task_id": t2.pk, "at": now, "outcome": "moved"},
    ]
    results, errors = race(
        [lambda: phone.visits_batch(actor=personas.cadre, items=items) for _n in range(2)]
    )
    assert errors == []
    statuses = sorted(a.status for answers in results for a in answers)
    assert statuses == ["created", "created", "duplicate", "duplicate"]
    assert Visit.objects.count() == 2
