"""Demo inspections: a checklist (问/查/看), a plan over the city, and one inspection of the
first community four days ago with two problems and two open rectifications owned by its
staff login, one of them overdue (its deadline was two days ago)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from shequ.core.models import User
from shequ.inspections import services
from shequ.inspections.models import Checklist, ChecklistItem, Rectification, Section, Visit
from shequ.places.models import Place, PlaceKind

ITEMS = (
    (Section.ASK, "值守人员是否清楚进出登记流程"),
    (Section.ASK, "是否知道发热人员上报路径"),
    (Section.CHECK, "出入登记台账是否完整"),
    (Section.CHECK, "核酸检测名单是否与住户名册一致"),
    (Section.LOOK, "卡口是否有人值守、测温"),
    (Section.LOOK, "公共区域是否按时消杀"),
)


def add_demo_inspections(*, hq: User) -> dict[str, int]:
    """Once: the checklist, the plan, the inspection and its two rectifications."""
    if Visit.objects.exists():
        return {}
    community = Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("code").first()
    city = Place.objects.filter(kind=PlaceKind.CITY).order_by("code").first()
    owner = User.objects.filter(username="community").first()
    if community is None or city is None or owner is None:
        return {}
    checklist = Checklist.objects.create(name="疫情防控督导检查表")
    items = [
        ChecklistItem.objects.create(checklist=checklist, section=s, text=t, position=i)
        for i, (s, t) in enumerate(ITEMS, 1)
    ]
    today = timezone.localdate()
    plan = services.plan_create(
        actor=hq, name="全市第一轮督导检查", checklist=checklist, place=city, starts_on=today
    )
    problems = {items[2].pk: "出入登记缺少3日记录", items[4].pk: "北门卡口无人测温"}
    results = {i.pk: ("problem", problems[i.pk]) if i.pk in problems else ("ok", "") for i in items}
    visit = services.visit_record(actor=hq, plan=plan, place=community, results=results)
    findings = {f.item_id: f for f in visit.findings.all()}
    tasks = [
        services.rectification_create(
            actor=hq,
            visit=visit,
            finding=findings[item.pk],
            what=f"整改：{problems[item.pk]}",
            owner_user=owner,
            deadline=today + dt.timedelta(days=days),
        )
        for days, item in ((0, items[2]), (3, items[4]))
    ]
    # The visit was four days ago and the first task was due two days ago: overdue now.
    back = timezone.now() - dt.timedelta(days=4)
    Visit.objects.filter(pk=visit.pk).update(visited_at=back)
    Rectification.objects.filter(pk=tasks[0].pk).update(
        created_at=back, deadline=today - dt.timedelta(days=2)
    )
    Rectification.objects.filter(pk=tasks[1].pk).update(created_at=back)
    return {"inspection": 1, "rectification": 2}
