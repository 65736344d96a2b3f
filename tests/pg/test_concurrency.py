"""PostgreSQL-only: real concurrent transactions (SQLite serializes writers anyway)."""

from __future__ import annotations

import itertools
import threading

import pytest
from django.db import connection, connections

from shequ.core.errors import ValidationError
from shequ.places.models import ZoneDesignation, ZoneLevel
from shequ.places.services import zone_set

pytestmark = pytest.mark.pg


def test_two_officers_setting_zones_at_once_never_leave_two_open_zones(
    transactional_db, personas, city
):
    assert connection.vendor == "postgresql"
    barrier = threading.Barrier(4)
    errors: list[Exception] = []
    levels = [ZoneLevel.LOCKDOWN, ZoneLevel.CONTROL, ZoneLevel.PRECAUTION, ZoneLevel.LOCKDOWN]

    def set_zone(level: str) -> None:
        try:
            barrier.wait()
            zone_set(actor=personas.street, place=city.ka, level=level)
        except ValidationError as exc:  # "already a lockdown since…" is a fair answer
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=set_zone, args=(lvl,)) for lvl in levels]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    designations = list(ZoneDesignation.objects.filter(place=city.ka).order_by("starts_at", "id"))
    assert ZoneDesignation.objects.filter(place=city.ka, ends_at__isnull=True).count() == 1
    assert len(designations) + len(errors) == len(levels)
    # Each closed designation ends exactly when the next one starts: no overlap, no gap.
    for earlier, later in itertools.pairwise(designations):
        assert earlier.ends_at == later.starts_at
