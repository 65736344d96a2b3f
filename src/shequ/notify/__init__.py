"""Messages out. Every app tells people through `shequ.notify.notify` (docs/access.md, "Shared
pieces"); this package holds the channels. Today: the in-app inbox (core.Notification)."""

from shequ.notify.services import Message, notify, notify_many

__all__ = ["Message", "notify", "notify_many"]
