"""Rosters in words: what a roster misses and why (`explain`, rendered by
`explanation_text`), the rule a hand edit would break (`violation_text`, `check_add`), and
rules no roster can meet (`input_problems`)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shequ.duty.models import Roster, Shift
from shequ.duty.planning.context import Context, roster_context
from shequ.duty.roster import check
from shequ.duty.roster.problem import PREFER
from shequ.mobilization.models import SKILL_SET

EXPLAIN_SLOTS = 40  # short shifts explained one by one; the rest are counted

REASON_LABELS = {
    check.UNAVAILABLE: lambda n: ngettext("%d can't work that day", "%d can't work that day", n),
    check.REST: lambda n: ngettext(
        "%d would not rest enough after another shift",
        "%d would not rest enough after another shift",
        n,
    ),
    check.HOURS_PER_DAY: lambda n: ngettext(
        "%d at the hours-a-day limit", "%d at the hours-a-day limit", n
    ),
    check.CONSECUTIVE_DAYS: lambda n: ngettext(
        "%d at the days-in-a-row limit", "%d at the days-in-a-row limit", n
    ),
    check.SHIFTS_PER_WEEK: lambda n: ngettext(
        "%d at the shifts-a-week limit", "%d at the shifts-a-week limit", n
    ),
    check.DAYS_OFF: lambda n: ngettext("%d due a day off", "%d due a day off", n),
    check.NOT_ONLY_WOMEN: lambda n: ngettext(
        "%d would leave only women on a night shift",
        "%d would leave only women on a night shift",
        n,
    ),
    check.FROZEN: lambda n: ngettext(
        "%d not possible: the shift has started", "%d not possible: the shift has started", n
    ),
}


def explain(ctx: Context, assignment: frozenset[tuple[int, str]]) -> list[dict[str, Any]]:
    """What the roster misses and why, as data (rendered by `explanation_text`)."""
    problem = ctx.problem
    penalty = check.penalty(problem, assignment)
    items: list[dict[str, Any]] = []
    for i, (slot_id, missing) in enumerate(sorted(penalty.short.items(), key=_slot_order)):
        if i >= EXPLAIN_SLOTS:
            rest = len(penalty.short) - EXPLAIN_SLOTS
            items.append({"code": "more_short", "count": rest})
            break
        slot = problem.slot(slot_id)
        reasons: Counter[str] = Counter()
        free = 0
        for person in problem.people:
            if (person.id, slot_id) in assignment:
                continue
            found = check.added_violations(problem, assignment, person.id, slot)
            if found:
                reasons[found[0].rule] += 1
            else:
                free += 1
        items.append(
            {
                "code": "short",
                "slot": slot_id,
                "label": ctx.slot_label(slot_id),
                "missing": missing,
                "pool": len(problem.people),
                "free": free,
                "reasons": dict(reasons.most_common()),
            }
        )
    for slot_id in sorted(penalty.no_party, key=lambda s: _slot_order((s, 0))):
        items.append({"code": "no_party", "slot": slot_id, "label": ctx.slot_label(slot_id)})
    for slot_id, bits in sorted(penalty.missing_skills.items(), key=_slot_order):
        items.append(
            {
                "code": "no_skill",
                "slot": slot_id,
                "label": ctx.slot_label(slot_id),
                "skills": SKILL_SET.to_list(bits),
            }
        )
    for r in penalty.broken_requests:
        items.append(
            {
                "code": "request",
                "name": ctx.name(r.person),
                "kind": r.kind,
                "label": ctx.slot_label(r.slot) if r.slot else "",
            }
        )
    if penalty.spread_half_hours:
        items.append({"code": "spread", "hours": penalty.spread_half_hours / 2})
    if penalty.changes:
        items.append({"code": "changes", "count": penalty.changes})
    return items


def _slot_order(item: tuple[str, Any]) -> tuple[int, int]:
    shift_id, day = item[0].split(":")
    return int(day), int(shift_id)


def _reason_text(reasons: dict[str, int]) -> str:
    parts = [REASON_LABELS[rule](n) % n for rule, n in reasons.items() if rule in REASON_LABELS]
    return "；".join(parts)


def explanation_text(item: dict[str, Any]) -> str:
    code = item.get("code")
    if code == "short":
        text = _("%(label)s short by %(missing)d: only %(free)d of %(pool)d people free.") % item
        reasons = _reason_text(item.get("reasons", {}))
        return f"{text} {reasons}" if reasons else text
    if code == "more_short":
        return _("…and %(count)d more short shifts.") % item
    if code == "no_party":
        return _("%(label)s has no party member (党员先锋岗): none of them is free then.") % item
    if code == "no_skill":
        return _("%(label)s has nobody with: %(skills)s.") % {
            "label": item["label"],
            "skills": "、".join(item["skills"]),
        }
    if code == "request":
        if item["kind"] == PREFER:
            return _(
                "%(name)s asked for %(label)s; not possible without breaking cover or rules."
            ) % (item)
        return _("%(name)s asked not to work %(label)s; needed there to keep the post covered.") % (
            item
        )
    if code == "spread":
        return _("Hours differ by %(hours)s h between the most and the least worked person.") % (
            item
        )
    if code == "changes":
        return (
            ngettext(
                "%(count)d change to the published roster.",
                "%(count)d changes to the published roster.",
                item["count"],
            )
            % item
        )
    if code == "too_long":
        return (
            _(
                "%(shift)s lasts %(h)s h but the rules allow %(rule)s h a day: "
                "nobody may work it. Shorten the shift or raise the limit."
            )
            % item
        )
    if code == "no_week":
        return _("The weekly rules leave no day to work; fix them first.")
    return str(item)


def violation_text(v: check.Violation, ctx: Context) -> str:
    rules = ctx.problem.rules
    name = ctx.name(v.person)
    label = ctx.slot_label(v.slot) if v.slot and ":" in v.slot else ""
    day = ""
    if v.key is not None and v.rule in (check.HOURS_PER_DAY, check.CONSECUTIVE_DAYS):
        day = f"{ctx.starts_on + dt.timedelta(days=v.key):%m-%d}"
    texts = {
        check.UNKNOWN: _("%(name)s is not on duty here (not reported in, unfit or unavailable).")
        % {"name": name},
        check.UNAVAILABLE: _("%(name)s said they can't work on that day.") % {"name": name},
        check.FROZEN: _("%(label)s has already started; it cannot change now.") % {"label": label},
        check.MAX_PEOPLE: _("%(label)s would have more than %(n)d people.")
        % {"label": label, "n": v.key or 0},
        check.REST: _("%(name)s would rest only %(gap)s h between shifts; the rule is %(rule)s h.")
        % {"name": name, "gap": round((v.key or 0) / 60, 1), "rule": rules.min_rest_minutes // 60},
        check.HOURS_PER_DAY: _("%(name)s would work %(h)s h on %(day)s; the limit is %(rule)s h.")
        % {
            "name": name,
            "h": round(v.detail.get("minutes", 0) / 60, 1),
            "day": day,
            "rule": rules.max_minutes_per_day // 60,
        },
        check.CONSECUTIVE_DAYS: _(
            "%(name)s would work %(n)d days in a row up to %(day)s; the limit is %(rule)d."
        )
        % {
            "name": name,
            "n": v.detail.get("run", 0),
            "day": day,
            "rule": rules.max_consecutive_days,
        },
        check.SHIFTS_PER_WEEK: _(
            "%(name)s would work %(n)d shifts in 7 days; the limit is %(rule)d."
        )
        % {"name": name, "n": v.detail.get("shifts", 0), "rule": rules.max_shifts_per_week},
        check.DAYS_OFF: _("%(name)s would have fewer than %(rule)d days off in 7 days.")
        % {"name": name, "rule": rules.min_days_off_per_week},
        check.NOT_ONLY_WOMEN: _(
            "%(label)s is a night shift and would have only women on it; add a man first."
        )
        % {"label": label},
    }
    return texts.get(v.rule, v.rule)


def input_problems(ctx: Context) -> list[dict[str, Any]]:
    """Rules that no roster can meet, said before solving (rendered by `explanation_text`)."""
    problems: list[dict[str, Any]] = []
    rules = ctx.problem.rules
    for shift in ctx.shifts.values():
        if shift.minutes > rules.max_minutes_per_day:
            problems.append(
                {
                    "code": "too_long",
                    "shift": str(shift),
                    "h": shift.minutes / 60,
                    "rule": rules.max_minutes_per_day // 60,
                }
            )
    if rules.max_shifts_per_week < 1 or rules.min_days_off_per_week >= 7:
        problems.append({"code": "no_week"})
    return problems


def check_add(roster: Roster, shift: Shift, day: dt.date, staff_id: int) -> list[str]:
    """The rules adding this person to this shift would break, in words (empty: fine)."""
    ctx, pairs = roster_context(roster)
    if staff_id not in ctx.staff:
        return [violation_text(check.Violation(check.UNKNOWN, staff_id), ctx)]
    if not roster.starts_on <= day <= roster.ends_on or shift.pk not in ctx.shifts:
        return [_("That shift is not in this roster.")]
    slot = ctx.slot_of(shift.pk, day)
    if (staff_id, slot.id) in pairs:
        return [_("%s is already on this shift.") % ctx.name(staff_id)]
    return [
        violation_text(v, ctx) for v in check.added_violations(ctx.problem, pairs, staff_id, slot)
    ]
