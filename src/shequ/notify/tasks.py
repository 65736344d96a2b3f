"""Background tasks of notify (run by `shequ worker`)."""

from __future__ import annotations

from django_tasks import task


@task()
def send_deliveries_task(ids: list[int]) -> int:
    """Send the queued pushes and texts among `ids`; returns how many wait for a retry."""
    from shequ.notify.sending import send_deliveries

    return len(send_deliveries(ids))
