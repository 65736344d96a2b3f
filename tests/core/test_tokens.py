from __future__ import annotations

import hashlib

import pytest

from shequ.core import services
from shequ.core.errors import ValidationError
from shequ.core.models import ApiToken


def test_only_the_hash_of_a_token_is_stored(personas):
    token, secret = services.api_token_create(actor=None, user=personas.hq, name="scanner")
    stored = ApiToken.objects.get(pk=token.pk)
    assert secret not in (stored.digest, stored.prefix, stored.name)
    assert stored.digest == hashlib.sha256(secret.encode()).hexdigest()
    assert services.user_for_token(secret) == personas.hq


def test_a_revoked_or_unknown_token_authenticates_nobody(personas):
    token, secret = services.api_token_create(actor=None, user=personas.hq, name="scanner")
    services.api_token_revoke(actor=None, token=token)
    assert services.user_for_token(secret) is None
    assert services.user_for_token("shq_not-a-token") is None
    assert services.user_for_token("Basic abc") is None


def test_a_token_of_a_deactivated_user_stops_working(personas):
    _token, secret = services.api_token_create(actor=None, user=personas.hq, name="scanner")
    personas.hq.is_active = False
    personas.hq.save()
    assert services.user_for_token(secret) is None


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_token_needs_a_sensible_name(personas, name):
    with pytest.raises(ValidationError) as exc:
        services.api_token_create(actor=None, user=personas.hq, name=name)
    assert "name" in exc.value.errors
    assert not ApiToken.objects.exists()


def test_api_answers_401_with_a_revoked_token(personas, client):
    token, secret = services.api_token_create(actor=None, user=personas.hq, name="scanner")
    services.api_token_revoke(actor=None, token=token)
    response = client.get("/api/v1/places", headers={"Authorization": f"Bearer {secret}"})
    assert response.status_code == 401
    assert response.json()["detail"]
