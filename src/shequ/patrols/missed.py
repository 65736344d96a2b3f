"""Missed rounds told once: the periodic job (core.workers.PERIODIC, registered in
PatrolsConfig.ready; `shequ patrols-missed` by hand) finds each due slot of the last day whose
window has closed with no round in it, keeps it as a MissedSlot (the row is the claim: one per
area and slot), and tells the community's own staff once per slot in their inbox."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.roles import Capability
from shequ.core.scopes import users_with_by_place
from shequ.notify.services import notify
from shequ.patrols import schedule, selectors
from shequ.patrols.models import Area, MissedSlot

LOOK_BACK = dt.timedelta(hours=26)  # a worker down for a day does not flood the inbox
KIND = "patrols_missed"


def find_missed(now: dt.datetime) -> list[tuple[Area, schedule.Slot]]:
    """Slots whose window closed within LOOK_BACK with no round in it (two queries)."""
    areas = list(Area.objects.filter(active=True).select_related("community", "place"))
    if not areas:
        return []
    tz = selectors.city_zone()
    pad = dt.timedelta(minutes=max(a.tolerance for a in areas))
    start = now - LOOK_BACK - pad
    done = selectors.done_times([a.pk for a in areas], start - pad, now)
    found = []
    for area in areas:
        times = done.get(area.pk, [])
        for slot in schedule.slots_between(area.times, area.tolerance, start, now, tz):
            if slot.closes < max(now - LOOK_BACK, area.created_at) or slot.closes >= now:
                continue
            if schedule.status(slot, times, now) == schedule.MISSED:
                found.append((area, slot))
    return found


def flag_missed(*, now: dt.datetime | None = None) -> int:
    """Keep every missed slot and tell the community's staff of each once (a conditional
    update claims it, so two workers or a rerun tell once). Returns how many were told."""
    now = now or timezone.now()
    found = find_missed(now)
    if not found:
        return 0
    MissedSlot.objects.bulk_create(
        [MissedSlot(area=a, slot_at=s.at, found_at=now) for a, s in found],
        ignore_conflicts=True,
    )
    by_key = {(a.pk, s.at): a for a, s in found}
    waiting = MissedSlot.objects.filter(
        told_at__isnull=True, area_id__in={a.pk for a, _s in found}
    ).order_by("slot_at", "pk")
    staff = users_with_by_place(
        Capability.MANAGE_PATROLS, {a.community for a, _s in found}, inherited=False
    )
    tz = selectors.city_zone()
    told = 0
    for missed in waiting[:500]:
        area = by_key.get((missed.area_id, missed.slot_at))
        if area is None:
            continue
        with transaction.atomic():
            if not MissedSlot.objects.filter(pk=missed.pk, told_at__isnull=True).update(
                told_at=now
            ):
                continue
            local = timezone.localtime(missed.slot_at, tz)
            notify(
                sorted(staff.get(area.community_id, ())),
                kind=KIND,
                title=_("Disinfection round missed: %(area)s") % {"area": area.name},
                body=_("%(community)s · due at %(when)s, no round recorded.")
                % {"community": area.community.name, "when": local.strftime("%m-%d %H:%M")},
                url=reverse("patrols:checklist") + f"?community={area.community_id}",
            )
            audit.record(
                actor=None,
                action="patrols.missed_notify",
                obj=missed,
                place=area.place,
                changes={"slot": local.isoformat()},
            )
            told += 1
    return told
