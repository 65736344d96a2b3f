"""Template context shared by every page: the navigation for the user, unread messages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from shequ.core.models import Notification
from shequ.core.scopes import roles_of
from shequ.web.nav import Capabilities, links_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_roles": [], "nav_items": []}

    counted: list[int] = []

    def unread() -> int:
        if not counted:
            counted.append(Notification.objects.filter(user=user, read_at__isnull=True).count())
        return counted[0]

    # Lazy and callable: pages that never show the navigation (htmx fragments) or the badge
    # never run their queries.
    return {
        "nav_roles": roles_of(user),
        "nav_unread": unread,
        "nav_items": SimpleLazyObject(lambda: links_for(user, request.path)),
        "nav_may": Capabilities(user),
    }
