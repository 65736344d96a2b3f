"""Hours and person-times (人次: one per presence at a post) by person, team, agency and
community, per day, with late and overtime counts: the duty figures of a daily report.

The database sums the presences the user may see (their duty scope, their agency's staff for
a coordinator, their own for everyone) per person, community and day in one query; each level
is rolled up from those sums, so a person's team can depend on where they worked. Minutes are
those of presences checked out; `open` counts presences still running.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from shequ.core.errors import ValidationError
from shequ.duty.attendance import LATE_AFTER_DEFAULT, no_show_counts, visible_attendance
from shequ.duty.models import Attendance
from shequ.mobilization.models import Agency, Staff, Team, TeamMember
from shequ.places.models import Place

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User

LEVELS = ("person", "team", "agency", "community")
MAX_DAYS = 92


@dataclass(frozen=True)
class HoursRow:
    """One person, team, agency or community (`key`, None for 'none'), on one day or over
    the whole range (`day` None)."""

    key: int | None
    name: str
    day: dt.date | None
    people: int  # different people present
    person_times: int  # 人次: presences
    minutes: int  # of presences checked out
    late: int
    overtime: int
    open: int  # presences not checked out yet

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)


@dataclass(frozen=True)
class HoursReport:
    by: str
    day_from: dt.date
    day_to: dt.date
    rows: list[HoursRow]
    total: HoursRow


def _groups(qs: QuerySet[Attendance], per_day: bool) -> list[dict[str, Any]]:
    """Additive figures per person, community (and day): every level is a sum of these."""
    late_after = Coalesce(F("community__duty_rules__late_after_minutes"), Value(LATE_AFTER_DEFAULT))
    keys = ["staff_id", "staff__agency_id", "community_id", *(["day"] if per_day else [])]
    return list(
        qs.values(*keys)
        .annotate(
            person_times=Count("pk"),
            minutes=Coalesce(Sum("minutes"), Value(0)),
            late=Count("pk", filter=Q(late_minutes__gt=late_after)),
            overtime=Count("pk", filter=Q(overtime=True)),
            open=Count("pk", filter=Q(check_out_at__isnull=True)),
        )
        .order_by(*keys)
    )


def _teams(groups: list[dict[str, Any]]) -> dict[tuple[int, int], int]:
    """(person, community) -> the team the person works there with: a team sent to that
    community if any, else their latest team."""
    memberships: dict[int, list[tuple[int, int | None]]] = defaultdict(list)
    for staff_id, team_id, community_id in TeamMember.objects.filter(
        staff_id__in={g["staff_id"] for g in groups}
    ).values_list("staff_id", "team_id", "team__community_id"):
        memberships[staff_id].append((team_id, community_id))
    out = {}
    for g in groups:
        teams = memberships.get(g["staff_id"])
        if teams:
            here = [t for t, c in teams if c == g["community_id"]]
            out[(g["staff_id"], g["community_id"])] = max(here or [t for t, _c in teams])
    return out


def _key(by: str, group: dict[str, Any], teams: dict[tuple[int, int], int]) -> int | None:
    if by == "team":
        return teams.get((group["staff_id"], group["community_id"]))
    return group[{"person": "staff_id", "agency": "staff__agency_id"}.get(by, "community_id")]


FIGURES = ("person_times", "minutes", "late", "overtime", "open")


def _row(key: int | None, name: str, day: dt.date | None, groups: list[dict[str, Any]]) -> HoursRow:
    return HoursRow(
        key=key,
        name=name,
        day=day,
        people=len({g["staff_id"] for g in groups}),
        **{f: sum(g[f] for g in groups) for f in FIGURES},
    )


def _names(by: str, keys: set[int]) -> dict[int, str]:
    if by == "person":
        return dict(Staff.objects.filter(pk__in=keys).values_list("pk", "name"))
    if by == "agency":
        return dict(Agency.objects.filter(pk__in=keys).values_list("pk", "name"))
    if by == "community":
        return dict(Place.objects.filter(pk__in=keys).values_list("pk", "name"))
    return {
        pk: _("Team %(n)d, %(community)s") % {"n": number, "community": community or "—"}
        for pk, number, community in Team.objects.filter(pk__in=keys).values_list(
            "pk", "number", "community__name"
        )
    }


def _none_name(by: str) -> str:
    return {
        "person": "?",
        "team": _("No team"),
        "agency": _("No agency (volunteers)"),
        "community": "?",
    }[by]


def presences(
    user: User | AnonymousUser, day_from: dt.date, day_to: dt.date | None = None
) -> QuerySet[Attendance]:
    """Presences the user may see on the duty days day_from–day_to."""
    return Attendance.objects.filter(
        visible_attendance(user), day__gte=day_from, day__lte=day_to or day_from
    )


def _validate(by: str, day_from: dt.date, day_to: dt.date) -> None:
    errors: dict[str, str] = {}
    if by not in LEVELS:
        errors["by"] = _("Choose person, team, agency or community.")
    if day_to < day_from:
        errors["day_to"] = _("The last day cannot be before the first.")
    elif (day_to - day_from).days >= MAX_DAYS:
        errors["day_to"] = _("Ask for at most %d days at a time.") % MAX_DAYS
    if errors:
        raise ValidationError(errors)


def hours_report(
    user: User | AnonymousUser,
    *,
    by: str = "person",
    day_from: dt.date,
    day_to: dt.date | None = None,
    per_day: bool = True,
) -> HoursReport:
    """Person-times, hours, late and overtime per `by` (person / team / agency / community),
    per day or over the range, with the total, over what the user may see."""
    day_to = day_to or day_from
    _validate(by, day_from, day_to)
    groups = _groups(presences(user, day_from, day_to), per_day)
    return _report(by, day_from, day_to, groups)


def _report(
    by: str, day_from: dt.date, day_to: dt.date, groups: list[dict[str, Any]]
) -> HoursReport:
    teams = _teams(groups) if by == "team" else {}
    rolled: dict[tuple[dt.date | None, int | None], list[dict[str, Any]]] = defaultdict(list)
    for g in groups:
        rolled[(g.get("day"), _key(by, g, teams))].append(g)
    names = _names(by, {key for _day, key in rolled if key is not None})
    rows = [
        _row(key, names.get(key, "?") if key is not None else _none_name(by), day, members)
        for (day, key), members in rolled.items()
    ]
    rows.sort(key=lambda r: (r.day or day_from, r.name))
    return HoursReport(
        by=by,
        day_from=day_from,
        day_to=day_to,
        rows=rows,
        total=_row(None, _("Total"), None, groups),
    )


# --- the daily report's duty figures (shequ.reports.figures) ----------------------------------


def daily_figures(
    community_ids: Collection[int], day: dt.date, *, now: dt.datetime | None = None
) -> dict[int, dict[str, int]]:
    """Per community on duty day `day`: people on duty, minutes on duty (of presences
    checked out), person-times (人次) and no-shows. Three queries whatever the number of
    communities (plus one per distinct 'late after' rule)."""
    figures: dict[int, dict[str, int]] = {
        pk: {"on_duty": 0, "duty_minutes": 0, "person_times": 0, "no_shows": 0}
        for pk in community_ids
    }
    rows = (
        Attendance.objects.filter(community_id__in=community_ids, day=day)
        .values("community_id")
        .annotate(
            people=Count("staff_id", distinct=True),
            minutes=Coalesce(Sum("minutes"), Value(0)),
            times=Count("pk"),
        )
        .order_by()
    )
    for row in rows:
        figures[row["community_id"]].update(
            on_duty=row["people"], duty_minutes=row["minutes"], person_times=row["times"]
        )
    for community_id, count in no_show_counts(community_ids, day, now=now).items():
        figures[community_id]["no_shows"] = count
    return figures


@dataclass(frozen=True)
class DutyBreakdown:
    """One agency (or team) on duty in one community on one day."""

    community_id: int
    by: str  # agency / team
    key: int | None
    name: str
    people: int
    person_times: int
    minutes: int


def daily_breakdown(community_ids: Collection[int], day: dt.date) -> list[DutyBreakdown]:
    """People, person-times and minutes on `day` per community by agency and by team: the
    detail under the report's duty figures (its rows of each level sum to the figures)."""
    qs = Attendance.objects.filter(community_id__in=community_ids, day=day)
    groups = _groups(qs, per_day=False)
    teams = _teams(groups)
    out: list[DutyBreakdown] = []
    for by in ("agency", "team"):
        rolled: dict[tuple[int, int | None], list[dict[str, Any]]] = defaultdict(list)
        for g in groups:
            rolled[(g["community_id"], _key(by, g, teams))].append(g)
        names = _names(by, {key for _c, key in rolled if key is not None})
        for (community_id, key), members in sorted(rolled.items(), key=lambda i: str(i[0])):
            row = _row(
                key, names.get(key, "?") if key is not None else _none_name(by), None, members
            )
            out.append(
                DutyBreakdown(
                    community_id=community_id,
                    by=by,
                    key=key,
                    name=row.name,
                    people=row.people,
                    person_times=row.person_times,
                    minutes=row.minutes,
                )
            )
    return out
