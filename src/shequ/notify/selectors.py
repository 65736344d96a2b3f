"""Reads of the in-app inbox: a user's own messages only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from shequ.core.access import get_for
from shequ.core.models import Notification
from shequ.notify.models import PushSubscription

if TYPE_CHECKING:
    from shequ.core.models import User


def inbox_for(user: User) -> QuerySet[Notification]:
    """The user's messages, newest first."""
    return Notification.objects.filter(user=user)


def get_notification_for(user: User, pk: int) -> Notification:
    """One of the user's own messages; anyone else's is 404."""
    return get_for(inbox_for(user), pk, what="message")


def push_subscribed(user: User) -> bool:
    """Whether any phone shows this user's notifications."""
    return PushSubscription.objects.filter(user=user).exists()


def read_counts(kind: str, urls: list[str]) -> dict[str, int]:
    """How many of the messages of `kind` linking each of `urls` were opened (read marks):
    one query, for an app's "opened by staff" figure."""
    from django.db.models import Count

    rows = (
        Notification.objects.filter(kind=kind, url__in=urls, read_at__isnull=False)
        .values("url")
        .annotate(n=Count("pk"))
    )
    return {row["url"]: row["n"] for row in rows}
