"""Demo door-to-door work in the first community: a screening campaign (入户排查) over its
first compound, half done — most doors answered, some with nobody home (one twice), one
refusal, one household moved away, a new arrival and a returnee waiting for staff to confirm —
its buildings given to the demo cadre; and a vaccination drive (per resident: doses, willing,
reason) over the first building, a few doors knocked."""

from __future__ import annotations

from shequ.core.models import User
from shequ.mobilization.models import Staff
from shequ.outreach import selectors, services
from shequ.outreach.forms import PRESETS
from shequ.outreach.models import Campaign, CampaignKind, Task
from shequ.places.models import Place, PlaceKind


def _answers_for(n: int) -> dict[str, object]:
    return {"present": n % 7 != 3, "new_arrivals": False, "symptoms": False}


def add_demo_outreach(*, hq: User) -> dict[str, int]:
    """Once: the two campaigns and their outcomes."""
    # A testing round's own campaigns (missed walk, home sampling) are not these two.
    if Campaign.objects.filter(round__isnull=True).exists():
        return {}
    community = Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("code").first()
    if community is None:
        return {}
    compound = (
        Place.objects.filter(kind=PlaceKind.COMPOUND, path__startswith=community.path)
        .order_by("code")
        .first()
    )
    if compound is None:
        return {}
    screening = services.campaign_create(
        actor=hq, name="第一轮入户排查", kind=CampaignKind.SCREENING, community=community,
        places=[compound], questions=PRESETS[CampaignKind.SCREENING],
    )  # fmt: skip
    cadre = Staff.objects.filter(user__username="cadre").first()
    buildings = selectors.campaign_buildings(screening)
    if cadre is not None and buildings:
        services.buildings_assign(actor=hq, campaign=screening, buildings=buildings, cadre=cadre)
    tasks = list(
        Task.objects.filter(campaign=screening).order_by("building__path", "unit", "floor", "room")
    )
    half = tasks[: len(tasks) // 2]
    visits = 0
    for n, task in enumerate(half):
        if n == 1:
            outcome, people = "refused", []
        elif n == 2:
            outcome, people = "moved", []
        elif n % 6 == 5:
            outcome, people = "nobody_home", []
        elif n == 3:
            outcome = "done"
            people = [{"kind": "new_arrival", "name": "周新来", "came_from": "上海市浦东新区"}]
        elif n == 4:
            outcome = "done"
            people = [{"kind": "returnee", "name": "吴返乡", "came_from": "广州市"}]
        else:
            outcome, people = "done", []
        answers = _answers_for(n) if outcome == "done" else None
        if answers and people:
            answers = {**answers, "new_arrivals": True, "came_from": people[0]["came_from"]}
        services.outcome_record(
            actor=hq, task=task, outcome=outcome, answers=answers, people=people
        )
        visits += 1
        if n == 5:  # nobody home twice
            services.outcome_record(actor=hq, task=task, outcome="nobody_home")
            visits += 1
    building = buildings[0] if buildings else None
    drive_visits = 0
    if building is not None:
        drive = services.campaign_create(
            actor=hq, name="老年人疫苗接种动员", kind=CampaignKind.VACCINATION, unit="resident",
            community=community, places=[building], questions=PRESETS[CampaignKind.VACCINATION],
        )  # fmt: skip
        for n, task in enumerate(Task.objects.filter(campaign=drive).order_by("pk")[:6]):
            willing = ["愿意 / Yes", "不愿意 / No", "暂缓 / Later"][n % 3]
            services.outcome_record(
                actor=hq, task=task, outcome="done",
                answers={"doses": n % 4, "willing": willing,
                         "reason": "" if n % 3 == 0 else "担心副作用"},
            )  # fmt: skip
            drive_visits += 1
    return {"campaign": 2 if building is not None else 1, "door visit": visits + drive_visits}
