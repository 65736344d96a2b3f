"""Template context shared by every page: navigation for the user's roles, unread messages."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from shequ.core.models import Notification
from shequ.core.scopes import roles_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_roles": []}

    def unread() -> int:
        return Notification.objects.filter(user=user, read_at__isnull=True).count()

    # A callable: templates that never show the badge never run the query.
    return {"nav_roles": roles_of(user), "nav_unread": unread}
