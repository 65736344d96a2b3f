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
