"""PostgreSQL keeps no LIKE index (varchar_pattern_ops) where nothing searches by prefix: the
residents' blind indexes and health status (residents 0004); the places' path, searched by
prefix for every scope, keeps its own."""

from __future__ import annotations

import pytest
from django.db import connection

pytestmark = [pytest.mark.pg, pytest.mark.django_db]


def pattern_indexed(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
            [table, "%pattern_ops%"],
        )
        return {d.split("(", 1)[1].split()[0] for (d,) in cursor.fetchall()}


def test_only_prefix_searched_columns_keep_a_like_index() -> None:
    assert connection.vendor == "postgresql"
    assert pattern_indexed("residents_resident") == set()
    assert "path" in pattern_indexed("places_place")
