"""Demo duty: every demo community gets posts, rules and a published roster for the week.

The 'volunteer' demo login is linked to a person on duty in the first community who works the
shift running now, so 'My shifts' → check in can be tried at once.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.utils import timezone

from shequ.duty import planning, services
from shequ.duty.models import Post, PostKind, RequestKind, RequirementRule
from shequ.places.models import Place, PlaceKind

if TYPE_CHECKING:
    from shequ.core.models import User

DEMO_SOLVER_SECONDS = 1.0


def _setup_posts(hq: User, community: Place) -> None:
    compound = (
        Place.objects.filter(path__startswith=community.path, kind=PlaceKind.COMPOUND)
        .order_by("code")
        .first()
    )
    gate = services.post_create(
        actor=hq,
        community=community,
        place=compound or community,
        name="北门卡口",
        kind=PostKind.CHECKPOINT,
        pattern="2x12",
        people=2,
    )
    for shift in gate.shifts.all():
        services.requirement_set(
            actor=hq,
            shift=shift,
            min_people=2,
            max_people=2,
            party_member=True,
            rules=[RequirementRule.NOT_ONLY_WOMEN_AT_NIGHT],
        )
    services.post_create(
        actor=hq,
        community=community,
        place=compound or community,
        name="南门卡口",
        kind=PostKind.CHECKPOINT,
        pattern="3x8",
    )
    services.post_create(
        actor=hq,
        community=community,
        name="网格巡查",
        kind=PostKind.PATROL,
        opens=dt.time(9, 0),
        closes=dt.time(17, 0),
        pattern="day",
        people=2,
    )


def _link_volunteer(community: Place, volunteer: User) -> None:
    """Link the demo volunteer login to someone on duty here who works the shift running now."""
    from shequ.mobilization.models import Staff

    if Staff.objects.filter(user=volunteer).exists():
        return
    staff = next((s for s in planning.pool(community) if s.user_id is None), None)
    if staff is None:
        return
    staff.user = volunteer
    staff.name = volunteer.display_name or staff.name
    staff.save(update_fields=["user", "name"])
    now = timezone.localtime()
    minute = now.hour * 60 + now.minute
    post = Post.objects.get(community=community, name="南门卡口")
    for shift in post.shifts.all():
        if (minute - shift.start_minute) % 1440 < shift.minutes:
            day = now.date() if minute >= shift.start_minute else now.date() - dt.timedelta(1)
            if day >= now.date():
                services.duty_request_add(
                    actor=volunteer, staff=staff, day=day, kind=RequestKind.PREFER, shift=shift
                )


def add_demo_duty(*, hq: User, volunteer: User | None = None) -> dict[str, int]:
    """Posts, default rules and a published 7-day roster (from today) in each community."""
    if Post.objects.exists():
        return {}
    communities = list(Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("code"))
    for community in communities:
        _setup_posts(hq, community)
    if volunteer is not None and communities:
        _link_volunteer(communities[0], volunteer)
    rosters = 0
    assignments = 0
    for community in communities:
        if not planning.pool(community):
            continue
        roster = planning.roster_generate(
            actor=hq,
            place=community,
            starts_on=timezone.localdate(),
            days=7,
            time_limit=DEMO_SOLVER_SECONDS,
        )
        planning.roster_publish(actor=hq, roster=roster)
        rosters += 1
        assignments += roster.assignments.count()
    return {"post": Post.objects.count(), "roster": rosters, "assignment": assignments}
