"""PostgreSQL-only: twenty cadres tap 我来 on one help request at once."""

from __future__ import annotations

import pytest
from django.db import connection

from shequ.assistance import services
from shequ.assistance.models import HelpRequest, HelpStatus, RequestEvent
from shequ.core.errors import ValidationError
from shequ.core.roles import Role
from tests.assistance.conftest import open_request
from tests.conftest import make_user
from tests.pg.conftest import race

pytestmark = pytest.mark.pg


def test_twenty_claims_at_once_give_one_winner_and_nineteen_clear_refusals(
    transactional_db, personas, city
):
    assert connection.vendor == "postgresql"
    cadres = [make_user(f"c{i}", Role.CADRE, city.a, display_name=f"干部{i}") for i in range(20)]
    request = open_request(personas.staff_a, city.ha1)

    results, errors = race(
        [
            lambda user=user: services.help_claim(
                actor=user, request=HelpRequest.objects.get(pk=request.pk)
            )
            for user in cadres
        ]
    )

    assert len(results) == 1
    assert len(errors) == 19
    assert all(isinstance(e, ValidationError) for e in errors)
    winner = results[0].claimed_by
    assert {e.errors["status"] for e in errors} == {
        f"Already claimed by {winner.display_name}."
    } or {e.errors["status"] for e in errors} == {f"已由{winner.display_name}认领。"}
    request.refresh_from_db()
    assert (request.status, request.claimed_by) == (HelpStatus.CLAIMED, winner)
    assert RequestEvent.objects.filter(request=request, to_status="claimed").count() == 1
