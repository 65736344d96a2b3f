"""One-time codes: the right code opens once; wrong, expired, reused and too many tries are
refused with a message saying what to do; asking is rate limited per phone and per address."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shequ.core import otp
from shequ.core.errors import ValidationError
from shequ.core.models import CodePurpose, OneTimeCode
from tests.conftest import last_code

PHONE = "13900000001"
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def _send(phone: str = PHONE, client: str = "10.0.0.1") -> str:
    otp.code_send(phone=phone, purpose=CodePurpose.SIGN_IN, client=client)
    return phone


def _check(code: str, phone: str = PHONE) -> str:
    return otp.code_check(phone=phone, purpose=CodePurpose.SIGN_IN, code=code)


def test_the_right_code_opens_once_and_is_never_stored_in_clear(outbox):
    _send("+86 139-0000-0001")
    code = last_code(outbox, PHONE)
    assert "5 minutes" in outbox[-1].text
    row = OneTimeCode.objects.get()
    assert code not in row.code_hash
    assert code not in row.phone_hmac
    assert _check(code) == PHONE
    with pytest.raises(ValidationError, match="already used"):
        _check(code)


def test_a_wrong_code_is_refused_and_counted(outbox):
    _send()
    code = last_code(outbox, PHONE)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    with pytest.raises(ValidationError, match="Wrong code") as exc:
        _check(wrong)
    assert exc.value.errors.keys() == {"code"}
    assert OneTimeCode.objects.get().attempts == 1
    assert _check(code) == PHONE  # the right one still works


def test_too_many_wrong_tries_lock_the_code(outbox):
    _send()
    code = last_code(outbox, PHONE)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    for _ in range(otp.MAX_ATTEMPTS):
        with pytest.raises(ValidationError, match="Wrong code"):
            _check(wrong)
    with pytest.raises(ValidationError, match="Too many wrong tries"):
        _check(code)


def test_an_expired_code_is_refused(outbox):
    _send()
    code = last_code(outbox, PHONE)
    OneTimeCode.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(ValidationError, match="expired"):
        _check(code)


def test_a_code_for_another_purpose_does_not_open(outbox):
    otp.code_send(phone=PHONE, purpose=CodePurpose.PASSWORD_RESET, client="x")
    code = last_code(outbox, PHONE)
    with pytest.raises(ValidationError, match="No code was sent"):
        _check(code)


def test_not_six_digits_is_refused_before_any_try(outbox):
    _send()
    with pytest.raises(ValidationError, match="6 digits"):
        _check("12ab")
    assert OneTimeCode.objects.get().attempts == 0


def test_one_code_a_minute_and_five_an_hour_per_phone(outbox):
    _send()
    with pytest.raises(otp.TooManyCodes, match="wait"):
        _send()
    assert len(outbox) == 1
    for minutes in range(2, 6):  # pretend the earlier codes are older than the gap
        OneTimeCode.objects.update(created_at=timezone.now() - dt.timedelta(minutes=minutes))
        _send()
    OneTimeCode.objects.update(created_at=timezone.now() - dt.timedelta(minutes=10))
    with pytest.raises(otp.TooManyCodes, match="in an hour"):
        _send()
    assert len(outbox) == otp.PHONE_PER_HOUR


def test_one_address_asking_for_many_phones_is_stopped(outbox):
    for i in range(otp.CLIENT_PER_HOUR):
        _send(f"1390000{i:04d}", client="10.9.9.9")
    with pytest.raises(otp.TooManyCodes, match="network"):
        _send("13911112222", client="10.9.9.9")
    _send("13911112222", client="10.9.9.8")  # another address is not held up
    assert len(outbox) == otp.CLIENT_PER_HOUR + 1


def test_a_request_that_delivers_nothing_counts_the_same(outbox):
    otp.code_send(phone=PHONE, purpose=CodePurpose.SIGN_IN, client="x", deliver=False)
    assert outbox == []
    with pytest.raises(otp.TooManyCodes):
        otp.code_send(phone=PHONE, purpose=CodePurpose.SIGN_IN, client="x", deliver=False)
    with pytest.raises(ValidationError, match="No code was sent"):
        _check("123456")


def test_a_phone_that_is_not_a_mobile_number_is_refused(outbox):
    with pytest.raises(ValidationError, match="11-digit") as exc:
        _send("12345")
    assert exc.value.errors.keys() == {"phone"}
