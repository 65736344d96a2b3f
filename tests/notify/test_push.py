"""Web Push: a phone subscribes; an urgent message reaches it through its push service (here a
local HTTP server) encrypted for that phone alone; a failed push is logged and tried again, a
dead subscription is dropped, and an urgent message then falls back to SMS."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import http_ece
import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from shequ.core.models import AuditEvent, Notification
from shequ.notify import notify
from shequ.notify.models import Channel, Delivery, DeliveryStatus, PushSubscription
from shequ.notify.sending import requeue_stale, send_deliveries

TASK = "shequ.notify.tasks.send_deliveries_task"
ENDPOINT = "https://push.example.test/send/abc123"


def _subscription_json(phone, endpoint: str = ENDPOINT) -> dict:
    auth = base64.urlsafe_b64encode(phone.auth).rstrip(b"=").decode()
    return {"endpoint": endpoint, "keys": {"p256dh": phone.p256dh, "auth": auth}}


def _post(client, url: str, data: dict):
    return client.post(url, data=json.dumps(data), content_type="application/json")


def _decrypt(phone, body: bytes) -> dict:
    clear = http_ece.decrypt(body, private_key=phone.private_key, auth_secret=phone.auth)
    return json.loads(clear)


def _queued_tasks() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=TASK).order_by("enqueued_at"))


def _notify_after_commit(django_capture_on_commit_callbacks, users, **message) -> list[int]:
    """notify() in a request's transaction; returns the delivery ids the commit enqueued."""
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        notify(users, **message)
        assert not _queued_tasks(), "nothing leaves before the commit"
    assert len(callbacks) == 1
    return _queued_tasks()[-1].args_kwargs["args"][0]


# --- subscribing ---------------------------------------------------------------------------


def test_a_phone_subscribes_and_the_subscription_is_stored(login, personas, phone, vapid):
    client = login(personas.staff_a)
    answer = _post(client, "/notify/push/subscribe/", _subscription_json(phone))
    assert answer.status_code == 201
    sub = PushSubscription.objects.get()
    assert (sub.user, sub.endpoint, sub.p256dh) == (personas.staff_a, ENDPOINT, phone.p256dh)
    assert AuditEvent.objects.filter(action="notify.push.subscribe", actor=personas.staff_a)
    # The inbox now says this phone is on.
    page = client.get("/inbox/").content.decode()
    assert 'data-subscribed="1"' in page
    assert vapid.VAPID_PUBLIC_KEY in page


def test_the_same_phone_after_another_login_belongs_to_the_new_user(login, personas, phone):
    _post(login(personas.staff_a), "/notify/push/subscribe/", _subscription_json(phone))
    _post(login(personas.staff_b), "/notify/push/subscribe/", _subscription_json(phone))
    assert list(PushSubscription.objects.values_list("user", flat=True)) == [personas.staff_b.pk]


@pytest.mark.parametrize(
    ("endpoint", "field"),
    [("http://push.example.test/x", "endpoint"), ("https://p.test/" + "x" * 1000, "endpoint")],
)
def test_a_bad_subscription_is_refused(login, personas, phone, endpoint, field):
    subscription = _subscription_json(phone, endpoint)
    answer = _post(login(personas.staff_a), "/notify/push/subscribe/", subscription)
    assert answer.status_code == 400
    assert field in answer.json()["errors"]
    assert not PushSubscription.objects.exists()


def test_a_subscription_with_bad_keys_or_no_json_is_refused(login, personas):
    client = login(personas.staff_a)
    bad_keys = {"endpoint": ENDPOINT, "keys": {"p256dh": "<script>", "auth": 5}}
    assert _post(client, "/notify/push/subscribe/", bad_keys).json()["errors"].keys() == {
        "p256dh",
        "auth",
    }
    garbage = client.post("/notify/push/subscribe/", data="{", content_type="application/json")
    assert garbage.status_code == 400
    assert not PushSubscription.objects.exists()


def test_subscribing_needs_a_login_and_the_csrf_token(personas, phone):
    anonymous = Client()
    answer = _post(anonymous, "/notify/push/subscribe/", _subscription_json(phone))
    assert answer.status_code == 302  # to the login page
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(personas.staff_a)
    assert _post(strict, "/notify/push/subscribe/", _subscription_json(phone)).status_code == 403
    assert not PushSubscription.objects.exists()


def test_nobody_can_unsubscribe_someone_elses_phone(login, personas, phone):
    _post(login(personas.staff_a), "/notify/push/subscribe/", _subscription_json(phone))
    answer = _post(login(personas.staff_b), "/notify/push/unsubscribe/", {"endpoint": ENDPOINT})
    assert answer.json() == {"removed": 0}
    assert PushSubscription.objects.filter(user=personas.staff_a).exists()
    answer = _post(login(personas.staff_a), "/notify/push/unsubscribe/", {"endpoint": ENDPOINT})
    assert answer.json() == {"removed": 1}
    assert not PushSubscription.objects.exists()


def test_logging_out_stops_the_phone_showing_the_users_messages(login, personas, phone):
    client = login(personas.staff_a)
    _post(client, "/notify/push/subscribe/", _subscription_json(phone))
    client.post("/logout/")
    assert not PushSubscription.objects.exists()


def test_the_inbox_offers_notifications_only_when_push_is_configured(login, personas, settings):
    settings.VAPID_PUBLIC_KEY = settings.VAPID_PRIVATE_KEY = ""
    page = login(personas.staff_a).get("/inbox/").content.decode()
    assert "data-push-on" not in page
    settings.VAPID_PUBLIC_KEY, settings.VAPID_PRIVATE_KEY = "pub", "priv"
    page = login(personas.staff_a).get("/inbox/").content.decode()
    assert "data-push-on" in page
    assert 'data-subscribed="0"' in page


def test_the_service_worker_shows_pushed_messages(client):
    worker = client.get("/notify/sw.js")
    assert worker.status_code == 200
    assert worker["Content-Type"].startswith("text/javascript")
    body = worker.content.decode()
    assert 'addEventListener("push"' in body
    assert "showNotification" in body
    assert 'addEventListener("notificationclick"' in body


# --- sending -------------------------------------------------------------------------------


def test_an_urgent_call_goes_to_the_push_service_encrypted_for_the_phone(
    personas, vapid, service, phone, subscribe, django_capture_on_commit_callbacks
):
    sub = subscribe(personas.staff_a)
    ids = _notify_after_commit(
        django_capture_on_commit_callbacks,
        [personas.staff_a],
        kind="urgent_call",
        title="急需 2 人：北门 22:00",
        body="请回复",
        url="/duty/",
    )
    delivery = Delivery.objects.get(pk__in=ids)
    assert (delivery.channel, delivery.status) == (Channel.PUSH, DeliveryStatus.QUEUED)

    assert send_deliveries(ids) == []
    [sent] = service.received
    assert sent.path == "/push/phone"
    assert sent.headers["urgency"] == "high"
    assert sent.headers["ttl"] == "86400"
    assert sent.headers["content-encoding"] == "aes128gcm"
    assert sent.headers["authorization"].startswith("vapid t=")
    assert vapid.VAPID_PUBLIC_KEY in sent.headers["authorization"]
    note = Notification.objects.get(user=personas.staff_a)
    assert _decrypt(phone, sent.body) == {
        "title": "急需 2 人：北门 22:00",
        "body": "请回复",
        "url": f"/inbox/{note.pk}/",
        "tag": f"urgent_call-{note.pk}",
    }
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DeliveryStatus.SENT, 1, "")
    assert delivery.sent_at is not None
    sub.refresh_from_db()
    assert sub.last_success_at is not None
    # Sent once: the same ids again (a task run twice) send nothing more.
    send_deliveries(ids)
    assert len(service.received) == 1


def test_a_failed_push_is_logged_and_tried_again_later(
    personas, vapid, service, subscribe, django_capture_on_commit_callbacks
):
    subscribe(personas.staff_a)
    ids = _notify_after_commit(
        django_capture_on_commit_callbacks, [personas.staff_a], kind="order", title="集结令"
    )
    service.answer(503)
    before = timezone.now()
    assert send_deliveries(ids) == ids
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.QUEUED, 1)
    assert "503" in delivery.last_error
    assert delivery.next_attempt_at >= before + timedelta(seconds=30)
    retry = _queued_tasks()[-1]
    assert retry.args_kwargs["args"] == [ids]
    assert retry.run_after == delivery.next_attempt_at

    # The retry (as the worker runs it when its time comes) goes through.
    assert send_deliveries(ids) == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.SENT, 2)
    assert len(service.received) == 2


def test_a_push_failing_every_time_is_logged_failed_and_an_urgent_one_goes_by_sms(
    personas, vapid, service, subscribe, django_capture_on_commit_callbacks, capsys
):
    personas.staff_a.phone = "13900000007"
    personas.staff_a.save()
    subscribe(personas.staff_a)
    ids = _notify_after_commit(
        django_capture_on_commit_callbacks, [personas.staff_a], kind="gate_alert", title="北门"
    )
    service.answer(500, 500, 500)
    delays = []
    with django_capture_on_commit_callbacks(execute=True):
        for _attempt in range(3):
            send_deliveries(ids)
            delays.append(Delivery.objects.get(pk=ids[0]).next_attempt_at)
    pushed = Delivery.objects.get(pk=ids[0])
    assert (pushed.status, pushed.attempts) == (DeliveryStatus.FAILED, 3)
    assert "500" in pushed.last_error
    assert delays[1] - delays[0] > timedelta(seconds=30)  # waits longer each time
    assert delays[2] is None
    text = Delivery.objects.get(channel=Channel.SMS)
    assert text.status == DeliveryStatus.QUEUED
    send_deliveries([text.pk])
    text.refresh_from_db()
    assert text.status == DeliveryStatus.SENT
    assert "北门" in capsys.readouterr().err


def test_a_subscription_the_push_service_no_longer_knows_is_removed(
    personas, vapid, service, subscribe, django_capture_on_commit_callbacks
):
    subscribe(personas.staff_a, "old")
    ids = _notify_after_commit(
        django_capture_on_commit_callbacks, [personas.staff_a], kind="order", title="集结令"
    )
    service.answer(410)
    assert send_deliveries(ids) == []
    assert not PushSubscription.objects.exists()
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.last_error == "push service answered 410"
    assert not Delivery.objects.filter(channel=Channel.SMS).exists()  # an order is not urgent


def test_one_live_phone_is_enough(
    personas, vapid, service, subscribe, django_capture_on_commit_callbacks
):
    subscribe(personas.staff_a, "dead")
    subscribe(personas.staff_a, "live")
    ids = _notify_after_commit(
        django_capture_on_commit_callbacks, [personas.staff_a], kind="recall", title="召回"
    )
    service.answer(404, 201)
    send_deliveries(ids)
    assert Delivery.objects.get().status == DeliveryStatus.SENT
    assert [s.endpoint.rsplit("/", 1)[1] for s in PushSubscription.objects.all()] == ["live"]


def test_who_gets_what(personas, vapid, subscribe, django_capture_on_commit_callbacks):
    """Urgent: push, else SMS; orders: push to whom subscribed; the rest: inbox only."""
    subscribe(personas.staff_a)
    everyone = [personas.staff_a, personas.staff_b]
    with django_capture_on_commit_callbacks(execute=True):
        notify(everyone, kind="urgent_call", title="急")
        notify(everyone, kind="order", title="令")
        notify(everyone, kind="roster", title="排班")
    got = set(Delivery.objects.values_list("user__username", "kind", "channel"))
    assert got == {
        ("staff_a", "urgent_call", "push"),
        ("staff_b", "urgent_call", "sms"),
        ("staff_a", "order", "push"),
    }
    assert Notification.objects.count() == 6  # everyone's inbox has everything


@transaction.atomic
def _urgent_event_that_fails(user) -> None:
    notify([user], kind="urgent_call", title="急")
    raise RuntimeError("the event failed")


def test_a_rolled_back_event_sends_nothing(
    personas, vapid, subscribe, django_capture_on_commit_callbacks
):
    subscribe(personas.staff_a)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError, match="the event failed"),
    ):
        _urgent_event_that_fails(personas.staff_a)
    assert callbacks == []
    assert not Delivery.objects.exists()
    assert not _queued_tasks()


def test_a_delivery_whose_task_was_lost_is_queued_again(
    personas, vapid, service, subscribe, django_capture_on_commit_callbacks
):
    subscribe(personas.staff_a)
    ids = _notify_after_commit(
        django_capture_on_commit_callbacks, [personas.staff_a], kind="order", title="集结令"
    )
    DBTaskResult.objects.all().delete()  # the enqueue was lost
    assert requeue_stale() == 0  # not yet overdue
    later = timezone.now() + timedelta(minutes=6)
    # A worker that claimed one and died: it stays "sending" until the sweep.
    Delivery.objects.filter(pk=ids[0]).update(
        status=DeliveryStatus.SENDING, claimed_at=timezone.now()
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_stale(now=later) == 1
    assert _queued_tasks()[-1].args_kwargs["args"] == [ids]
    send_deliveries(ids)
    assert Delivery.objects.get().status == DeliveryStatus.SENT
    assert requeue_stale(now=later + timedelta(minutes=10)) == 0  # a sent one stays sent
