"""The watch list's daily jobs (assistance/watch.py holds its reads and the outcome): make
the day's checks for everyone at risk in a lockdown or control zone, each given to a cadre
of their building, compound or grid (the nearest place where someone takes help requests),
else to the community's own staff; from SHEQU_WATCH_EVENING_HOUR, tell each community's
staff who is still not reached, each check once. The worker runs `watch_run` every few
heartbeats; `shequ watch-run` runs it by hand."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from shequ.assistance.models import WatchCheck
from shequ.assistance.watch import OPEN_OUTCOMES
from shequ.core import audit
from shequ.core.roles import Capability
from shequ.core.scopes import users_with_by_place
from shequ.notify import Message, notify_many
from shequ.places.models import Place, ZoneDesignation, ZoneLevel
from shequ.residents.models import WATCH_BITS, Resident

WATCH_ZONES = (ZoneLevel.LOCKDOWN, ZoneLevel.CONTROL)
PATHS_PER_QUERY = 400  # zones' paths OR-ed in one residents query
NAMES_IN_MESSAGE = 20


def residents_at_risk(now: dt.datetime | None = None) -> list[tuple[Resident, str]]:
    """Residents with a watch tag in a lockdown or control zone in force at `now`, each with
    the strictest zone over them. A query for the zones, one per PATHS_PER_QUERY of them."""
    now = now or timezone.now()
    zones = dict(
        ZoneDesignation.objects.filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=now),
            starts_at__lte=now,
            level__in=WATCH_ZONES,
        )
        .order_by("level")  # "lockdown" after "control": on one place the stricter wins
        .values_list("place__path", "level")
    )
    paths = sorted(zones)
    found: dict[int, tuple[Resident, str]] = {}
    for i in range(0, len(paths), PATHS_PER_QUERY):
        chunk = paths[i : i + PATHS_PER_QUERY]
        inside = Q(pk__in=[])
        for path in chunk:
            inside |= Q(household__path__startswith=path)
        rows = (
            Resident.objects.alias(watch=F("tags").bitand(WATCH_BITS))
            .filter(inside, watch__gt=0)
            .select_related("household")
            .only("pk", "name", "tags", "household__path", "household__parent_id")
        )
        for resident in rows:
            levels = [lvl for p, lvl in zones.items() if resident.household.path.startswith(p)]
            level = ZoneLevel.LOCKDOWN if ZoneLevel.LOCKDOWN in levels else ZoneLevel.CONTROL
            found[resident.pk] = (resident, level)
    return list(found.values())


def _assignees(residents: list[Resident]) -> dict[int, int | None]:
    """Resident → who checks on them: a user who takes help requests bound to their building,
    else compound, else grid (the nearest wins); else a staff member bound to the community.
    Spread over several by the resident's id. Two queries."""
    near_ids: set[int] = set()
    communities: set[int] = set()
    for r in residents:
        ancestors = r.household.ancestor_ids()
        near_ids.update(ancestors[-3:])  # grid, compound, building
        communities.add(ancestors[-4])
    near = users_with_by_place(Capability.CLAIM_HELP, near_ids, inherited=False)
    staff = users_with_by_place(Capability.MANAGE_HELP, communities, inherited=False)
    chosen: dict[int, int | None] = {}
    for r in residents:
        ancestors = r.household.ancestor_ids()
        grid, compound, building = ancestors[-3:]
        pool = near.get(building) or near.get(compound) or near.get(grid)
        pool = pool or staff.get(ancestors[-4]) or set()
        chosen[r.pk] = sorted(pool)[r.pk % len(pool)] if pool else None
    return chosen


@transaction.atomic
def watch_checks_create(*, now: dt.datetime | None = None) -> int:
    """Today's checks for everyone at risk in a lockdown or control zone who has none yet
    (the worker's job: safe to run any number of times). Returns how many were made."""
    now = now or timezone.now()
    day = timezone.localtime(now).date()
    at_risk = residents_at_risk(now)
    have = set(
        WatchCheck.objects.filter(day=day, resident_id__in=[r.pk for r, _z in at_risk]).values_list(
            "resident_id", flat=True
        )
    )
    new = [(r, zone) for r, zone in at_risk if r.pk not in have]
    if not new:
        return 0
    assignee = _assignees([r for r, _z in new])
    rows = []
    for resident, zone in new:
        ancestors = resident.household.ancestor_ids()
        rows.append(
            WatchCheck(
                resident=resident,
                community_id=ancestors[-4],
                compound_id=ancestors[-2],
                building_id=ancestors[-1],
                day=day,
                zone=zone,
                tags=resident.tags & WATCH_BITS,
                assigned_to_id=assignee[resident.pk],
                created_at=now,
            )
        )
    # Another runner may have made some meanwhile: the unique (resident, day) keeps one.
    made = WatchCheck.objects.bulk_create(rows, ignore_conflicts=True)
    created = list(
        WatchCheck.objects.filter(day=day, resident_id__in=[r.resident_id for r in made])
    )
    audit.record_many(
        actor=None,
        action="assistance.watch.create",
        objs=created,
        places=[Place(pk=c.building_id) for c in created],
        changes=[{"assigned_to": c.assigned_to_id, "zone": c.zone} for c in created],
    )
    return len(created)


def _evening(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    hour = min(max(settings.WATCH_EVENING_HOUR, 0), 23)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


@transaction.atomic
def escalate_unreached(*, now: dt.datetime | None = None) -> int:
    """From SHEQU_WATCH_EVENING_HOUR, tell each community's own staff who of today's list is
    still unchecked or not reached (each check once, whoever runs it: a conditional UPDATE on
    its empty escalated_at before anyone is told). Returns how many checks were told."""
    now = now or timezone.now()
    if now < _evening(now):
        return 0
    day = timezone.localtime(now).date()
    ids = list(
        WatchCheck.objects.filter(
            day=day, outcome__in=OPEN_OUTCOMES, escalated_at__isnull=True
        ).values_list("pk", flat=True)[:5000]
    )
    if not ids:
        return 0
    WatchCheck.objects.filter(pk__in=ids, escalated_at__isnull=True).update(escalated_at=now)
    told = list(
        WatchCheck.objects.filter(pk__in=ids, escalated_at=now)
        .select_related("resident", "building", "community")
        .order_by("community_id", "building__path", "resident__name")
    )
    by_community: dict[int, list[WatchCheck]] = {}
    for check in told:
        by_community.setdefault(check.community_id, []).append(check)
    staff = users_with_by_place(Capability.MANAGE_HELP, list(by_community), inherited=False)
    messages = []
    url = reverse("assistance:watch") + "?outcome=open"
    for community_id, checks in by_community.items():
        names = "、".join(
            f"{c.resident.name}（{c.building.name}）" for c in checks[:NAMES_IN_MESSAGE]
        )
        if len(checks) > NAMES_IN_MESSAGE:
            names += " …"
        with translation.override(settings.LANGUAGE_CODE):
            title = _("Watch list: %(n)d at-risk residents not reached today") % {"n": len(checks)}
        messages.append(
            Message(
                users=sorted(staff.get(community_id, set())),
                kind="watch_unreached",
                title=title,
                url=url,
                body=names,
            )
        )
    notify_many(messages)
    return len(told)


def watch_run(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """The periodic job: make today's checks, then escalate those still open in the evening."""
    return watch_checks_create(now=now), escalate_unreached(now=now)
