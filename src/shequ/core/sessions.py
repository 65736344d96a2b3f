"""Django's database sessions, looking up only what can be a session key."""

from __future__ import annotations

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore


class SessionStore(DatabaseSessionStore):
    """A session cookie that cannot be one of our keys (32 lowercase letters and digits) names
    no session and is never looked up: a cookie may carry a NUL (`"\\000"` in a quoted cookie),
    which PostgreSQL refuses in a query, so such a cookie was a 500 on every page."""

    def _validate_session_key(self, key: str | None) -> bool:
        return bool(super()._validate_session_key(key)) and key.isascii() and key.isalnum()
