"""Writes for duty set-up: posts and shifts, what shifts need, community rules, requests.

Each is one transaction with its audit row. Rosters live in `planning/`, attendance in
`attendance/`, swaps and sick reports in `changes.py`, urgent calls in `calls.py`.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.roles import Capability, refusal
from shequ.core.scopes import scope_for
from shequ.duty.models import (
    DutyRequest,
    DutyRules,
    Post,
    PostKind,
    RequestKind,
    RequirementRule,
    Shift,
    ShiftRequirement,
)
from shequ.mobilization.models import SKILL_BITS, Staff
from shequ.places.models import Place, PlaceKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User

# name, start, minutes: the patterns a 24-hour post is usually covered with.
PATTERNS: dict[str, list[tuple[str, dt.time, int]]] = {
    "3x8": [
        ("早班", dt.time(8, 0), 480),
        ("中班", dt.time(16, 0), 480),
        ("夜班", dt.time(0, 0), 480),
    ],
    "2x12": [("白班", dt.time(8, 0), 720), ("夜班", dt.time(20, 0), 720)],
}
PATTERN_DAY = "day"  # one shift over the post's opening hours
PATTERN_NONE = "none"


def require_planner(actor: User | AnonymousUser, place: Place) -> None:
    """PermissionDenied (403) unless the user plans duty at `place`."""
    if not scope_for(actor, Capability.PLAN_DUTY).covers(place):
        raise PermissionDenied(_("You do not plan duty for %s.") % place.name)


def require_plans_somewhere(actor: User | AnonymousUser) -> None:
    """PermissionDenied (403) when the user's roles plan duty nowhere: checked before a form
    that makes a roster or posts a call, so such a role is refused whatever it sends."""
    if scope_for(actor, Capability.PLAN_DUTY).is_empty:
        raise PermissionDenied(refusal(Capability.PLAN_DUTY))


def rules_for(community: Place) -> DutyRules:
    """The community's rules, or the defaults (unsaved) when none were set."""
    try:
        return community.duty_rules
    except DutyRules.DoesNotExist:
        return DutyRules(community=community)


def _minutes_between(opens: dt.time, closes: dt.time) -> int:
    a = opens.hour * 60 + opens.minute
    b = closes.hour * 60 + closes.minute
    return (b - a) % 1440 or 1440


@transaction.atomic
def post_create(
    *,
    actor: User,
    community: Place,
    name: str,
    kind: str,
    place: Place | None = None,
    opens: dt.time = dt.time(0, 0),
    closes: dt.time = dt.time(0, 0),
    pattern: str = "3x8",
    people: int = 1,
) -> Post:
    """A post with its shifts from a pattern, each needing `people` people."""
    require_planner(actor, community)
    place = place or community
    errors: dict[str, str] = {}
    if community.kind != PlaceKind.COMMUNITY:
        errors["community"] = _("Posts belong to a community; choose a community.")
    if not place.path.startswith(community.path):
        errors["place"] = _("Choose the community itself or a compound in it.")
    name = name.strip()
    if not name:
        errors["name"] = _("Name the post, e.g. 'North gate'.")
    elif len(name) > 60:
        errors["name"] = _("Keep the name under 60 characters.")
    elif Post.objects.filter(community=community, name=name).exists():
        errors["name"] = _("This community already has a post called %s; pick another name.") % (
            name
        )
    if kind not in PostKind.values:
        errors["kind"] = _("Choose a kind: checkpoint, sampling site, patrol, warehouse, …")
    if pattern not in (*PATTERNS, PATTERN_DAY, PATTERN_NONE):
        errors["pattern"] = _("Choose 3 × 8 h, 2 × 12 h, one day shift or none.")
    elif pattern in PATTERNS and opens != closes:
        errors["pattern"] = _("3 × 8 h and 2 × 12 h cover 24 h; set the hours to 00:00–00:00.")
    if not 1 <= people <= 50:
        errors["people"] = _("Give 1 to 50 people per shift.")
    if errors:
        raise ValidationError(errors)
    post = Post.objects.create(
        community=community, place=place, name=name, kind=kind, opens=opens, closes=closes
    )
    if pattern == PATTERN_DAY:
        shapes = [("日班", opens, _minutes_between(opens, closes))]
    else:
        shapes = PATTERNS.get(pattern, [])
    for i, (shift_name, starts, minutes) in enumerate(shapes):
        shift = Shift.objects.create(
            post=post, name=shift_name, starts=starts, minutes=minutes, position=i
        )
        ShiftRequirement.objects.create(shift=shift, min_people=people, max_people=people)
    audit.record(
        actor=actor,
        action="duty.post_create",
        obj=post,
        place=community,
        changes={"name": name, "kind": kind, "pattern": pattern},
    )
    return post


@transaction.atomic
def shift_add(*, actor: User, post: Post, name: str, starts: dt.time, minutes: int) -> Shift:
    require_planner(actor, post.community)
    errors: dict[str, str] = {}
    name = name.strip()
    if not name:
        errors["name"] = _("Name the shift, e.g. 早班.")
    elif post.shifts.filter(name=name).exists():
        errors["name"] = _("This post already has a shift called %s.") % name
    if not 30 <= minutes <= 1440:
        errors["minutes"] = _("A shift lasts from 30 minutes to 24 hours.")
    if errors:
        raise ValidationError(errors)
    shift = Shift.objects.create(
        post=post, name=name, starts=starts, minutes=minutes, position=post.shifts.count()
    )
    ShiftRequirement.objects.create(shift=shift)
    audit.record(actor=actor, action="duty.shift_add", obj=shift, place=post.community)
    return shift


@transaction.atomic
def requirement_set(
    *,
    actor: User,
    shift: Shift,
    min_people: int,
    max_people: int,
    day: dt.date | None = None,
    party_member: bool = False,
    skills: list[str] | tuple[str, ...] = (),
    rules: list[str] | tuple[str, ...] = (),
) -> ShiftRequirement:
    """What a shift needs every day (`day` None) or on one day (overrides the default)."""
    require_planner(actor, shift.post.community)
    errors: dict[str, str] = {}
    if min_people < 0 or max_people < 1 or max_people > 50:
        errors["max_people"] = _("At most is 1 to 50 people.")
    elif min_people > max_people:
        errors["min_people"] = _("'At least' (%(a)d) is more than 'at most' (%(b)d).") % {
            "a": min_people,
            "b": max_people,
        }
    unknown = [s for s in skills if s not in SKILL_BITS]
    if unknown:
        errors["skills"] = _("Unknown skill: %s.") % "、".join(unknown)
    bad_rules = [r for r in rules if r not in RequirementRule.values]
    if bad_rules:
        errors["rules"] = _("Unknown rule: %s.") % "、".join(bad_rules)
    if errors:
        raise ValidationError(errors)
    values = {
        "min_people": min_people,
        "max_people": max_people,
        "party_member": party_member,
        "skills": sum(SKILL_BITS[s] for s in set(skills)),
        "rules": sorted(set(rules)),
    }
    requirement, _created = ShiftRequirement.objects.update_or_create(
        shift=shift, day=day, defaults=values
    )
    audit.record(
        actor=actor,
        action="duty.requirement_set",
        obj=requirement,
        place=shift.post.community,
        changes={**values, "day": day.isoformat() if day else None},
    )
    return requirement


RULE_LIMITS = {
    "max_hours_per_day": (1, 24),
    "min_rest_hours": (0, 48),
    "max_consecutive_days": (1, 28),
    "max_shifts_per_week": (1, 21),
    "min_days_off_per_week": (0, 6),
    "late_after_minutes": (0, 240),
}


@transaction.atomic
def rules_set(*, actor: User, community: Place, **values: Any) -> DutyRules:
    require_planner(actor, community)
    errors: dict[str, str] = {}
    for field, value in values.items():
        if field not in RULE_LIMITS:
            errors[field] = _("Unknown rule.")
            continue
        low, high = RULE_LIMITS[field]
        if not isinstance(value, int) or not low <= value <= high:
            errors[field] = _("Give a whole number from %(a)d to %(b)d.") % {"a": low, "b": high}
    if errors:
        raise ValidationError(errors)
    rules = rules_for(community)
    for field, value in values.items():
        setattr(rules, field, value)
    longest = (
        Shift.objects.filter(post__community=community, post__active=True)
        .order_by("-minutes")
        .first()
    )
    if longest and longest.minutes > rules.max_hours_per_day * 60:
        raise ValidationError(
            {
                "max_hours_per_day": _(
                    "%(shift)s lasts %(h)s h: allow at least that many hours a day, "
                    "or shorten the shift first."
                )
                % {"shift": longest, "h": longest.minutes / 60}
            }
        )
    rules.updated_at = timezone.now()
    rules.updated_by = actor
    rules.save()
    audit.record(actor=actor, action="duty.rules_set", obj=rules, place=community, changes=values)
    return rules


@transaction.atomic
def duty_request_add(
    *,
    actor: User,
    staff: Staff,
    day: dt.date,
    kind: str,
    shift: Shift | None = None,
    note: str = "",
) -> DutyRequest:
    """A person says they can't work a day, or would like / rather not work a shift."""
    own = getattr(staff, "user_id", None) == actor.pk
    community = _community_of(staff)
    planner = community is not None and scope_for(actor, Capability.PLAN_DUTY).covers(community)
    if not own and not planner:
        raise PermissionDenied(_("You may only enter requests for yourself or your community."))
    errors: dict[str, str] = {}
    if kind not in RequestKind.values:
        errors["kind"] = _("Choose: can't work, would like, or would rather not.")
    elif kind != RequestKind.UNAVAILABLE and shift is None:
        errors["shift"] = _("Choose the shift you would like or would rather not work.")
    if day < timezone.localdate():
        errors["day"] = _("Pick today or a later day.")
    if errors:
        raise ValidationError(errors)
    request = DutyRequest.objects.create(
        staff=staff, day=day, kind=kind, shift=shift, note=note[:200]
    )
    audit.record(actor=actor, action="duty.request_add", obj=request, place=community)
    return request


def _community_of(staff: Staff) -> Place | None:
    from shequ.mobilization.models import ACTIVE_STATES

    enlistment = (
        staff.enlistments.filter(state__in=ACTIVE_STATES).select_related("community").first()
    )
    return enlistment.community if enlistment else None
