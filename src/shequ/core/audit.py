"""The audit log: one `record` call per change, inside the service's transaction."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from shequ.core.models import AuditEvent, User

# Atomic blocks that are not a service's own: a test case's transaction (tests/conftest.py
# sets it), so that a service which forgot its transaction.atomic() fails in the unit tests
# as it would in production, not only in the browser tests.
OUTER_ATOMIC_BLOCKS = 0


def record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    place: Any = None,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Write an audit row for `obj`; refuses to run outside a transaction.

    Why refuse: an audit row written outside the change's transaction can survive a
    rolled-back change, or be lost when the change lands.
    """
    if len(transaction.get_connection().atomic_blocks) <= OUTER_ATOMIC_BLOCKS:
        raise RuntimeError("audit.record must run inside the service's transaction.atomic()")
    return AuditEvent.objects.create(
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        place=place,
        changes=changes or {},
    )


def record_many(
    *,
    actor: User | None,
    action: str,
    objs: list[models.Model],
    places: list[Any] | None = None,
    changes: list[dict[str, Any]] | None = None,
) -> None:
    """One audit row per object in one INSERT, for batch services (same rules as `record`)."""
    if len(transaction.get_connection().atomic_blocks) <= OUTER_ATOMIC_BLOCKS:
        raise RuntimeError("audit.record_many must run inside the service's transaction.atomic()")
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=actor,
                action=action,
                object_type=obj._meta.label_lower,
                object_id=str(obj.pk),
                place=places[i] if places else None,
                changes=changes[i] if changes else {},
            )
            for i, obj in enumerate(objs)
        ],
        batch_size=1000,
    )


def record_access(
    *,
    actor: User,
    action: str,
    object_type: str,
    object_id: str = "",
    place: Any = None,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """One audit row for a read that disclosed personal data (full ID numbers or phones).

    A read has no change whose transaction the row could join, so it takes its own. Callers
    write one row per page, list or export, naming every object disclosed in `changes`, not
    one row per object or field: the log stays one INSERT per request.
    """
    with transaction.atomic():
        return AuditEvent.objects.create(
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id[:64],
            place=place,
            changes=changes or {},
        )
