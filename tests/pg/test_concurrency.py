"""PostgreSQL-only: real concurrent transactions (SQLite serializes writers anyway)."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection

from shequ.core.errors import ValidationError
from shequ.places.models import ZoneDesignation, ZoneLevel
from shequ.places.services import zone_set
from tests.pg.conftest import race

pytestmark = pytest.mark.pg


def test_two_officers_setting_zones_at_once_never_leave_two_open_zones(
    transactional_db, personas, city
):
    assert connection.vendor == "postgresql"
    levels = [ZoneLevel.LOCKDOWN, ZoneLevel.CONTROL, ZoneLevel.PRECAUTION, ZoneLevel.LOCKDOWN]

    street = personas.street
    _, errors = race([lambda v=v: zone_set(actor=street, place=city.ka, level=v) for v in levels])

    # "already a lockdown since…" is a fair answer; anything else is not.
    assert all(isinstance(e, ValidationError) for e in errors), errors
    designations = list(ZoneDesignation.objects.filter(place=city.ka).order_by("starts_at", "id"))
    assert ZoneDesignation.objects.filter(place=city.ka, ends_at__isnull=True).count() == 1
    assert len(designations) + len(errors) == len(levels)
    # Each closed designation ends exactly when the next one starts: no overlap, no gap.
    for earlier, later in itertools.pairwise(designations):
        assert earlier.ends_at == later.starts_at
