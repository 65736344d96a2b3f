"""Template context shared by every page: navigation for the user's roles."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from shequ.core.scopes import roles_of


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_roles": []}
    return {"nav_roles": roles_of(user)}
