"""PostgreSQL-only: two people adjusting the same team draft at once."""

from __future__ import annotations

import pytest
from django.db import connection

from shequ.mobilization import formation
from shequ.mobilization.models import TeamDraft
from tests.mobilization.conftest import mob  # noqa: F401 - fixture
from tests.mobilization.test_formation import pool  # noqa: F401 - fixture
from tests.pg.conftest import race

pytestmark = pytest.mark.pg


def test_two_swaps_at_once_on_one_draft_are_both_kept(
    transactional_db,
    personas,
    mob,  # noqa: F811 - imported fixture
    pool,  # noqa: F811 - the fixtures imported above
):
    assert connection.vendor == "postgresql"
    draft = formation.team_draft_create(
        actor=personas.hq, order=mob.order, rules=formation.rules_from(time_limit_s=5)
    )
    first, second, third = draft.teams
    a, b = first["members"][0], second["members"][0]
    c, d = first["members"][1], third["members"][1]
    # Each officer has the draft page open: both hold the same draft as it was.
    seen_by_one = TeamDraft.objects.get(pk=draft.pk)
    seen_by_other = TeamDraft.objects.get(pk=draft.pk)

    results, errors = race(
        [
            lambda: formation.team_draft_swap(
                actor=personas.hq, draft=seen_by_one, first=a, second=b
            ),
            lambda: formation.team_draft_swap(
                actor=personas.hq, draft=seen_by_other, first=c, second=d
            ),
        ]
    )

    assert errors == []
    assert len(results) == 2
    draft.refresh_from_db()
    one, two, three = draft.teams
    # The first swap is kept, and so is the second.
    assert b in one["members"]
    assert a in two["members"]
    assert d in one["members"]
    assert c in three["members"]
    everyone = [p for t in draft.teams for p in (t["leader"], *t["members"])]
    assert len(everyone) == len(set(everyone)) == 9
