"""SMS: an urgent message to whom no push reaches goes as a text through the chosen backend:
the console (the worker's log), a file (development), or a provider's HTTP gateway."""

from __future__ import annotations

import json

import pytest

from shequ.mobilization.models import Staff, StaffKind
from shequ.notify import notify
from shequ.notify.models import Channel, Delivery, DeliveryStatus
from shequ.notify.sending import send_deliveries


def _text_to(user, django_capture_on_commit_callbacks, title="北门：发热 请速到", **kw) -> Delivery:
    with django_capture_on_commit_callbacks(execute=True):
        notify([user], kind="gate_alert", title=title, **kw)
    return Delivery.objects.filter(user=user, channel=Channel.SMS).order_by("id").last()


@pytest.fixture
def with_phone(personas):
    personas.staff_a.phone = "139 0000 0007"
    personas.staff_a.save()
    return personas.staff_a


def test_the_console_backend_gets_the_text_with_the_number_masked(
    with_phone, settings, capsys, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "console"
    text = _text_to(with_phone, django_capture_on_commit_callbacks, body="甲三")
    send_deliveries([text.pk])
    err = capsys.readouterr().err
    assert "北门：发热 请速到 甲三" in err
    assert "13900000007" not in err  # the log shows the number masked
    text.refresh_from_db()
    assert (text.status, text.attempts) == (DeliveryStatus.SENT, 1)


def test_the_file_backend_appends_the_text(
    with_phone, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE = tmp_path / "sms.log"
    first = _text_to(with_phone, django_capture_on_commit_callbacks, title="一")
    second = _text_to(with_phone, django_capture_on_commit_callbacks, title="二")
    send_deliveries([first.pk])
    send_deliveries([second.pk])
    lines = [json.loads(line) for line in settings.SMS_FILE.read_text().splitlines()]
    assert [(line["to"], line["text"]) for line in lines] == [
        ("13900000007", "一"),
        ("13900000007", "二"),
    ]


def test_the_http_backend_posts_to_the_provider_with_its_token(
    with_phone, settings, service, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "http"
    settings.SMS_URL = f"{service.url}/sms/send"
    settings.SMS_TOKEN = "test-token"
    settings.SMS_SENDER = "SHEQU"
    text = _text_to(with_phone, django_capture_on_commit_callbacks)
    send_deliveries([text.pk])
    [sent] = service.received
    assert sent.path == "/sms/send"
    assert sent.headers["authorization"] == "Bearer test-token"
    assert json.loads(sent.body) == {
        "to": "13900000007",
        "text": "北门：发热 请速到",
        "sender": "SHEQU",
    }
    text.refresh_from_db()
    assert text.status == DeliveryStatus.SENT


def test_a_gateway_error_is_logged_and_tried_again(
    with_phone, settings, service, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "http"
    settings.SMS_URL = f"{service.url}/sms/send"
    settings.SMS_TOKEN = "test-token"
    settings.NOTIFY_MAX_ATTEMPTS = 2
    service.answer(502, 502)
    text = _text_to(with_phone, django_capture_on_commit_callbacks)
    assert send_deliveries([text.pk]) == [text.pk]
    text.refresh_from_db()
    assert (text.status, text.attempts, text.last_error) == (
        DeliveryStatus.QUEUED,
        1,
        "SMS gateway answered 502",
    )
    assert send_deliveries([text.pk]) == []
    text.refresh_from_db()
    assert (text.status, text.attempts) == (DeliveryStatus.FAILED, 2)


def test_the_number_comes_from_the_staff_record_when_the_login_has_none(
    personas, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "file"
    settings.SMS_FILE = tmp_path / "sms.log"
    Staff.objects.create(
        kind=StaffKind.VOLUNTEER,
        name="志愿者甲",
        id_number="110101199001011237",
        phone="13700000003",
        birth_year=1990,
        gender="male",
        user=personas.cadre,
    )
    text = _text_to(personas.cadre, django_capture_on_commit_callbacks)
    send_deliveries([text.pk])
    assert json.loads(settings.SMS_FILE.read_text())["to"] == "13700000003"


def test_no_number_means_failed_at_once(personas, settings, django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "console"
    text = _text_to(personas.staff_b, django_capture_on_commit_callbacks)
    assert send_deliveries([text.pk]) == []
    text.refresh_from_db()
    assert (text.status, text.last_error, text.attempts) == (
        DeliveryStatus.FAILED,
        "no phone number",
        1,
    )


def test_sms_off_sends_no_text(personas, settings, django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "off"
    with django_capture_on_commit_callbacks(execute=True):
        notify([personas.staff_a], kind="urgent_call", title="急")
    assert not Delivery.objects.exists()


def test_a_one_time_code_goes_through_the_same_backend(settings, tmp_path, caplog):
    """send_text (codes, invitations: no user to queue for) hands the text to the backend at
    once; a gateway that fails is logged, not raised into the sign-in page."""
    from shequ.notify.phone import send_text

    settings.SMS_BACKEND = "file"
    settings.SMS_FILE = tmp_path / "sms.log"
    send_text("139 0000 0008", "验证码 123456")
    line = json.loads(settings.SMS_FILE.read_text(encoding="utf-8").splitlines()[-1])
    assert (line["to"], line["text"]) == ("13900000008", "验证码 123456")

    settings.SMS_BACKEND = "http"
    settings.SMS_URL = "http://127.0.0.1:9/"  # nothing listens on the discard port
    settings.SMS_TOKEN = "t"
    settings.SMS_TIMEOUT_SECONDS = 2
    send_text("13900000008", "验证码 654321")
    assert "failed" in caplog.text
    assert "13900000008" not in caplog.text  # masked
