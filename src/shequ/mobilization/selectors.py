"""Reads for mobilization, narrowed to the acting user: HQ and officers by place, a community
by who reported to it, an agency coordinator by their own staff, a cadre by themselves.

One `get_<model>_for(user, pk)` per object fetched by id (order, enlistment, staff, team draft,
batch): 404 for what the user may not see, the same for the page and the API. The board's
counts are in board.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import F, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import pii
from shequ.core.access import get_for
from shequ.core.errors import PermissionDenied
from shequ.core.roles import Capability
from shequ.core.scopes import agency_scope_for, scope_for
from shequ.mobilization.models import (
    ACTIVE_STATES,
    Agency,
    Batch,
    Enlistment,
    EnlistmentState,
    Fitness,
    Need,
    Order,
    Pairing,
    Posting,
    Staff,
    Team,
    TeamDraft,
    TeamMember,
)
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


def teams_for(user: User | AnonymousUser, order: Order) -> QuerySet[Team]:
    """Teams sent to the user's places, holding their agency's staff, or holding themselves."""
    if scope_for(user, Capability.ISSUE_ORDERS).covers(order.scope):
        return Team.objects.filter(order=order)  # who forms the teams sees them all
    scope = scope_for(user, Capability.VIEW_MOBILIZATION)
    visible = agency_scope_for(user, Capability.VIEW_STAFF).q("members__staff__agency") | Q(
        members__staff__user=user
    )
    if not scope.is_empty:
        visible |= scope.q("community")
    return Team.objects.filter(visible, order=order).distinct()


def get_order_for(user: User | AnonymousUser, pk: object) -> Order:
    return get_for(orders_for(user), pk, what="order")


def get_batch_for(user: User | AnonymousUser, pk: object, *, order: Order | None = None) -> Batch:
    """A batch sent to a place the user manages (the one who may relieve it); 404 otherwise."""
    qs = Batch.objects.filter(scope_for(user, Capability.MANAGE_NEEDS).q("place"))
    if order is not None:
        qs = qs.filter(order=order)
    return get_for(qs.select_related("order", "place"), pk, what="batch")


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


def check_in_communities(user: User | AnonymousUser) -> QuerySet[Place]:
    """Communities where the user may confirm arrivals."""
    return Place.objects.filter(scope_for(user, Capability.CHECK_IN).q(), kind=PlaceKind.COMMUNITY)


def checks_in_people(user: User | AnonymousUser) -> bool:
    """Whether the user may confirm arrivals in some community (the check-in page)."""
    return check_in_communities(user).exists()


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


# --- what the pages and the API list, and the objects they fetch by id ----------------------


def current_order(user: User | AnonymousUser, chosen: str = "") -> tuple[Order | None, list[Order]]:
    """The order a page is about (the one chosen by id, else the newest) and the latest 20."""
    orders = orders_for(user)
    order = orders.filter(pk=chosen).first() if chosen.isdigit() else None
    return order or orders.first(), list(orders[:20])


def order_scopes(user: User | AnonymousUser) -> list[Place]:
    """The city, districts and streets the user may issue orders to."""
    return list(
        Place.objects.filter(
            scope_for(user, Capability.ISSUE_ORDERS).q(),
            kind__in=[PlaceKind.CITY, PlaceKind.DISTRICT, PlaceKind.STREET],
        ).order_by("path")[:200]
    )


def managed_communities(user: User | AnonymousUser) -> QuerySet[Place]:
    """Communities whose needs and hands the user manages (declare needs, move people)."""
    return Place.objects.filter(
        scope_for(user, Capability.MANAGE_NEEDS).q(), kind=PlaceKind.COMMUNITY
    ).order_by("path")


def manages_needs(user: User | AnonymousUser) -> bool:
    """Whether the user declares needs and moves people somewhere."""
    return not scope_for(user, Capability.MANAGE_NEEDS).is_empty


def may_issue_orders(user: User | AnonymousUser) -> bool:
    return not scope_for(user, Capability.ISSUE_ORDERS).is_empty


def may_check_in_somewhere(user: User | AnonymousUser) -> bool:
    return not scope_for(user, Capability.CHECK_IN).is_empty


def is_coordinator(user: User | AnonymousUser) -> bool:
    """Whether the user sees an agency's staff (a coordinator, or the HQ)."""
    return not agency_scope_for(user, Capability.VIEW_STAFF).is_empty


def may_register_staff(user: User | AnonymousUser) -> bool:
    """Coordinators register their agency's cadres; community staff and the HQ, volunteers."""
    return (
        not agency_scope_for(user, Capability.MANAGE_STAFF).is_empty
        or not scope_for(user, Capability.CHECK_IN).is_empty
    )


def may_form_teams(user: User | AnonymousUser, order: Order) -> bool:
    """The HQ, or the district that issued the order, forms its teams."""
    return scope_for(user, Capability.ISSUE_ORDERS).covers(order.scope)


def check_in_target(enlistment: Enlistment) -> Place | None:
    """Where a person reports in: the community of their enlistment, else where they live."""
    return enlistment.community or enlistment.staff.residence_community


def may_check_in(user: User | AnonymousUser, enlistment: Enlistment) -> bool:
    target = check_in_target(enlistment)
    return target is not None and scope_for(user, Capability.CHECK_IN).covers(target)


def my_duty(user: User | AnonymousUser) -> list[Enlistment]:
    """The user's latest ten enlistments, each with `my_team` (or None) and `teammates`."""
    enlistments = list(my_enlistments(user)[:10])
    teammates = Prefetch(
        "team__members",
        queryset=TeamMember.objects.select_related("staff").defer(
            "staff__id_number", "staff__phone"
        ),
    )
    memberships = {
        m.order_id: m.team
        for m in TeamMember.objects.filter(staff__user=user)
        .select_related("team", "team__community", "team__leader")
        .prefetch_related(teammates)
    }
    for e in enlistments:
        e.my_team = memberships.get(e.order_id)
        e.teammates = list(e.my_team.members.all()) if e.my_team else []
    return enlistments


def arrivals(user: User | AnonymousUser, text: str = "") -> tuple[QuerySet[Enlistment], int]:
    """People heading to (or living in) the user's check-in communities under open orders,
    found by name or exact phone; and how many of all of them have arrived (the counter
    keeps its total while a search narrows the list)."""
    scope = scope_for(user, Capability.CHECK_IN)
    qs = (
        enlistments_for(user)
        .filter(scope.q("community") | scope.q("staff__residence_community"))
        .filter(order__closed_at__isnull=True)
        .order_by("state", "staff__name")
    )
    arrived = qs.filter(state__in=ACTIVE_STATES).count()
    if text:
        phone = pii.normalize_phone(text)
        if len(phone) == 11:
            qs = qs.filter(staff__phone_hmac=pii.blind_index(phone, kind="phone"))
        else:
            qs = qs.filter(staff__name__icontains=text)
    return qs, arrived


def needs_listed(user: User | AnonymousUser) -> QuerySet[Need]:
    """`needs_for`, newest first."""
    return needs_for(user).order_by("-starts_on", "community__path")


def staff_listed(user: User | AnonymousUser, text: str = "") -> QuerySet[Staff]:
    """`staff_for` by name, narrowed to names containing `text`."""
    qs = staff_for(user)
    if text:
        qs = qs.filter(name__icontains=text)
    return qs.order_by("name", "pk")


def enlisted_ids(user: User | AnonymousUser, order: Order | None) -> set[int]:
    """Ids of the staff (seen by the user) already under `order`."""
    if order is None:
        return set()
    return set(enlistments_for(user, order=order).values_list("staff_id", flat=True))


def enlistments_listed(
    user: User | AnonymousUser, order: Order, state: str = ""
) -> QuerySet[Enlistment]:
    qs = enlistments_for(user, order=order)
    return qs.filter(state=state) if state else qs


def reported(user: User | AnonymousUser, order: Order) -> QuerySet[Enlistment]:
    """Who reported in under `order` (on duty, or released since): the 台账."""
    return enlistments_for(user, order=order).filter(
        state__in=[*ACTIVE_STATES, EnlistmentState.RELEASED]
    )


def get_enlistment_for(user: User | AnonymousUser, pk: object) -> Enlistment:
    return get_for(enlistments_for(user), pk, what="enlistment")


def enlistments_by_ids(
    user: User | AnonymousUser,
    ids: Iterable[int],
    *,
    order: Order | None = None,
    on_duty: bool = False,
) -> list[Enlistment]:
    """The enlistments with these ids that the user sees (only those on duty if asked)."""
    qs = enlistments_for(user, order=order).filter(pk__in=set(ids))
    if on_duty:
        qs = qs.filter(state__in=ACTIVE_STATES)
    return list(qs)


ON_DUTY_SHOWN = 300


def on_duty_in(user: User | AnonymousUser, order: Order, text: str = "") -> list[Enlistment]:
    """People on duty under `order` in the communities the user manages (who may be sent),
    by community; only names containing `text` if given; at most ON_DUTY_SHOWN."""
    qs = (
        enlistments_for(user, order=order)
        .filter(state__in=ACTIVE_STATES)
        .filter(scope_for(user, Capability.MANAGE_NEEDS).q("community"))
    )
    if text:
        qs = qs.filter(staff__name__icontains=text)
    return list(
        qs.select_related("staff", "staff__agency", "community")
        .defer("staff__id_number", "staff__phone")
        .order_by("community__path", "staff__name")[:ON_DUTY_SHOWN]
    )


BATCH_PLACES_SHOWN = 1000


def batch_places(user: User | AnonymousUser) -> list[Place]:
    """Communities and compounds the user may send a batch to, in tree order (a compound
    right after its community): the batches page's place picker."""
    return list(
        Place.objects.filter(
            scope_for(user, Capability.MANAGE_NEEDS).q(),
            kind__in=[PlaceKind.COMMUNITY, PlaceKind.COMPOUND],
        ).order_by("path")[:BATCH_PLACES_SHOWN]
    )


def batch_place_for(user: User | AnonymousUser, pk: object) -> Place | None:
    """The picked place if it is one of `batch_places` (None for anything else)."""
    if not str(pk).isdigit():
        return None
    return Place.objects.filter(
        scope_for(user, Capability.MANAGE_NEEDS).q(),
        kind__in=[PlaceKind.COMMUNITY, PlaceKind.COMPOUND],
        pk=int(str(pk)),
    ).first()


def on_duty_at(
    user: User | AnonymousUser, order: Order, community_id: int | None
) -> list[Enlistment]:
    """People the user sees on duty under `order` at one community (none without one)."""
    if community_id is None:
        return []
    return list(
        enlistments_for(user, order=order)
        .filter(state__in=ACTIVE_STATES, community_id=community_id)
        .select_related("staff", "community")
        .defer("staff__id_number", "staff__phone")
        .order_by("staff__name")[:300]
    )


def get_staff_for(user: User | AnonymousUser, pk: object, *, kind: str = "") -> Staff:
    qs = staff_for(user)
    if kind:
        qs = qs.filter(kind=kind)
    return get_for(qs, pk, what="person")


def agency_by_code(code: str) -> Agency | None:
    return Agency.objects.filter(code=code).first() if code else None


def community_by_code(code: str) -> Place | None:
    if not code:
        return None
    return Place.objects.filter(code=code, kind=PlaceKind.COMMUNITY).first()


def teams_listed(user: User | AnonymousUser, order: Order) -> QuerySet[Team]:
    """`teams_for` by number, with their leader, community and members."""
    return (
        teams_for(user, order)
        .select_related("leader", "community")
        .prefetch_related("members__staff")
        .order_by("number")
    )


def team_members(user: User | AnonymousUser, order: Order) -> QuerySet[TeamMember]:
    """Everyone in the teams the user sees, team by team, leaders first (the export)."""
    return (
        TeamMember.objects.filter(team__in=teams_for(user, order))
        .select_related("team", "team__community", "staff", "staff__agency")
        .defer("staff__id_number", "staff__phone")
        .order_by("team__number", "-is_leader", "staff__name")
    )


def pool_of(user: User | AnonymousUser, order: Order) -> QuerySet[Enlistment]:
    """Reported-in people under the order, in the user's places, fit, not yet in a team."""
    scope = scope_for(user, Capability.VIEW_MOBILIZATION)
    in_team = TeamMember.objects.filter(order=order).values("staff_id")
    return (
        Enlistment.objects.filter(
            scope.q("community"), order=order, state=EnlistmentState.REPORTED_IN
        )
        .exclude(staff_id__in=in_team)
        .filter(staff__fitness=Fitness.FIT)
        .select_related("staff", "community")
        .defer("staff__id_number", "staff__phone")
    )


def pool_size(user: User | AnonymousUser, order: Order) -> int:
    """How many reported-in people are free to form teams (`pool_of`)."""
    return pool_of(user, order).count()


def history_of(staff: Staff) -> list[Posting]:
    """Who was where, when: every posting of a person, newest first."""
    return list(staff.postings.select_related("place").order_by("-starts_at"))


def get_draft_for(user: User | AnonymousUser, pk: object) -> TeamDraft:
    """A team draft of an order the user may form teams for; 404 for everyone else."""
    qs = TeamDraft.objects.filter(
        scope_for(user, Capability.ISSUE_ORDERS).q("order__scope")
    ).select_related("order", "order__scope")
    return get_for(qs, pk, what="draft")


@dataclass
class DraftView:
    """A draft's teams as the page shows them (also the swap lists, grouped by team)."""

    rows: list[dict]


def draft_view(draft: TeamDraft) -> DraftView:
    ids = {t["leader"] for t in draft.teams} | {m for t in draft.teams for m in t["members"]}
    people = {
        s.pk: s
        for s in Staff.objects.filter(pk__in=ids)
        .select_related("agency", "residence_community")
        .defer("id_number", "phone")
    }
    places = Place.objects.in_bulk({t["community"] for t in draft.teams if t["community"]})
    year = timezone.localdate().year
    rows = [
        {
            "number": n,
            "community": places.get(t["community"]),
            "people": [
                (people[p], p == t["leader"], year - people[p].birth_year)
                for p in (t["leader"], *t["members"])
            ],
        }
        for n, t in enumerate(draft.teams, 1)
    ]
    return DraftView(rows=rows)


def batches_for(user: User | AnonymousUser, order: Order) -> QuerySet[Batch]:
    """Batches of `order` sent to the user's places."""
    return (
        Batch.objects.filter(
            scope_for(user, Capability.MANAGE_NEEDS).q("place")
            | scope_for(user, Capability.VIEW_MOBILIZATION).q("place"),
            order=order,
        )
        .select_related("place", "previous")
        .prefetch_related("members")
        .order_by("place__path", "starts_at")
    )


def batches_matching(batches: Iterable[Batch], text: str) -> list[Batch]:
    """The batches whose name, place or one of whose people contains `text` (members
    prefetched, as `batches_for` does)."""
    if not text:
        return list(batches)
    needle = text.casefold()
    return [
        b
        for b in batches
        if needle in b.name.casefold()
        or needle in b.place.name.casefold()
        or any(needle in m.name.casefold() for m in b.members.all())
    ]


def pairings_for(user: User | AnonymousUser) -> QuerySet[Pairing]:
    """Agencies paired with compounds in the user's places."""
    return Pairing.objects.filter(
        scope_for(user, Capability.VIEW_MOBILIZATION).q("place")
    ).select_related("agency", "place")


def active_enlistment(staff: Staff) -> Enlistment | None:
    """The person's enlistment in force (reported in or assigned), with its community; None
    when they have not reported in anywhere."""
    return (
        Enlistment.objects.filter(staff=staff, state__in=ACTIVE_STATES)
        .select_related("community")
        .first()
    )


def pairings_listed(user: User | AnonymousUser) -> QuerySet[Pairing]:
    """The pairings page: those with compounds in the user's places, and an agency
    coordinator's own agency's (past and future ones too); running ones first."""
    agencies = agency_scope_for(user, Capability.VIEW_STAFF)
    seen = scope_for(user, Capability.VIEW_MOBILIZATION).q("place")
    if agencies.ids:
        seen |= Q(agency_id__in=sorted(agencies.ids))
    return (
        Pairing.objects.filter(seen)
        .select_related("agency", "place", "place__parent")
        .order_by(F("ends_on").desc(nulls_first=True), "-starts_on", "pk")
    )


def get_pairing_for(user: User | AnonymousUser, pk: object) -> Pairing:
    """One pairing the user sees, or 404."""
    return get_for(pairings_listed(user), pk, what="pairing")


def agencies_listed() -> QuerySet[Agency]:
    """Every agency, by code (agencies serve the whole city)."""
    return Agency.objects.order_by("code")


def teams_of(user: User | AnonymousUser) -> QuerySet[Team]:
    """The ids of the teams the user is on, as member or leader (a subquery: door-to-door
    work given to a team)."""
    if not getattr(user, "is_authenticated", False):
        return Team.objects.none().values("pk")
    return Team.objects.filter(Q(members__staff__user=user) | Q(leader__user=user)).values("pk")


def community_teams(community_ids: Iterable[int]) -> QuerySet[Team]:
    """The teams sent to these communities, with their leaders (to give work to)."""
    ids = list(community_ids)
    return Team.objects.filter(community_id__in=ids).select_related("leader", "order")
