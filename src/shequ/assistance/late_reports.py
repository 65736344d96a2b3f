"""Late isolation reports tell the community: once a report deadline (noon, 20:00) has
passed, the staff of each community (`manage_help` bound to it) get one message per
resident at home isolation or monitoring who has not reported for that slot. Once per
resident and deadline, whoever runs it and however often (`shequ isolation-late`, and the
worker every few minutes): a LateNotice row is inserted — unique on resident, day and slot —
before anyone is told, and only the runner whose insert went in tells."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shequ.assistance.isolation import AT_HOME, DEADLINES, due_slots
from shequ.assistance.models import IsolationReport, LateNotice, ReportSlot
from shequ.core.roles import Capability
from shequ.core.scopes import users_with
from shequ.notify import notify
from shequ.places.models import Place, PlaceKind
from shequ.residents.models import Resident, StatusPeriod

BATCH = 2000


def _deadline(day: dt.date, slot: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, DEADLINES[slot]))


def late_residents(day: dt.date, slot: str, limit: int = BATCH) -> list[Resident]:
    """Residents at home isolation or monitoring with no report for this slot of `day`, not
    yet noticed, whose isolation began before the deadline (someone isolated at 15:00 was
    never due by noon)."""
    deadline = _deadline(day, slot)
    reported = IsolationReport.objects.filter(resident=OuterRef("pk"), day=day, slot=slot)
    noticed = LateNotice.objects.filter(resident=OuterRef("pk"), day=day, slot=slot)
    started_after = StatusPeriod.objects.filter(
        resident=OuterRef("pk"), ended_at__isnull=True, starts_at__gt=deadline
    )
    return list(
        Resident.objects.filter(health_status__in=AT_HOME)
        .exclude(Exists(reported))
        .exclude(Exists(noticed))
        .exclude(Exists(started_after))
        .select_related("household", "household__parent")
        .order_by("pk")[:limit]
    )


def _communities(residents: list[Resident]) -> dict[int, Place]:
    """Each resident's community, by household id, in one query."""
    ancestors: set[int] = set()
    for resident in residents:
        ancestors.update(resident.household.ancestor_ids())
    found = {p.pk: p for p in Place.objects.filter(pk__in=ancestors, kind=PlaceKind.COMMUNITY)}
    out: dict[int, Place] = {}
    for resident in residents:
        for pk in resident.household.ancestor_ids():
            if pk in found:
                out[resident.household_id] = found[pk]
                break
    return out


def _tell(resident: Resident, community: Place, slot: str, users: object) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Isolation report missed (%(slot)s) at %(address)s") % {
            "slot": ReportSlot(slot).label,
            "address": f"{resident.household.parent.name} {resident.household.name}",
        }
        body = _("%(community)s: no temperature report before the deadline.") % {
            "community": community.name
        }
    notify(
        users,
        kind="isolation_late",
        title=title,
        url=reverse("assistance:isolation") + "?show=late",
        body=body,
    )


def notify_late_reports(*, now: dt.datetime | None = None) -> int:
    """Tell each community's staff of the residents who missed today's passed deadlines;
    each resident and deadline once. Returns how many residents were told about."""
    now = now or timezone.now()
    day = timezone.localtime(now).date()
    told = 0
    for slot in due_slots(now):
        residents = late_residents(day, slot)
        communities = _communities(residents)
        staff: dict[int, list[int]] = {}
        for resident in residents:
            community = communities.get(resident.household_id)
            if community is None:
                continue
            if community.pk not in staff:
                staff[community.pk] = list(
                    users_with(Capability.MANAGE_HELP, community, inherited=False).values_list(
                        "pk", flat=True
                    )
                )
            try:
                with transaction.atomic():
                    LateNotice.objects.create(
                        resident=resident, community=community, day=day, slot=slot, at=now
                    )
                    _tell(resident, community, slot, staff[community.pk])
            except IntegrityError:  # another runner noticed this one first
                continue
            told += 1
    return told
