"""Reads for mobilization, narrowed to the acting user: HQ and officers by place, a community
by who reported to it, an agency coordinator by their own staff, a cadre by themselves."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncHour
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core.errors import PermissionDenied
from shequ.core.roles import Capability
from shequ.core.scopes import agency_scope_for, scope_for
from shequ.mobilization.models import ACTIVE_STATES, Enlistment, EnlistmentState, Need, Order, Staff
from shequ.places.models import Place, PlaceKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User


def staff_for(user: User | AnonymousUser) -> QuerySet[Staff]:
    """Coordinators: their agency's staff. Places: people living or on duty there. Self."""
    if not getattr(user, "is_authenticated", False):
        return Staff.objects.none()
    scope = scope_for(user, Capability.VIEW_MOBILIZATION)
    visible = agency_scope_for(user, Capability.VIEW_STAFF).q("agency") | Q(user=user)
    if not scope.is_empty:
        on_duty_here = Enlistment.objects.filter(
            scope.q("community"), state__in=ACTIVE_STATES
        ).values("staff_id")
        visible |= scope.q("residence_community") | Q(pk__in=on_duty_here)
    return Staff.objects.filter(visible).select_related("agency", "residence_community")


def has_mobilization_role(user: User | AnonymousUser) -> bool:
    """Officers and staff of places, agency coordinators, and mobilized people themselves."""
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        not scope_for(user, Capability.VIEW_MOBILIZATION).is_empty
        or not agency_scope_for(user, Capability.VIEW_STAFF).is_empty
        or Staff.objects.filter(user=user).exists()
    )


def may_import_staff(user: User | AnonymousUser) -> bool:
    """Agency coordinators (their agency's staff) and the HQ (any agency) import staff lists."""
    return not agency_scope_for(user, Capability.MANAGE_STAFF).is_empty


def require_staff_importer(user: User | AnonymousUser) -> None:
    """403 with the reason unless the user may import staff lists (the page and the API)."""
    if not may_import_staff(user):
        raise PermissionDenied(_("Only agency coordinators and the HQ import staff lists."))


def orders_for(user: User | AnonymousUser) -> QuerySet[Order]:
    """Orders reach every agency and community, so anyone with a mobilization role sees them;
    a user with no such role sees none."""
    if not has_mobilization_role(user):
        return Order.objects.none()
    return Order.objects.select_related("scope", "issued_by").order_by("-issued_at")


def teams_for(user: User | AnonymousUser, order: Order) -> QuerySet:
    """Teams sent to the user's places, holding their agency's staff, or holding themselves."""
    from shequ.mobilization.models import Team

    if scope_for(user, Capability.ISSUE_ORDERS).covers(order.scope):
        return Team.objects.filter(order=order)  # who forms the teams sees them all
    scope = scope_for(user, Capability.VIEW_MOBILIZATION)
    visible = agency_scope_for(user, Capability.VIEW_STAFF).q("members__staff__agency") | Q(
        members__staff__user=user
    )
    if not scope.is_empty:
        visible |= scope.q("community")
    return Team.objects.filter(visible, order=order).distinct()


def get_order_for(user: User | AnonymousUser, pk: int) -> Order:
    try:
        return orders_for(user).get(pk=pk)
    except (Order.DoesNotExist, ValueError, TypeError):
        raise Http404("No such order") from None


def enlistments_for(
    user: User | AnonymousUser, *, order: Order | None = None
) -> QuerySet[Enlistment]:
    """A community sees who reported (or is heading) to it; a coordinator their staff."""
    if not getattr(user, "is_authenticated", False):
        return Enlistment.objects.none()
    scope = scope_for(user, Capability.VIEW_MOBILIZATION)
    visible = agency_scope_for(user, Capability.VIEW_STAFF).q("staff__agency") | Q(staff__user=user)
    if not scope.is_empty:
        visible |= scope.q("community")
    qs = Enlistment.objects.filter(visible).select_related(
        "staff", "staff__agency", "community", "order"
    )
    if order is not None:
        qs = qs.filter(order=order)
    return qs


def enlistment_by_token(user: User | AnonymousUser, token: str) -> Enlistment:
    """The enlistment behind a QR code, for its owner or for whoever may check people in at
    the community it points to; 404 for everyone else."""
    enlistment = (
        Enlistment.objects.select_related(
            "staff", "order", "community", "staff__residence_community"
        )
        .filter(token=token)
        .first()
    )
    if enlistment is None:
        raise Http404("Unknown code")
    target = enlistment.community or enlistment.staff.residence_community
    if enlistment.staff.user_id == getattr(user, "pk", None):
        return enlistment
    if target is not None and scope_for(user, Capability.CHECK_IN).covers(target):
        return enlistment
    if agency_scope_for(user, Capability.VIEW_STAFF).covers(enlistment.staff.agency_id):
        return enlistment
    raise Http404("Unknown code")


def my_enlistments(user: User | AnonymousUser) -> QuerySet[Enlistment]:
    return (
        Enlistment.objects.filter(staff__user=user)
        .select_related("order", "community", "staff")
        .order_by("-order__issued_at")
    )


@dataclass
class BoardRow:
    place: Place
    need: int = 0
    signed_up: int = 0
    reported: int = 0
    assigned: int = 0

    @property
    def gap(self) -> int:
        return max(self.need - self.reported - self.assigned, 0)

    @property
    def surplus(self) -> int:
        return max(self.reported + self.assigned - self.need, 0)


@dataclass
class Board:
    level: str
    rows: list[BoardRow] = field(default_factory=list)
    total: BoardRow | None = None
    per_hour: list[tuple[dt.datetime, int]] = field(default_factory=list)


LEVEL_DEPTH = {PlaceKind.DISTRICT: 1, PlaceKind.STREET: 2, PlaceKind.COMMUNITY: 3}


def board(
    user: User | AnonymousUser,
    *,
    order: Order,
    level: str = PlaceKind.COMMUNITY,
    on: dt.date | None = None,
) -> Board:
    """Need vs. signed up vs. reported in vs. assigned, per community, street or district,
    within the user's places; and report-ins per hour for the chart."""
    scope = scope_for(user, Capability.VIEW_MOBILIZATION)
    on = on or timezone.localdate()
    depth = LEVEL_DEPTH.get(level, 3)
    groups = {
        p.pk: BoardRow(place=p)
        for p in Place.objects.filter(scope.q(), kind=level).order_by("path")
    }
    if not groups:
        return Board(level=level, total=BoardRow(place=order.scope))

    def group_of(path: str) -> int | None:
        parts = path.strip("/").split("/")
        return int(parts[depth]) if len(parts) > depth else None

    needs = Need.objects.filter(
        scope.q("community"), starts_on__lte=on, ends_on__gte=on
    ).values_list("community__path", "people_per_day")
    for path, people in needs:
        key = group_of(path)
        if key in groups:
            groups[key].need += people
    counts = (
        Enlistment.objects.filter(scope.q("community"), order=order)
        .values_list("community__path", "state")
        .annotate(n=Count("id"))
    )
    for path, state, n in counts:
        row = groups.get(group_of(path))
        if row is None:
            continue
        if state == EnlistmentState.SIGNED_UP:
            row.signed_up += n
        elif state == EnlistmentState.REPORTED_IN:
            row.reported += n
        elif state == EnlistmentState.ASSIGNED:
            row.assigned += n
    rows = list(groups.values())
    total = BoardRow(
        place=order.scope,
        need=sum(r.need for r in rows),
        signed_up=sum(r.signed_up for r in rows),
        reported=sum(r.reported for r in rows),
        assigned=sum(r.assigned for r in rows),
    )
    per_hour = list(
        Enlistment.objects.filter(scope.q("community"), order=order, reported_at__isnull=False)
        .annotate(hour=TruncHour("reported_at"))
        .values_list("hour")
        .annotate(n=Count("id"))
        .order_by("hour")
    )
    return Board(level=level, rows=rows, total=total, per_hour=per_hour)


def check_in_communities(user: User | AnonymousUser) -> QuerySet[Place]:
    """Communities where the user may confirm arrivals."""
    return Place.objects.filter(scope_for(user, Capability.CHECK_IN).q(), kind=PlaceKind.COMMUNITY)


def hour_labels(per_hour) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """(hour, count) rows → {"11-28 09:00": count} in the city's time, for the chart."""
    series: dict[str, int] = defaultdict(int)
    for hour, n in per_hour:
        series[timezone.localtime(hour).strftime("%m-%d %H:00")] += n
    return dict(series)


def signups_by_hour(user: User | AnonymousUser, order: Order) -> dict[str, int]:
    """Sign-ups per local hour (heading to the user's places), for the board's chart."""
    scope = scope_for(user, Capability.VIEW_MOBILIZATION)
    rows = (
        Enlistment.objects.filter(
            scope.q("community") | scope.q("staff__residence_community"),
            order=order,
            signed_up_at__isnull=False,
        )
        .annotate(hour=TruncHour("signed_up_at"))
        .values_list("hour")
        .annotate(n=Count("id"))
        .order_by("hour")
    )
    return hour_labels(rows)


def needs_for(user: User | AnonymousUser) -> QuerySet[Need]:
    """Needs declared by the communities the user sees."""
    scope = scope_for(user, Capability.VIEW_MOBILIZATION)
    return Need.objects.filter(scope.q("community")).select_related("community")


def pending_volunteers(user: User | AnonymousUser) -> QuerySet[Staff]:
    """Self-registered volunteers of the user's communities waiting for vetting."""
    scope = scope_for(user, Capability.CHECK_IN)
    return (
        Staff.objects.filter(scope.q("residence_community"), kind="volunteer", vetting="pending")
        .defer("id_number", "phone")
        .order_by("created_at")
    )
