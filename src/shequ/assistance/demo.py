"""Demo help requests: in the first communities of each street, a few open, claimed, on the
way, delivered, confirmed and overdue, over the last days, so the queue, my tasks, the
figures and their chart have something to show. The 'cadre' login holds two claimed requests
in one building (my tasks groups them)."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from shequ.assistance.models import (
    DEFAULT_TARGET_HOURS,
    Channel,
    EventAction,
    HelpKind,
    HelpRequest,
    HelpStatus,
    RequestEvent,
)
from shequ.core.models import User
from shequ.core.roles import Role
from shequ.core.scopes import roles_with
from shequ.places.models import Place, PlaceKind

DETAILS = {
    HelpKind.WATER: "两桶饮用水",
    HelpKind.GAS: "换一罐液化气",
    HelpKind.FOOD: "米面油和鸡蛋",
    HelpKind.MEDICINE: "代购降压药",
    HelpKind.MEDICAL: "透析，需送医院",
    HelpKind.RUBBISH: "垃圾两袋待清运",
    HelpKind.MEALS: "独居老人午餐",
    HelpKind.OTHER: "帮忙修水管",
}
PER_COMMUNITY = 12


def _helpers(community: Place) -> list[int]:
    from shequ.core.models import RoleAssignment

    return list(
        RoleAssignment.objects.filter(
            place=community, role__in=roles_with("claim_help")
        ).values_list("user_id", flat=True)
    )


def add_demo_help(*, hq: User, seed: int = 42, communities: int = 6) -> dict[str, int]:
    """Help requests in the first `communities` communities; nothing if there are some."""
    if HelpRequest.objects.exists():
        return {}
    rng = random.Random(seed)  # noqa: S311 - synthetic demo data, not a secret
    now = timezone.now()
    cadre = User.objects.filter(username="cadre").first()
    rows: list[HelpRequest] = []
    households_of: dict[int, list[Place]] = {}
    for community in Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("code")[:communities]:
        households = list(
            Place.objects.filter(path__startswith=community.path, kind=PlaceKind.HOUSEHOLD)
            .select_related("parent")
            .order_by("code")[:60]
        )
        if not households:
            continue
        households_of[community.pk] = households
        helpers = _helpers(community) or [hq.pk]
        staff = next(
            iter(
                User.objects.filter(
                    role_assignments__place=community,
                    role_assignments__role=Role.COMMUNITY_STAFF,
                ).values_list("pk", flat=True)
            ),
            hq.pk,
        )
        for i in range(PER_COMMUNITY):
            kind = rng.choice(HelpKind.values)
            household = households[i * 5 % len(households)]
            hours = DEFAULT_TARGET_HOURS[kind]
            created = now - dt.timedelta(hours=rng.uniform(0.2, 70))
            status = rng.choice(
                [HelpStatus.NEW, HelpStatus.CLAIMED, HelpStatus.ON_THE_WAY]
                + [HelpStatus.DELIVERED, HelpStatus.CONFIRMED] * 2
            )
            row = HelpRequest(
                community=community,
                building=household.parent,
                household=household,
                kind=kind,
                details=DETAILS[kind],
                channel=rng.choice([Channel.HOTLINE, Channel.COMMUNITY, Channel.DOOR]),
                status=status,
                created_by_id=staff,
                created_at=created,
                due_at=created + dt.timedelta(hours=hours),
            )
            if status != HelpStatus.NEW:
                row.claimed_by_id = rng.choice(helpers)
                row.claimed_at = created + dt.timedelta(minutes=rng.randint(3, 40))
            if status in (HelpStatus.DELIVERED, HelpStatus.CONFIRMED):
                took = dt.timedelta(hours=rng.uniform(0.5, hours * 1.3))
                row.delivered_at = min(created + took, now)
            if status == HelpStatus.CONFIRMED:
                row.ended_at = row.delivered_at
            rows.append(row)
    if cadre is not None and rows:
        # Two doors of one building for the 'cadre' login: my tasks groups them.
        first = [r for r in rows if r.community_id == rows[0].community_id][:2]
        doors = households_of[rows[0].community_id][:2]
        for row, household in zip(first, doors, strict=False):
            row.status, row.claimed_by_id = HelpStatus.CLAIMED, cadre.pk
            row.claimed_at, row.delivered_at, row.ended_at = now, None, None
            row.building, row.household = household.parent, household
    HelpRequest.objects.bulk_create(rows)
    events = []
    for row in rows:
        events.append(
            RequestEvent(
                request=row,
                action=EventAction.CREATED,
                to_status="new",
                by_id=row.created_by_id,
                at=row.created_at,
            )
        )
        if row.claimed_at:
            events.append(
                RequestEvent(
                    request=row,
                    action=EventAction.CLAIMED,
                    from_status="new",
                    to_status="claimed",
                    by_id=row.claimed_by_id,
                    at=row.claimed_at,
                )
            )
        if row.delivered_at:
            events.append(
                RequestEvent(
                    request=row,
                    action=EventAction.DELIVERED,
                    from_status="claimed",
                    to_status="delivered",
                    by_id=row.claimed_by_id,
                    at=row.delivered_at,
                )
            )
    RequestEvent.objects.bulk_create(events)
    return {"help request": len(rows)}


def add_demo_isolation(*, hq: User, seed: int = 42, people: int = 6) -> dict[str, int]:
    """Residents of the first community isolated or monitored at home for a few days, with a
    report each morning and evening: two have not reported today (late once a deadline has
    passed), one reported 37.8 °C. Nothing if anyone already reports."""
    from decimal import Decimal

    from shequ.assistance.isolation import slot_at, slots
    from shequ.assistance.models import IsolationReport, ReportChannel
    from shequ.residents.models import HealthStatus, Resident, StatusPeriod

    if IsolationReport.objects.exists():
        return {}
    rng = random.Random(seed)  # noqa: S311 - synthetic demo data, not a secret
    community = Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("path").first()
    if community is None:
        return {}
    chosen = list(
        Resident.objects.filter(
            household__path__startswith=community.path, health_status=HealthStatus.NORMAL
        )
        .exclude(pk__in=StatusPeriod.objects.filter(ended_at__isnull=True).values("resident_id"))
        .order_by("pk")[:people]
    )
    now = timezone.now()
    today = timezone.localtime(now).date()
    current = slot_at(now)
    periods, reports = [], []
    for i, resident in enumerate(chosen):
        status = HealthStatus.HOME_ISOLATION if i % 3 else HealthStatus.HOME_MONITORING
        days = 7 - i % 4
        start = now - dt.timedelta(days=days)
        periods.append(
            StatusPeriod(
                resident=resident,
                status=status,
                starts_at=start,
                planned_end=timezone.localtime(start).date() + dt.timedelta(days=14),
                reason="演示：居家隔离",
                set_by=hq,
            )
        )
        for back in range(days, -1, -1):
            day = today - dt.timedelta(days=back)
            for slot in slots():
                if back == 0 and (i in (1, 2) or slots().index(slot) > slots().index(current)):
                    continue  # the two late ones; and no report yet for a later slot today
                hot = back == 0 and i == 0 and slot == current  # one feverish reading, the latest
                temperature = Decimal("37.8") if hot else Decimal(str(rng.choice(TEMPS)))
                at = timezone.make_aware(
                    dt.datetime.combine(day, dt.time(8 if slot == "am" else 18, rng.randint(0, 59)))
                )
                reports.append(
                    IsolationReport(
                        resident=resident,
                        community=community,
                        day=day,
                        slot=slot,
                        temperature=temperature,
                        symptoms="乏力" if hot else "",
                        fever=hot,
                        channel=ReportChannel.RESIDENT if (i + back) % 2 else ReportChannel.DOOR,
                        by_id=None if (i + back) % 2 else hq.pk,
                        at=min(at, now),
                    )
                )
        Resident.objects.filter(pk=resident.pk).update(health_status=status)
    StatusPeriod.objects.bulk_create(periods)
    IsolationReport.objects.bulk_create(reports)
    return {"isolated at home": len(periods), "isolation report": len(reports)}


TEMPS = (36.2, 36.4, 36.5, 36.6, 36.7, 36.8, 36.9)


def add_demo_watch(*, hq: User) -> dict[str, int]:
    """Today's watch list: the checks of everyone at risk in the demo's lockdown and control
    zones. The first community (the 'community', 'cadre' and 'volunteer' logins) gets a control
    zone on its first compound if it has none, and a few of its residents there the tags of
    people at risk; of its checks one is reached, one not reached, one needs help (a medicine
    request), the rest still to do. Nothing if there are checks already."""
    from shequ.assistance.models import WatchCheck
    from shequ.assistance.watch import watch_record
    from shequ.assistance.watch_jobs import residents_at_risk, watch_checks_create
    from shequ.places.models import ZoneLevel
    from shequ.places.selectors import current_zone
    from shequ.places.services import zone_set
    from shequ.residents.models import Resident, Tag, tags_to_bits

    if WatchCheck.objects.exists():
        return {}
    community = Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("code").first()
    compound = (
        Place.objects.filter(path__startswith=community.path, kind=PlaceKind.COMPOUND)
        .order_by("code")
        .first()
        if community
        else None
    )
    if compound is not None:
        zone = current_zone(compound)
        if zone is None or zone.level not in (ZoneLevel.LOCKDOWN, ZoneLevel.CONTROL):
            zone_set(
                actor=hq,
                place=compound,
                level=ZoneLevel.CONTROL,
                starts_at=timezone.now() - dt.timedelta(days=1),
                reason="演示：重点人群关注",
            )
        inside = Resident.objects.filter(household__path__startswith=compound.path)
        at_risk = [
            r for r, _zone in residents_at_risk() if r.household.path.startswith(compound.path)
        ]
        wanted = [Tag.ELDERLY_ALONE, Tag.IMMOBILE, Tag.CHRONIC_ILLNESS, Tag.DISABLED]
        for resident, tag in zip(
            inside.exclude(pk__in=[r.pk for r in at_risk]).order_by("pk")[:4],
            wanted[: max(0, 4 - len(at_risk))],
            strict=False,
        ):
            Resident.objects.filter(pk=resident.pk).update(tags=resident.tags | tags_to_bits([tag]))
    made = watch_checks_create()
    staff = User.objects.filter(username="community").first()
    done = 0
    if community is not None and staff is not None:
        mine = list(
            WatchCheck.objects.filter(community=community, tags__gt=0)
            .select_related("resident", "resident__household", "community", "building")
            .order_by("building__path", "resident_id")[:3]
        )
        steps = [
            {"outcome": "reached", "note": "电话联系，一切正常"},
            {"outcome": "not_reached", "note": "敲门无人应答"},
            {"outcome": "needs_help", "kind": HelpKind.MEDICINE, "details": "降压药快吃完了"},
        ]
        for check, step in zip(mine, steps, strict=False):
            watch_record(actor=check.assigned_to or staff, check=check, **step)
            done += 1
    return {"watch-list check": made, "watch-list outcome": done}
