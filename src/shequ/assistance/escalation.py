"""Overdue requests climb: past their due time the community's staff are told; still open
HELP_STREET_AFTER_MINUTES later, the street. Each step once per request, whoever runs it and
however often (`shequ help-escalate`, and the worker every few minutes): the step is claimed by
a conditional UPDATE on its still-empty column before anyone is told."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shequ.assistance.models import OPEN_STATES, EventAction, HelpRequest, RequestEvent
from shequ.core.roles import Capability
from shequ.core.scopes import users_with
from shequ.notify import notify

BATCH = 500


@dataclass
class Escalated:
    community: int = 0
    street: int = 0


def _tell(request: HelpRequest, level: str, users: object) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Overdue help request: %(kind)s at %(address)s") % {
            "kind": request.get_kind_display(),
            "address": f"{request.community.name} {request.address}",
        }
    notify(
        users,
        kind=f"help_overdue_{level}",
        title=title,
        url=reverse("assistance:request", args=[request.pk]),
        body=request.details,
    )


@transaction.atomic
def escalate_overdue(*, now: dt.datetime | None = None) -> Escalated:
    """Tell community staff of requests past due, and the street of those still open a while
    after; each request at each level once. Returns how many were escalated."""
    now = now or timezone.now()
    done = Escalated()
    street_after = dt.timedelta(minutes=settings.HELP_STREET_AFTER_MINUTES)
    steps = (
        ("community", {"due_at__lt": now, "escalated_community_at__isnull": True}),
        (
            "street",
            {
                "escalated_community_at__lt": now - street_after,
                "escalated_street_at__isnull": True,
            },
        ),
    )
    for level, where in steps:
        field = f"escalated_{level}_at"
        ids = list(
            HelpRequest.objects.filter(status__in=OPEN_STATES, **where)
            .order_by("due_at")
            .values_list("pk", flat=True)[:BATCH]
        )
        for request in HelpRequest.objects.filter(pk__in=ids).select_related(
            "community", "community__parent", "building", "household"
        ):
            # Another runner may have taken this step meanwhile: only the one whose UPDATE
            # changed the row tells anyone.
            if not HelpRequest.objects.filter(
                pk=request.pk, status__in=OPEN_STATES, **{f"{field}__isnull": True}
            ).update(**{field: now}):
                continue
            if level == "community":
                users = users_with(Capability.MANAGE_HELP, request.community, inherited=False)
                action = EventAction.ESCALATED_COMMUNITY
                done.community += 1
            else:
                users = users_with(Capability.VIEW_HELP, request.community.parent, inherited=False)
                action = EventAction.ESCALATED_STREET
                done.street += 1
            _tell(request, level, users)
            RequestEvent.objects.create(
                request=request,
                action=action,
                from_status=request.status,
                to_status=request.status,
                at=now,
            )
    return done
