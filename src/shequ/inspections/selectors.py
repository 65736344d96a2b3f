"""Reads of inspections, narrowed to what the user may see: INSPECT over a place shows its
plans, visits and rectifications; RECTIFY (community staff) shows the rectifications of their
places; a task's owner sees their own task."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.access import get_for
from shequ.core.errors import PermissionDenied
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.inspections.models import (
    Checklist,
    ChecklistItem,
    Finding,
    FindingPhoto,
    Plan,
    Premises,
    Rectification,
    Result,
    TaskStatus,
    Visit,
)
from shequ.inspections.services import TARGET_KINDS, may_follow_up
from shequ.mobilization.models import Posting, Staff
from shequ.places.models import Place, PlaceKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User


def may_inspect(user: User | AnonymousUser) -> bool:
    return not scope_for(user, Capability.INSPECT).is_empty


def may_see(user: User | AnonymousUser) -> bool:
    """Whether the inspections pages have anything for the user (set-up for officers)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        may_inspect(user)
        or may_plan(user)
        or not scope_for(user, Capability.RECTIFY).is_empty
        or Rectification.objects.filter(Q(owner_user=user) | Q(owner_staff__user=user)).exists()
    )


def plans_for(user: User | AnonymousUser) -> QuerySet[Plan]:
    """Plans whose area lies in the user's INSPECT scope or covers part of it."""
    scope = scope_for(user, Capability.INSPECT)
    if scope.is_empty:
        return Plan.objects.none()
    above = Q()
    for path in scope.paths:
        parts = path.strip("/").split("/")
        above |= Q(place__path__in=["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts))])
    return Plan.objects.filter(scope.q("place") | above).select_related("place", "checklist")


def get_plan_for(user: User | AnonymousUser, pk: object) -> Plan:
    return get_for(plans_for(user), pk, what="plan")


def plan_items(plan: Plan) -> list[ChecklistItem]:
    return list(plan.checklist.items.all())


def targets_for(user: User | AnonymousUser, plan: Plan) -> QuerySet[Place]:
    """Communities and compounds in the plan's area and the user's INSPECT scope."""
    scope = scope_for(user, Capability.INSPECT)
    return Place.objects.filter(
        scope.q(), path__startswith=plan.place.path, kind__in=TARGET_KINDS
    ).order_by("path")[:500]


def premises_for(user: User | AnonymousUser) -> QuerySet[Premises]:
    return Premises.objects.filter(scope_for(user, Capability.INSPECT).q("place")).select_related(
        "place"
    )


def get_target_for(user: User | AnonymousUser, pk: object) -> Place:
    scope = scope_for(user, Capability.INSPECT)
    return get_for(Place.objects.filter(scope.q(), kind__in=TARGET_KINDS), pk, what="place")


def get_premises_for(user: User | AnonymousUser, pk: object) -> Premises:
    return get_for(premises_for(user), pk, what="premises")


def visits_for(user: User | AnonymousUser) -> QuerySet[Visit]:
    """Visits to places in the user's INSPECT scope, newest first."""
    return (
        Visit.objects.filter(scope_for(user, Capability.INSPECT).q("place"))
        .select_related("place", "premises", "plan", "inspector")
        .annotate(problems=Count("findings", filter=Q(findings__result=Result.PROBLEM)))
        .order_by("-visited_at", "-pk")
    )


def get_visit_for(user: User | AnonymousUser, pk: object) -> Visit:
    return get_for(visits_for(user), pk, what="inspection")


def findings_of(visit: Visit) -> list[Finding]:
    photos = Prefetch("photos", queryset=FindingPhoto.objects.order_by("uploaded_at", "pk"))
    return list(visit.findings.select_related("item").prefetch_related(photos))


def get_photo_for(user: User | AnonymousUser, visit_id: object, pk: object) -> FindingPhoto:
    """A photo of a finding of a visit the user sees; 404 otherwise."""
    visit = get_visit_for(user, visit_id)
    return get_for(FindingPhoto.objects.filter(finding__visit=visit), pk, what="photo")


def rectifications_for(user: User | AnonymousUser) -> QuerySet[Rectification]:
    """Tasks the user sees: over INSPECT or RECTIFY scope, or their own."""
    if not getattr(user, "is_authenticated", False):
        return Rectification.objects.none()
    seen = (
        scope_for(user, Capability.INSPECT).q("place")
        | scope_for(user, Capability.RECTIFY).q("place")
        | Q(owner_user=user)
        | Q(owner_staff__user=user)
    )
    return Rectification.objects.filter(seen).select_related(
        "place", "owner_user", "owner_staff", "visit__premises", "visit__place"
    )


def overdue(
    tasks: QuerySet[Rectification], today: dt.date | None = None
) -> QuerySet[Rectification]:
    """Tasks not closed whose deadline (a local day) has passed."""
    today = today or timezone.localdate()
    return tasks.exclude(status=TaskStatus.CLOSED).filter(deadline__lt=today)


def get_rectification_for(user: User | AnonymousUser, pk: object) -> Rectification:
    return get_for(rectifications_for(user), pk, what="rectification")


def tasks_of(visit: Visit) -> list[Rectification]:
    return list(visit.rectifications.select_related("owner_user", "owner_staff"))


def follow_ups_of(task: Rectification) -> list:
    return list(task.follow_ups.select_related("by"))


def can_follow_up(user: User, task: Rectification) -> bool:
    return may_follow_up(user, task)


def can_close(user: User | AnonymousUser, task: Rectification) -> bool:
    return scope_for(user, Capability.INSPECT).covers(task.place)


def owner_choices(visit: Visit) -> QuerySet:
    """Users who hold RECTIFY over the visit's place (its community's staff)."""
    from shequ.core.models import User
    from shequ.core.roles import CAPABILITIES

    roles = [r for r, caps in CAPABILITIES.items() if Capability.RECTIFY in caps]
    ancestors = [*visit.place.ancestor_ids(), visit.place.pk]
    return (
        User.objects.filter(
            role_assignments__role__in=roles, role_assignments__place_id__in=ancestors
        )
        .distinct()
        .order_by("username")
    )


@dataclass(frozen=True)
class SummaryRow:
    place: Place
    visits: int
    problems: int
    open: int
    overdue: int
    closed: int


def summary(user: User | AnonymousUser, today: dt.date | None = None) -> list[SummaryRow]:
    """Per district in the user's INSPECT scope (per street for a district's inspector):
    visits, problems found, tasks open, overdue and closed. Three queries."""
    today = today or timezone.localdate()
    scope = scope_for(user, Capability.INSPECT)
    areas = list(Place.objects.filter(scope.q(), kind=PlaceKind.DISTRICT).order_by("path")) or list(
        Place.objects.filter(scope.q(), kind=PlaceKind.STREET).order_by("path")
    )
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def area_of(path: str) -> Place | None:
        return next((a for a in areas if path.startswith(a.path)), None)

    for path, problems in visits_for(user).values_list("place__path", "problems"):
        area = area_of(path)
        if area is not None:
            counts[area.pk]["visits"] += 1
            counts[area.pk]["problems"] += problems
    tasks = Rectification.objects.filter(scope.q("place"))
    for path, status, deadline in tasks.values_list("place__path", "status", "deadline"):
        area = area_of(path)
        if area is None:
            continue
        if status == TaskStatus.CLOSED:
            counts[area.pk]["closed"] += 1
        else:
            counts[area.pk]["open"] += 1
            if deadline < today:
                counts[area.pk]["overdue"] += 1
    return [
        SummaryRow(
            a,
            counts[a.pk]["visits"],
            counts[a.pk]["problems"],
            counts[a.pk]["open"],
            counts[a.pk]["overdue"],
            counts[a.pk]["closed"],
        )
        for a in areas
    ]


def staff_choices(visit: Visit) -> QuerySet[Staff]:
    """People of the staff posted now at the visit's community (or a place in it)."""
    community = (
        Place.objects.filter(
            pk__in=[*visit.place.ancestor_ids(), visit.place.pk], kind=PlaceKind.COMMUNITY
        )
        .order_by("-depth")
        .first()
    )
    if community is None:
        return Staff.objects.none()
    now = timezone.now()
    posted = Posting.objects.filter(place__path__startswith=community.path, starts_at__lte=now)
    posted = posted.filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
    return Staff.objects.filter(pk__in=posted.values("staff_id")).order_by("name")[:200]


def owners(visit: Visit) -> list[tuple[str, str]]:
    """The owners to choose from: `u:<id>` users, `s:<id>` people of the staff."""
    users = [(f"u:{u.pk}", u.display_name or u.username) for u in owner_choices(visit)]
    return users + [(f"s:{s.pk}", s.name) for s in staff_choices(visit)]


def get_owner_for(visit: Visit, value: str) -> tuple[User | None, Staff | None]:
    """The owner named by an `owners` value; Http404 for anything else."""
    kind, _sep, pk = value.partition(":")
    if kind == "s":
        return None, get_for(Staff.objects.filter(pk__in=staff_choices(visit).values("pk")), pk)
    return get_for(owner_choices(visit), pk, what="user"), None


def get_finding_for(visit: Visit, pk: object) -> Finding:
    return get_for(Finding.objects.filter(visit=visit), pk, what="finding")


def premises_in(user: User | AnonymousUser, plan: Plan) -> QuerySet[Premises]:
    return premises_for(user).filter(place__path__startswith=plan.place.path)


def task_list(user: User | AnonymousUser, mode: str = "") -> QuerySet[Rectification]:
    """`overdue`: only overdue tasks; `all`: closed ones too; else tasks not closed."""
    rows = rectifications_for(user)
    if mode == "overdue":
        return overdue(rows)
    if mode == "all":
        return rows
    return rows.exclude(status=TaskStatus.CLOSED)


def open_count(user: User | AnonymousUser) -> int:
    return task_list(user).count()


def today() -> dt.date:
    """The local day (overdue is counted in local days)."""
    return timezone.localdate()


# --- set-up: checklists, plans, premises ------------------------------------------------------

AREA_KINDS = (PlaceKind.CITY, PlaceKind.DISTRICT, PlaceKind.STREET)


def may_plan(user: User | AnonymousUser) -> bool:
    return not scope_for(user, Capability.PLAN_INSPECTIONS).is_empty


def plan_areas(user: User | AnonymousUser) -> QuerySet[Place]:
    """The city, districts and streets a plan may cover: in the user's PLAN_INSPECTIONS scope."""
    scope = scope_for(user, Capability.PLAN_INSPECTIONS)
    return Place.objects.filter(scope.q(), kind__in=AREA_KINDS).order_by("path")[:300]


def premises_places(user: User | AnonymousUser) -> QuerySet[Place]:
    """Communities and compounds premises may lie in (the user's PLAN_INSPECTIONS scope)."""
    scope = scope_for(user, Capability.PLAN_INSPECTIONS)
    return Place.objects.filter(scope.q(), kind__in=TARGET_KINDS).order_by("path")[:1000]


def checklists() -> QuerySet[Checklist]:
    """Every checklist (shared: a checklist holds no place's data), with its item count."""
    return Checklist.objects.annotate(items_count=Count("items")).order_by("-pk")


def get_checklist(pk: object) -> Checklist:
    return get_for(Checklist.objects.all(), pk, what="checklist")


def get_area_for(user: User | AnonymousUser, pk: object) -> Place:
    scope = scope_for(user, Capability.PLAN_INSPECTIONS)
    return get_for(Place.objects.filter(scope.q(), kind__in=AREA_KINDS), pk, what="place")


def get_premises_place_for(user: User | AnonymousUser, pk: object) -> Place:
    scope = scope_for(user, Capability.PLAN_INSPECTIONS)
    return get_for(Place.objects.filter(scope.q(), kind__in=TARGET_KINDS), pk, what="place")


def plans_made(user: User | AnonymousUser) -> QuerySet[Plan]:
    """Plans over an area in the user's PLAN_INSPECTIONS scope, newest first."""
    scope = scope_for(user, Capability.PLAN_INSPECTIONS)
    return (
        Plan.objects.filter(scope.q("place"))
        .select_related("place", "checklist")
        .order_by("-starts_on", "-pk")
    )


def premises_listed(user: User | AnonymousUser) -> QuerySet[Premises]:
    scope = scope_for(user, Capability.PLAN_INSPECTIONS)
    return Premises.objects.filter(scope.q("place")).select_related("place").order_by("-pk")


# --- the inspector's phone --------------------------------------------------------------------


def require_inspector(user: User | AnonymousUser) -> None:
    if not may_inspect(user):
        raise PermissionDenied(_("Only inspectors and the city HQ record inspections."))


def problems_of(visit: Visit) -> int:
    return visit.findings.filter(result=Result.PROBLEM).count()


def phone_plans(user: User | AnonymousUser) -> list[dict[str, object]]:
    """The plans the user inspects under (up to 50), each with its items and the targets
    (places and premises in the plan's area and the user's scope): the phone's snapshot."""
    plans = list(plans_for(user).prefetch_related("checklist__items").order_by("-starts_on")[:50])
    out: list[dict[str, object]] = []
    for plan in plans:
        targets = [
            {"kind": "place", "id": p.pk, "name": p.name} for p in targets_for(user, plan)
        ] + [
            {"kind": "premises", "id": p.pk, "name": f"{p.name} ({p.place.name})"}
            for p in premises_in(user, plan)[:500]
        ]
        items = [
            {"id": i.pk, "section": i.section, "text": i.text} for i in plan.checklist.items.all()
        ]
        out.append({"id": plan.pk, "name": plan.name, "items": items, "targets": targets})
    return out


def visits_by_uuid(user: User | AnonymousUser, uuids: list[uuid.UUID]) -> dict[uuid.UUID, Visit]:
    """The user's own visits recorded before under these client UUIDs (a phone's resend)."""
    if not uuids or not user.is_authenticated:
        return {}
    found = Visit.objects.filter(inspector=user, client_uuid__in=uuids)
    return {v.client_uuid: v for v in found}


# -- the summary as files (inspections/exports.py) -------------------------------------------

EXPORT_MAX = 5000  # rows of each list in one file


@dataclass(frozen=True)
class VisitLine:
    visited_at: dt.datetime
    label: str
    plan: str
    inspector: str
    problems: int
    notes: str


@dataclass(frozen=True)
class FindingLine:
    visited_at: dt.datetime
    label: str
    section: str
    item: str
    result: str
    note: str


@dataclass(frozen=True)
class TaskLine:
    label: str
    what: str
    owner: str
    deadline: dt.date
    status: str
    overdue: bool
    closed_at: dt.datetime | None


@dataclass
class SummaryExport:
    at: dt.datetime
    summary: list[SummaryRow]
    visits: list[VisitLine]
    findings: list[FindingLine]
    tasks: list[TaskLine]
    limit: int
    cut: bool


def summary_export(user: User | AnonymousUser, limit: int = EXPORT_MAX) -> SummaryExport:
    """The summary by area, and the visits (newest first), their findings and the
    rectifications (open first, by deadline) the user sees, each list at most `limit` rows.
    Five queries."""
    today = timezone.localdate()
    visits = list(visits_for(user).select_related("inspector")[: limit + 1])
    findings = list(
        Finding.objects.filter(visit__in=[v.pk for v in visits[:limit]])
        .select_related("item", "visit", "visit__place", "visit__premises")
        .order_by("-visit__visited_at", "-visit_id", "item__section", "item__position", "pk")[
            : limit + 1
        ]
    )
    tasks = list(
        rectifications_for(user)
        .select_related("owner_staff", "owner_user", "visit__place", "visit__premises")
        .order_by(F("closed_at").asc(nulls_first=True), "deadline", "pk")[: limit + 1]
    )
    return SummaryExport(
        at=timezone.now(),
        summary=summary(user, today),
        visits=[
            VisitLine(
                v.visited_at,
                v.target,
                v.plan.name,
                v.inspector.display_name or v.inspector.username,
                v.problems,
                v.notes,
            )
            for v in visits[:limit]
        ],
        findings=[
            FindingLine(
                f.visit.visited_at,
                f.visit.target,
                f.item.get_section_display(),
                f.item.text,
                f.get_result_display(),
                f.note,
            )
            for f in findings[:limit]
        ],
        tasks=[
            TaskLine(
                t.visit.target,
                t.what,
                t.owner,
                t.deadline,
                t.get_status_display(),
                t.status != TaskStatus.CLOSED and t.deadline < today,
                t.closed_at,
            )
            for t in tasks[:limit]
        ],
        limit=limit,
        cut=max(len(visits), len(findings), len(tasks)) > limit,
    )
