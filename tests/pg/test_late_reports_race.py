"""PostgreSQL-only: five workers tell of the same missed isolation report at once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from shequ.assistance.late_reports import notify_late_reports
from shequ.assistance.models import LateNotice
from shequ.core.models import Notification
from tests.assistance.test_isolation import at, isolate
from tests.pg.conftest import race

pytestmark = pytest.mark.pg


def test_five_runs_at_once_tell_each_late_resident_once(transactional_db, personas, city):
    assert connection.vendor == "postgresql"
    isolate(personas, city.ha1, name="甲", start=at(8) - dt.timedelta(days=2))
    isolate(personas, city.ha2, name="乙", start=at(8) - dt.timedelta(days=2))

    results, errors = race([lambda: notify_late_reports(now=at(12, 5)) for _ in range(5)])

    assert errors == []
    assert sum(results) == 2
    assert LateNotice.objects.count() == 2
    assert Notification.objects.filter(kind="isolation_late").count() == 2  # staff_a, twice
