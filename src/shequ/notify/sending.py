"""Sending what notify() queued, in the background worker: each delivery is claimed by one
worker (a conditional update), sent, and logged sent, or queued again with a growing delay,
or logged failed after settings.NOTIFY_MAX_ATTEMPTS. An urgent message whose push cannot go
falls back to SMS."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from shequ.notify import push, sms
from shequ.notify.models import Channel, Delivery, DeliveryStatus, PushSubscription
from shequ.notify.services import enqueue_sending, is_urgent

logger = logging.getLogger(__name__)

SMS_MAX = 140


class Gone(Exception):
    """No way to reach this person by this channel: trying again will not help."""


# A delivery queued, or being sent, this long past its time has lost its task (the enqueue
# failed, the worker died mid-send): `requeue_stale` queues it again.
STALE_AFTER = timedelta(minutes=5)


def _claim(pk: int) -> bool:
    return bool(
        Delivery.objects.filter(pk=pk, status=DeliveryStatus.QUEUED).update(
            status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, claimed_at=timezone.now()
        )
    )


def requeue_stale(*, now: datetime | None = None) -> int:
    """Queue again the deliveries no task will send: queued and overdue by STALE_AFTER, or
    claimed that long ago by a worker that never finished (it may then go twice: better than
    an alert that never goes). Run by the worker's heartbeat; returns how many."""
    now = now or timezone.now()
    cutoff = now - STALE_AFTER
    queued = Q(status=DeliveryStatus.QUEUED)
    stale = Delivery.objects.filter(
        (queued & Q(next_attempt_at__lte=cutoff))
        | (queued & Q(next_attempt_at__isnull=True, created_at__lte=cutoff))
        | Q(status=DeliveryStatus.SENDING, claimed_at__lte=cutoff)
    )
    ids = list(stale.values_list("pk", flat=True)[:1000])
    if not ids:
        return 0
    # The same conditions again: one that ended meanwhile is left as it ended.
    stale.filter(pk__in=ids).update(status=DeliveryStatus.QUEUED, next_attempt_at=now)
    enqueue_sending(ids)
    logger.warning("notify: %d deliveries had lost their task; queued again", len(ids))
    return len(ids)


def _send_push(delivery: Delivery) -> None:
    note = delivery.notification
    if note is None:
        raise Gone("the message was deleted")
    if not push.push_enabled():
        raise Gone("Web Push is off (no VAPID keys)")
    subs = list(PushSubscription.objects.filter(user_id=delivery.user_id))
    if not subs:
        raise Gone("no push subscription")
    message = push.PushMessage(
        title=note.title,
        body=note.body,
        url=reverse("web:inbox_open", args=[note.pk]),
        tag=f"{note.kind}-{note.pk}",
        urgent=is_urgent(note.kind),
    )
    now = timezone.now()
    errors: list[str] = []
    delivered = False
    for sub in subs:
        try:
            push.send_push(sub, message)
        except push.PushGone as exc:
            # The browser dropped it (uninstalled, permission withdrawn): forget it.
            sub.delete()
            errors.append(str(exc))
        except push.PushError as exc:
            PushSubscription.objects.filter(pk=sub.pk).update(last_failure_at=now)
            errors.append(str(exc))
        else:
            PushSubscription.objects.filter(pk=sub.pk).update(last_success_at=now)
            delivered = True
    if delivered:
        return
    if not PushSubscription.objects.filter(user_id=delivery.user_id).exists():
        raise Gone("; ".join(errors) or "no push subscription")
    raise push.PushError("; ".join(errors))


def _phone_of(delivery: Delivery) -> str:
    # The number is decrypted here, at the moment of sending, and nowhere else.
    user = delivery.user
    phone = user.phone
    if not phone:
        staff = getattr(user, "staff", None)
        phone = staff.phone if staff is not None else ""
    return phone


def _send_sms(delivery: Delivery) -> None:
    note = delivery.notification
    if note is None:
        raise Gone("the message was deleted")
    phone = _phone_of(delivery)
    if not phone:
        raise Gone("no phone number")
    text = note.title if not note.body else f"{note.title} {note.body}"
    sms.backend().send(to=phone, text=text[:SMS_MAX])


def _retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=settings.NOTIFY_RETRY_SECONDS * 2 ** max(attempts - 1, 0))


def _fall_back_to_sms(delivery: Delivery) -> Delivery | None:
    if delivery.channel != Channel.PUSH or not is_urgent(delivery.kind) or not sms.sms_enabled():
        return None
    return Delivery.objects.create(
        user_id=delivery.user_id,
        notification_id=delivery.notification_id,
        channel=Channel.SMS,
        kind=delivery.kind,
    )


def send_deliveries(ids: Sequence[int]) -> list[int]:
    """Send the queued deliveries among `ids` (others are left to whoever holds them).
    Returns the ids queued again, for later; they are enqueued with their delay."""
    later: dict[datetime, list[int]] = defaultdict(list)
    fallbacks: list[int] = []
    for pk in ids:
        if not _claim(pk):
            continue
        delivery = Delivery.objects.select_related("notification", "user", "user__staff").get(pk=pk)
        now = timezone.now()
        try:
            (_send_push if delivery.channel == Channel.PUSH else _send_sms)(delivery)
        except Gone as exc:
            _end(delivery, DeliveryStatus.FAILED, str(exc))
            extra = _fall_back_to_sms(delivery)
            if extra is not None:
                fallbacks.append(extra.pk)
        except (push.PushError, sms.SmsError) as exc:
            if delivery.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
                _end(delivery, DeliveryStatus.FAILED, str(exc))
                extra = _fall_back_to_sms(delivery)
                if extra is not None:
                    fallbacks.append(extra.pk)
            else:
                when = now + _retry_delay(delivery.attempts)
                Delivery.objects.filter(pk=pk).update(
                    status=DeliveryStatus.QUEUED, last_error=str(exc)[:300], next_attempt_at=when
                )
                later[when].append(pk)
                logger.info("notify: delivery %s failed (%s); again at %s", pk, exc, when)
        except Exception as exc:  # a bug or an outage must not leave it "sending" for good
            logger.exception("notify: delivery %s", pk)
            _end(delivery, DeliveryStatus.FAILED, f"{type(exc).__name__}: {exc}")
        else:
            Delivery.objects.filter(pk=pk).update(
                status=DeliveryStatus.SENT, sent_at=now, last_error="", next_attempt_at=None
            )
    if fallbacks:
        enqueue_sending(fallbacks)
    for when, pks in later.items():
        _enqueue_later(pks, when)
    return [pk for pks in later.values() for pk in pks]


def _end(delivery: Delivery, status: str, error: str) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(
        status=status, last_error=error[:300], next_attempt_at=None
    )
    logger.warning("notify: delivery %s %s: %s", delivery.pk, status, error)


def _enqueue_later(ids: list[int], when: datetime) -> None:
    from shequ.notify.tasks import send_deliveries_task

    if send_deliveries_task.get_backend().supports_defer:
        send_deliveries_task.using(run_after=when).enqueue(ids)
    else:  # a backend that runs tasks at once cannot wait: they stay queued
        logger.warning("notify: %d deliveries wait for a retry it cannot defer", len(ids))
