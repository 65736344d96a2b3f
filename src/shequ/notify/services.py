"""notify(): the one way an app tells people something (an alert, a call, an approval to give).

The inbox rows are written in the caller's transaction, beside the event they are about: they
appear exactly when the event commits, vanish with it when it rolls back, and are never lost
between the two (an on_commit hook could be, if the process died in between). A channel that
leaves the machine (Web Push, SMS) must not be sent before the commit: it will go through
`transaction.on_commit` from here, so callers do not change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from shequ.core.models import Notification, User

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
    return len(rows)
