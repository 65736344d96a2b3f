"""notify(): the one way an app tells people something (an alert, a call, an approval to give).

The inbox rows are written in the caller's transaction, beside the event they are about: they
appear exactly when the event commits, vanish with it when it rolls back, and are never lost
between the two (an on_commit hook could be, if the process died in between). The channels
that leave the machine (Web Push, SMS; docs/notifications.md) are logged in the same
transaction as queued Deliveries, and handed to the background worker only after the commit
(`transaction.on_commit`): a rolled-back event sends nothing, and no request waits on a
push service or an SMS gateway.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from shequ.core import audit
from shequ.core.errors import ValidationError
from shequ.core.models import Notification, User
from shequ.notify.models import Channel, Delivery, PushSubscription
from shequ.notify.push import push_enabled
from shequ.notify.sms import sms_enabled

logger = logging.getLogger(__name__)

TITLE_MAX = Notification._meta.get_field("title").max_length
BODY_MAX = Notification._meta.get_field("body").max_length
URL_MAX = Notification._meta.get_field("url").max_length
KIND_MAX = Notification._meta.get_field("kind").max_length

Users = QuerySet[User] | Iterable[User | int | None]


@dataclass(frozen=True)
class Message:
    """One message to some people, for `notify_many`."""

    users: Any  # users, their ids (None is skipped), or a queryset of users or of their ids
    kind: str
    title: str
    url: str = ""
    body: str = ""

    def __post_init__(self) -> None:
        url = self.url
        if url and (not url.startswith("/") or url.startswith("//") or len(url) > URL_MAX):
            raise ValueError(f"A message links a path on this site of at most {URL_MAX} chars")
        if not self.kind or len(self.kind) > KIND_MAX:
            raise ValueError(f"A message has a kind of 1–{KIND_MAX} characters")


def _is_user_queryset(users: Any) -> bool:
    return isinstance(users, QuerySet) and users.model is User


def notify(users: Users, *, kind: str, title: str, url: str = "", body: str = "") -> int:
    """Put one message in the inbox of each of `users` (users, their ids, a queryset such as
    `core.scopes.users_with(...)`, or a values_list of user ids); returns how many got it.

    Each person once however often named; inactive users and None are skipped; one query to
    find them, one insert. `url` is the page the message opens, built with `reverse()` (a
    path on this site); `title` and `body` are cut to what the inbox keeps. Rows are written
    in the caller's transaction (see the module's docstring).
    """
    return notify_many([Message(users=users, kind=kind, title=title, url=url, body=body)])


def notify_many(messages: Iterable[Message]) -> int:
    """Several messages at once (the alerts of a batch): one query for the people of all of
    them (plus one per queryset given), one insert. Returns how many rows were written."""
    wanted: list[tuple[Message, set[int]]] = []
    ids: set[int] = set()
    for message in messages:
        users = message.users
        if _is_user_queryset(users):
            # Found in the database at once: a subquery, not a list of ids sent back.
            active_here = User.objects.filter(pk__in=users.values("pk"), is_active=True)
            found = set(active_here.values_list("pk", flat=True))
        else:
            found = {getattr(u, "pk", u) for u in users} - {None}
            ids |= found
        wanted.append((message, found))
    active = set(User.objects.filter(pk__in=ids, is_active=True).values_list("pk", flat=True))
    rows = [
        Notification(
            user_id=pk,
            kind=message.kind,
            title=str(message.title)[:TITLE_MAX],
            body=str(message.body)[:BODY_MAX],
            url=message.url,
        )
        for message, found in wanted
        for pk in sorted(found if _is_user_queryset(message.users) else found & active)
    ]
    Notification.objects.bulk_create(rows)
    _queue_out_of_app(rows)
    return len(rows)


def is_urgent(kind: str) -> bool:
    """Whether a kind of message goes by SMS to whom Web Push cannot reach."""
    return kind in settings.NOTIFY_URGENT_KINDS


def _queue_out_of_app(rows: list[Notification]) -> None:
    """Log the pushes and texts these inbox rows call for (settings NOTIFY_*_KINDS) and send
    them from the worker once the caller's transaction commits."""
    urgent, pushed = set(settings.NOTIFY_URGENT_KINDS), set(settings.NOTIFY_PUSH_KINDS)
    wanted = [n for n in rows if n.kind in urgent or n.kind in pushed]
    if not wanted:
        return
    subscribed: set[int] = set()
    if push_enabled():
        subscribed = set(
            PushSubscription.objects.filter(user_id__in={n.user_id for n in wanted})
            .values_list("user_id", flat=True)
            .distinct()
        )
    texts = sms_enabled()
    out = []
    for note in wanted:
        if note.user_id in subscribed:
            channel = Channel.PUSH
        elif note.kind in urgent and texts:
            channel = Channel.SMS
        else:
            continue
        out.append(
            Delivery(user_id=note.user_id, notification=note, channel=channel, kind=note.kind)
        )
    if out:
        Delivery.objects.bulk_create(out)
        enqueue_sending([d.pk for d in out])


def enqueue_sending(ids: list[int]) -> None:
    """Send these deliveries from the worker after the current transaction commits."""
    from shequ.notify.tasks import send_deliveries_task

    def enqueue() -> None:
        try:
            send_deliveries_task.enqueue(ids)
        except Exception:  # the event has committed; its deliveries stay queued
            logger.exception("notify: could not queue %d deliveries", len(ids))

    transaction.on_commit(enqueue)


# --- Web Push subscriptions ----------------------------------------------------------------

B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=")
SESSION_ENDPOINT = "notify_push_endpoint"


def _check_subscription(endpoint: str, p256dh: str, auth: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    length = PushSubscription._meta.get_field("endpoint").max_length
    if not endpoint.startswith("https://") or len(endpoint) > length or " " in endpoint:
        errors["endpoint"] = f"An https URL of at most {length} characters."
    if not 80 <= len(p256dh) <= 100 or not set(p256dh) <= B64URL:
        errors["p256dh"] = "The browser's P-256 key, base64url."
    if not 16 <= len(auth) <= 32 or not set(auth) <= B64URL:
        errors["auth"] = "The browser's auth secret, base64url."
    return errors


@transaction.atomic
def push_subscribe(
    *, user: User, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> PushSubscription:
    """Remember that this phone's browser shows `user`'s notifications. An endpoint already
    known (the same phone, another login) now belongs to `user` alone."""
    errors = _check_subscription(endpoint, p256dh, auth)
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            sub, _created = PushSubscription.objects.update_or_create(
                endpoint=endpoint,
                defaults={
                    "user": user,
                    "p256dh": p256dh,
                    "auth": auth,
                    "user_agent": user_agent[:200],
                    "created_at": timezone.now(),
                    "last_failure_at": None,
                },
            )
    except IntegrityError:  # the same phone subscribing twice at once: the other one won
        sub = PushSubscription.objects.get(endpoint=endpoint)
    audit.record(
        actor=user, action="notify.push.subscribe", obj=sub, changes={"browser": sub.user_agent}
    )
    return sub


@transaction.atomic
def push_unsubscribe(*, user: User, endpoint: str) -> int:
    """Forget this phone for `user` (their own subscriptions only); returns how many."""
    sub = PushSubscription.objects.filter(user=user, endpoint=endpoint).first()
    if sub is None:
        return 0
    audit.record(actor=user, action="notify.push.unsubscribe", obj=sub)
    sub.delete()
    return 1


def forget_device_at_logout(
    sender: object, request: HttpRequest | None, user: User | None, **kw: object
) -> None:
    """At logout, the phone stops showing the user's notifications (a phone may be shared)."""
    endpoint = request.session.get(SESSION_ENDPOINT) if request is not None else None
    if user is not None and endpoint:
        push_unsubscribe(user=user, endpoint=endpoint)
