"""Overdue rectifications told once: the periodic job (core.workers.PERIODIC, registered in
InspectionsConfig.ready) puts a message in the inbox of each overdue task's owner and of the
inspector who set it, the first beat after its deadline day has passed."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.inspections.models import Rectification, TaskStatus
from shequ.inspections.services import tell_owner


def notify_overdue(*, now: dt.datetime | None = None) -> int:
    """Tell the owner and the inspector of each task not closed whose deadline day has passed
    and who were not told yet. Each task is claimed by one conditional update, so two workers
    or a rerun tell once. Returns how many tasks were told about."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    due = (
        Rectification.objects.exclude(status=TaskStatus.CLOSED)
        .filter(deadline__lt=today, overdue_notified_at__isnull=True)
        .select_related("owner_staff", "visit", "place")
        .order_by("deadline", "pk")
    )
    told = 0
    for task in due[:500]:  # the next beat takes the rest
        with transaction.atomic():
            claimed = Rectification.objects.filter(
                pk=task.pk, overdue_notified_at__isnull=True
            ).update(overdue_notified_at=now)
            if not claimed:
                continue
            title = _("Rectification overdue: %(what)s") % {"what": task.what}
            body = _("%(place)s · the deadline was %(day)s.") % {
                "place": task.place.name,
                "day": task.deadline.isoformat(),
            }
            tell_owner(task, title, body, task.visit.inspector_id)
            audit.record(
                actor=None, action="inspections.overdue_notify", obj=task, place=task.place
            )
            told += 1
    return told
