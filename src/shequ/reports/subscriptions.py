"""Subscriptions to the daily report or a roll-up by inbox: subscribe, unsubscribe, and the
daily delivery after the set-hour compile (a message linking the day's file, PDF or Excel,
in each subscriber's in-app inbox, once per day and subscription)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from shequ.core import audit
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.models import User
from shequ.notify.services import notify
from shequ.places.models import Place, PlaceKind
from shequ.reports import selectors
from shequ.reports.models import CompileRun, FileFormat, ReportSubscription

KIND = "report_file"


def subscribe(*, actor: User, place: Place, format: str) -> ReportSubscription:
    """Have the report (a community) or roll-up (a street, district, city) of `place` in the
    inbox each day as `format`; subscribing again changes the format."""
    if format not in FileFormat.values:
        raise ValidationError({"format": _("Choose PDF or Excel.")})
    place = selectors.get_rollup_place_for(actor, place.pk)  # 404 out of scope
    with transaction.atomic():
        sub, _created = ReportSubscription.objects.update_or_create(
            user=actor, place=place, defaults={"format": format}
        )
        audit.record(
            actor=actor,
            action="reports.subscribe",
            obj=sub,
            place=place,
            changes={"format": format},
        )
    return sub


def unsubscribe(*, actor: User, subscription: ReportSubscription) -> ReportSubscription:
    """Stop one of one's own subscriptions."""
    if subscription.user_id != actor.pk:
        raise PermissionDenied(_("Only its subscriber stops a subscription."))
    with transaction.atomic():
        audit.record(
            actor=actor, action="reports.unsubscribe", obj=subscription, place=subscription.place
        )
        ReportSubscription.objects.filter(pk=subscription.pk).delete()
    return subscription


def file_url(place: Place, day: dt.date, format: str) -> str:
    """The address of the day's file of `place` (the page's own export)."""
    name = "reports:community" if place.kind == PlaceKind.COMMUNITY else "reports:rollup"
    return reverse(name, args=[place.pk, day.isoformat()]) + f"?format={format}"


def deliver(*, day: dt.date) -> int:
    """Put the file of `day` in the inbox of each subscriber not yet served for that day
    (whose place is still in their scope). Each subscription is claimed by one conditional
    update, so two workers or a rerun deliver once. Returns how many messages were put."""
    delivered = 0
    due = ReportSubscription.objects.filter(Q(last_day__isnull=True) | Q(last_day__lt=day))
    for sub in due.select_related("user", "place").order_by("pk"):
        with transaction.atomic():
            claimed = (
                ReportSubscription.objects.filter(pk=sub.pk)
                .filter(Q(last_day__isnull=True) | Q(last_day__lt=day))
                .update(last_day=day)
            )
            if not claimed or not sub.user.is_active:
                continue
            if not selectors.rollup_roots_cover(sub.user, sub.place):
                continue  # out of their scope now: nothing sent, the subscription stays
            with override(sub.user.language or None):
                title = _("Daily report %(place)s %(day)s") % {
                    "place": sub.place.name,
                    "day": day.isoformat(),
                }
                body = _("The %(format)s file of the day is ready.") % {
                    "format": FileFormat(sub.format).label
                }
            delivered += notify(
                [sub.user], kind=KIND, title=title, body=body,
                url=file_url(sub.place, day, sub.format),
            )  # fmt: skip
            audit.record(
                actor=None, action="reports.deliver", obj=sub, place=sub.place,
                changes={"day": day.isoformat()},
            )  # fmt: skip
    return delivered


def deliver_if_due(*, now: dt.datetime | None = None) -> int:
    """The periodic job (after compile_if_due in core.workers.PERIODIC): once today's
    set-hour compile has run, deliver today's files to every subscriber."""
    now = now or timezone.now()
    day = timezone.localtime(now).date()
    if not CompileRun.objects.filter(day=day).exists():
        return 0
    return deliver(day=day)
