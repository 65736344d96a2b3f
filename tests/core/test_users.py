from __future__ import annotations

import pytest

from shequ.core import services
from shequ.core.errors import ValidationError
from shequ.core.models import AuditEvent, User
from shequ.core.roles import Role
from tests.conftest import make_user


def test_passwords_are_stored_as_argon2_hashes(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = services.user_create(actor=None, username="zhao", password="a-long-pass-phrase")
    assert user.password.startswith("argon2")
    assert user.check_password("a-long-pass-phrase")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"username": "a b"}, "username"),
        ({"username": "x" * 65}, "username"),
        ({"username": ""}, "username"),
        ({"phone": "12345"}, "phone"),
        ({"password": "123"}, "password"),
        ({"language": "fr"}, "language"),
    ],
)
def test_bad_user_input_names_the_field_and_writes_nothing(db, kwargs, field):
    args = {"username": "zhao", "password": "a-long-pass-phrase", **kwargs}
    with pytest.raises(ValidationError) as exc:
        services.user_create(actor=None, **args)
    assert field in exc.value.errors
    assert exc.value.errors[field]
    assert not User.objects.exists()
    assert not AuditEvent.objects.exists()


def test_login_names_are_unique_regardless_of_case(db):
    make_user("Zhao")
    with pytest.raises(ValidationError) as exc:
        services.user_create(actor=None, username="zhao", password="a-long-pass-phrase")
    assert "taken" in exc.value.errors["username"] or "已" in exc.value.errors["username"]


def test_a_place_role_needs_a_place_and_an_agency_role_an_agency(db, city):
    user = make_user("zhao")
    with pytest.raises(ValidationError) as exc:
        services.role_grant(actor=None, user=user, role=Role.STREET_OFFICER)
    assert "place" in exc.value.errors
    with pytest.raises(ValidationError) as exc:
        services.role_grant(actor=None, user=user, role=Role.AGENCY_COORDINATOR, place=city.s1)
    assert "agency" in exc.value.errors
    with pytest.raises(ValidationError) as exc:
        services.role_grant(actor=None, user=user, role="mayor", place=city.s1)
    assert "role" in exc.value.errors


def test_granting_the_same_role_twice_keeps_one(db, city):
    user = make_user("zhao")
    first = services.role_grant(actor=None, user=user, role=Role.STREET_OFFICER, place=city.s1)
    again = services.role_grant(actor=None, user=user, role=Role.STREET_OFFICER, place=city.s1)
    assert first.pk == again.pk
    assert user.role_assignments.count() == 1
