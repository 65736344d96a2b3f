"""Schemathesis in `make test`: every /api/v1 operation, with a fixed seed and a few examples
each, as the city HQ (sees everything) and as community staff (one community): no server
error, and every answer as the schema declares it (status code, content type, body).

The longer run with the figures is bench/api_fuzz.py.
"""

from __future__ import annotations

import os

import pytest
from django.db import transaction

from shequ.core import services as core_services
from shequ.core.roles import Role
from tests.api import fuzz
from tests.web.access_world import World, build_world

# bench/api_fuzz.py sets these for its longer runs.
SEED = int(os.environ.get("SHEQU_FUZZ_SEED", "20261206"))
EXAMPLES = int(os.environ.get("SHEQU_FUZZ_EXAMPLES", "4"))
USERS = {"hq": Role.CITY_HQ, "community_staff": Role.COMMUNITY_STAFF}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            built = build_world()
            for name, role in USERS.items():
                user = built.users[role]
                _token, built.tokens[name] = core_services.api_token_create(
                    actor=None, user=user, name="fuzz"
                )
            yield built
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.mark.parametrize("user", list(USERS))
def test_every_operation_answers_as_its_schema_says(world: World, db, user: str) -> None:
    report = fuzz.fuzz(world, users={user: world.tokens[user]}, examples=EXAMPLES, seed=SEED)
    if os.environ.get("SHEQU_FUZZ_REPORT"):  # bench/api_fuzz.py reads it
        fuzz.write_report(report, os.environ["SHEQU_FUZZ_REPORT"], user)
    assert report.operations > 90
    assert not report.found, (
        "\n\n".join(map(str, report.found[:30])) + f"\n\n{fuzz.summary(report)}"
    )
