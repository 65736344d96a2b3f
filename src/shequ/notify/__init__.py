"""Messages out. Every app tells people through `shequ.notify.notify` (docs/access.md, "Shared
pieces"; docs/notifications.md); this package holds the channels: the in-app inbox
(core.Notification), Web Push (push.py) and SMS (sms.py), sent by the worker (sending.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shequ.notify.services import Message, notify, notify_many

__all__ = ["Message", "notify", "notify_many"]


def __getattr__(name: str) -> Any:
    # Lazy: this package is also a Django app, imported before its models may be.
    if name in __all__:
        from shequ.notify import services

        return getattr(services, name)
    raise AttributeError(name)
