"""Every service write leaves exactly one matching AuditEvent, in the same transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from shequ.core import audit, services
from shequ.core.models import AuditEvent
from shequ.core.roles import Role
from shequ.places import services as place_services
from shequ.places.models import PlaceKind, ZoneLevel
from tests.conftest import make_user


def _writes(personas, city):
    """(action, call) pairs: each call is one service write."""
    hq = personas.hq
    token_holder = {}

    def make_token():
        token, _secret = services.api_token_create(actor=hq, user=hq, name="scanner")
        token_holder["token"] = token
        return token

    def lift():
        place_services.zone_set(
            actor=hq,
            place=city.kb,
            level=ZoneLevel.CONTROL,
            starts_at=timezone.now() - timedelta(hours=2),
        )
        AuditEvent.objects.all().delete()
        return place_services.zone_lift(actor=hq, place=city.kb)

    return [
        (
            "core.user.create",
            lambda: services.user_create(actor=hq, username="new1", password="long-enough-pw-1"),
        ),
        (
            "core.role.grant",
            lambda: services.role_grant(
                actor=hq, user=personas.outsider, role=Role.CADRE, place=city.a
            ),
        ),
        ("core.token.create", make_token),
        (
            "core.token.revoke",
            lambda: services.api_token_revoke(actor=hq, token=token_holder["token"]),
        ),
        (
            "core.user.language",
            lambda: services.user_set_language(user=personas.street, language="en"),
        ),
        (
            "places.place.create",
            lambda: place_services.place_create(
                actor=hq, kind=PlaceKind.BUILDING, code="KA-9", name="9号楼", parent=city.ka
            ),
        ),
        (
            "places.zone.set",
            lambda: place_services.zone_set(actor=hq, place=city.ka, level=ZoneLevel.LOCKDOWN),
        ),
        ("places.zone.lift", lift),
    ]


ACTIONS = [
    "core.user.create",
    "core.role.grant",
    "core.token.create",
    "core.token.revoke",
    "core.user.language",
    "places.place.create",
    "places.zone.set",
    "places.zone.lift",
]


@pytest.mark.parametrize("action", ACTIONS)
def test_each_service_write_leaves_exactly_one_matching_audit_event(db, personas, city, action):
    calls = dict(_writes(personas, city))
    if action == "core.token.revoke":
        calls["core.token.create"]()
    AuditEvent.objects.all().delete()
    obj = calls[action]()
    events = list(AuditEvent.objects.all())
    assert len(events) == 1, [e.action for e in events]
    assert events[0].action == action
    assert events[0].object_id == str(obj.pk)
    assert events[0].object_type == obj._meta.label_lower


def test_every_service_write_is_covered_by_the_audit_test(db, personas, city):
    assert [action for action, _ in _writes(personas, city)] == ACTIONS


def test_audit_refuses_to_write_outside_a_transaction(transactional_db):
    user = make_user("li")
    with pytest.raises(RuntimeError, match="transaction"):
        audit.record(actor=None, action="x", obj=user)


def test_an_audit_row_rolls_back_with_its_change(db):
    def create_then_fail():
        with transaction.atomic():
            make_user("li")
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        create_then_fail()
    assert not AuditEvent.objects.exists()


def test_phone_in_the_audit_log_is_masked(db, personas):
    event = AuditEvent.objects.get(action="core.user.create", object_id=str(personas.street.pk))
    assert event.changes["phone"] == "138****0001"
