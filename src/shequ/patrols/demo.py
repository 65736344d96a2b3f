"""Demo disinfection and patrols in the first community: three areas (a building's stairwell
twice a day, the north gate three times, the rubbish point twice), a week of rounds with
exactly two slots missed (three and five days ago), and three patrol findings, one of them
still open, assigned to the community's staff login."""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from shequ.core.models import User
from shequ.patrols import schedule, selectors, services
from shequ.patrols.models import Area, AreaKind, Finding, FindingKind, Round
from shequ.places.models import Place, PlaceKind

AREAS = (
    (AreaKind.STAIRWELL, "1号楼楼道", [8 * 60, 16 * 60], "building"),
    (AreaKind.GATE, "北门卡口", [8 * 60, 14 * 60, 20 * 60], "compound"),
    (AreaKind.RUBBISH, "垃圾收集点", [9 * 60, 18 * 60], "compound"),
)
MISSED = {(0, 3, 16 * 60), (1, 5, 20 * 60)}  # (area, days ago, slot): no round there


def add_demo_patrols(*, hq: User) -> dict[str, int]:
    """Once: the areas, a week of rounds, the findings."""
    if Area.objects.exists():
        return {}
    community = Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("code").first()
    staff = User.objects.filter(username="community").first()
    cadre = User.objects.filter(username="cadre").first() or hq
    if community is None or staff is None:
        return {}
    compound = (
        Place.objects.filter(kind=PlaceKind.COMPOUND, path__startswith=community.path)
        .order_by("code")
        .first()
    )
    building = compound.children.order_by("code").first() if compound else None
    if compound is None or building is None:
        return {}
    agent = selectors.agents().filter(name="消毒液").first()
    store = selectors.warehouses_near(compound).first() if agent else None
    tz = selectors.city_zone()
    now = timezone.now()
    today = timezone.localdate()
    first_day = today - dt.timedelta(days=6)
    areas = []
    for kind, name, times, where in AREAS:
        area = services.area_create(
            actor=staff,
            place=building if where == "building" else compound,
            kind=kind,
            name=name,
            times=times,
            tolerance=60,
            agent=agent,
            warehouse=store,
            dose=1 if agent else 0,
        )
        areas.append(area)
    # The areas were set up a week ago (before the first slot of the week's first day).
    since = dt.datetime.combine(first_day, dt.time(), tzinfo=tz) - dt.timedelta(hours=1)
    Area.objects.filter(pk__in=[a.pk for a in areas]).update(created_at=since)
    rounds = []
    for n, area in enumerate(areas):
        for back in range(6, -1, -1):
            day = today - dt.timedelta(days=back)
            for k, slot in enumerate(schedule.slots_on(area.times, 60, day, tz)):
                minute = slot.at.astimezone(tz).hour * 60 + slot.at.astimezone(tz).minute
                if (n, back, minute) in MISSED or slot.closes >= now:
                    continue
                at = slot.at + dt.timedelta(minutes=(n * 7 + k * 11 + back * 5) % 41 - 20)
                rounds.append(
                    Round(
                        client_uuid=uuid.uuid4(),
                        area=area,
                        done_at=at,
                        by=cadre,
                        agent=agent,
                        quantity=1 if agent else 0,
                        recorded_at=at,
                    )
                )
    Round.objects.bulk_create(rounds)
    findings = [
        (compound, "兴旺超市", FindingKind.SHOP_OPEN, "店内堂食，未按规定暂停营业", True),
        (compound, "小区广场", FindingKind.CROWD, "十余人聚集打牌", True),
        (building, "1号楼电梯", FindingKind.NO_MASK, "两名住户乘梯未戴口罩", False),
    ]
    for back, (place, spot, kind, note, resolved) in enumerate(findings, 1):
        finding = services.finding_record(
            actor=cadre,
            place=place,
            kind=kind,
            note=note,
            spot=spot,
            assignee=staff,
            due_on=today + dt.timedelta(days=1),
        )
        Finding.objects.filter(pk=finding.pk).update(found_at=now - dt.timedelta(days=back))
        if resolved:
            services.finding_resolve(actor=staff, finding=finding, note="已劝导整改，复查合格")
    return {"disinfection area": len(areas), "disinfection round": len(rounds), "patrol finding": 3}
