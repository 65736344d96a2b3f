from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidTag
from django.core.exceptions import FieldError
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from shequ.core import pii
from shequ.core.models import User
from tests.conftest import make_user


def test_raw_database_row_holds_no_plaintext_phone(db):
    user = make_user("li", phone="138 0013 8000")
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, phone_hmac FROM core_user WHERE id = %s", [user.pk])
        stored_phone, stored_hmac = cursor.fetchone()
    assert "13800138000" not in stored_phone
    assert "8000" not in stored_phone
    assert stored_phone.startswith("v1:")
    assert "13800138000" not in stored_hmac
    assert User.objects.get(pk=user.pk).phone == "13800138000"


@pytest.mark.parametrize("typed", ["13800138000", "+86 138-0013-8000", "0086 13800138000"])
def test_lookup_by_phone_finds_the_user_whatever_the_format(db, typed):
    user = make_user("li", phone="13800138000")
    make_user("wang", phone="13900139000")
    assert list(User.objects.with_phone(typed)) == [user]


def test_lookup_by_unknown_phone_finds_nobody(db):
    make_user("li", phone="13800138000")
    assert not User.objects.with_phone("13800138001").exists()


def test_filtering_on_the_encrypted_column_is_refused_with_a_pointer_to_the_index(db):
    with pytest.raises(FieldError, match=r"phone_hmac|blind index"):
        list(User.objects.filter(phone="13800138000"))


def test_ciphertext_copied_into_another_column_does_not_decrypt(settings):
    token = pii.encrypt("110101199003071234", context="residents.resident.id_number")
    with pytest.raises(InvalidTag):
        pii.decrypt(token, context="core.user.phone")


def test_tampered_ciphertext_is_rejected(settings):
    token = pii.encrypt("13800138000", context="core.user.phone")
    flipped = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises((InvalidTag, ValueError)):
        pii.decrypt(flipped, context="core.user.phone")


def test_a_different_key_cannot_read_old_tokens(settings):
    token = pii.encrypt("13800138000", context="core.user.phone")
    settings.PII_KEY = "another-key-entirely"
    with pytest.raises(InvalidTag):
        pii.decrypt(token, context="core.user.phone")


@given(st.text(min_size=1, max_size=200))
def test_encryption_round_trips_any_text(value):
    token = pii.encrypt(value, context="t.t.f")
    assert value not in token or len(value) < 3
    assert pii.decrypt(token, context="t.t.f") == value


def test_same_value_encrypts_differently_each_time_but_indexes_the_same():
    a = pii.encrypt("13800138000", context="core.user.phone")
    b = pii.encrypt("13800138000", context="core.user.phone")
    assert a != b
    assert pii.blind_index("13800138000", kind="phone") == pii.blind_index(
        "13800138000", kind="phone"
    )


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("110101199003071234", "**************1234"),
        ("11010119900307123X", "**************123X"),
        ("E12345678", "*****5678"),
        ("13800138000", "138****8000"),
        ("1234567", "*****67"),
        ("1234", "****"),
        ("", ""),
    ],
)
def test_mask_shows_the_last_digits_of_documents_and_the_ends_of_phones(value, masked):
    assert pii.mask(value) == masked


def test_saving_only_the_phone_keeps_the_lookup_in_step(db):
    user = make_user("li", phone="13800138000")
    user.phone = "13900139000"
    user.save(update_fields=["phone"])
    assert list(User.objects.with_phone("13900139000")) == [user]
    assert not User.objects.with_phone("13800138000").exists()
