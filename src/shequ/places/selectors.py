"""Reads of the place tree, always narrowed to what the acting user covers."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from shequ.core.access import get_for, require
from shequ.core.kept import digest, kept
from shequ.core.roles import Capability
from shequ.core.scopes import Scope, scope_for
from shequ.places.households import household_key
from shequ.places.models import (
    KIND_ORDER,
    ZONABLE_KINDS,
    ZONE_STRICTNESS,
    Place,
    PlaceKind,
    ZoneDesignation,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User


def places_for(
    user: User | AnonymousUser,
    *,
    kind: str | None = None,
    parent: Place | None = None,
    text: str | None = None,
) -> QuerySet[Place]:
    """Places the user may see, optionally one kind, children of one place, or matching text."""
    qs = Place.objects.filter(scope_for(user).q()).select_related("parent")
    if kind:
        qs = qs.filter(kind=kind)
    if parent is not None:
        qs = qs.filter(parent=parent)
    if text:
        text = text.strip()
        qs = qs.filter(Q(name__icontains=text) | Q(code__istartswith=text))
    return qs.order_by("path")


def get_place_for(
    user: User | AnonymousUser,
    pk: Any,
    capability: str = Capability.VIEW_PLACES,
    *,
    kind: str | None = None,
) -> Place:
    """The place with id `pk` (of `kind`) for an action needing `capability` there: 404 when
    the user may not see it (never reveals it exists), 403 with the reason when they see it
    but their role may not do this there."""
    place = get_for(places_for(user, kind=kind), pk, what="place")
    if capability != Capability.VIEW_PLACES:
        require(user, capability, place)
    return place


def scope_roots(user: User | AnonymousUser) -> QuerySet[Place]:
    """The top places of the user's scope: where browsing the tree starts."""
    paths = scope_for(user).paths
    return Place.objects.filter(path__in=paths).order_by("path")


def ancestors_in_scope(user: User | AnonymousUser, place: Place) -> list[Place]:
    """Breadcrumbs: the place's ancestors the user may open, outermost first."""
    scope = scope_for(user)
    ancestors = Place.objects.filter(pk__in=place.ancestor_ids()).order_by("depth")
    return [p for p in ancestors if scope.covers(p)]


def may_set_zone(user: User | AnonymousUser, place: Place) -> bool:
    """Whether the page offers to set a zone here: a compound or building in SET_ZONE scope."""
    return place.kind in ZONABLE_KINDS and scope_for(user, Capability.SET_ZONE).covers(place)


def zone_history(place: Place) -> QuerySet[ZoneDesignation]:
    """Every designation ever set on this place, newest first, with who set and ended it."""
    return place.zone_designations.select_related("set_by", "ended_by").order_by(
        "-starts_at", "-id"
    )


def current_zone(place: Place, *, at: datetime | None = None) -> ZoneDesignation | None:
    """The zone in force for a place at `at` (now): the strictest designation on the place
    itself or on the building or compound above it. For a household this is its zone."""
    at = at or timezone.now()
    ids = [*place.ancestor_ids(), place.pk]
    active = ZoneDesignation.objects.filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=at), place_id__in=ids, starts_at__lte=at
    ).select_related("place")
    return max(active, key=lambda d: (ZONE_STRICTNESS[d.level], d.place.depth), default=None)


@dataclass(frozen=True)
class ScopeCounts:
    by_kind: dict[str, int]
    lockdown_zones: int
    control_zones: int
    no_property_management: int


def scope_counts(user: User | AnonymousUser) -> ScopeCounts:
    """What the user's scope holds, for the home page: places by kind and zones in force;
    kept like the HQ's today (core/kept.py: a city's millions of households are counted
    once a minute, not on each view)."""
    scope = scope_for(user)
    return kept(f"sq-counts:{digest(sorted(scope.paths))}", lambda: _scope_counts(scope))


def _scope_counts(scope: Scope) -> ScopeCounts:
    rows = Place.objects.filter(scope.q()).values("kind").annotate(n=Count("id"))
    by_kind = dict.fromkeys(KIND_ORDER, 0)
    by_kind.update({row["kind"]: row["n"] for row in rows})
    now = timezone.now()
    active = ZoneDesignation.objects.filter(
        scope.q("place"), Q(ends_at__isnull=True) | Q(ends_at__gt=now), starts_at__lte=now
    )
    levels = dict(active.values_list("level").annotate(n=Count("id")))
    npm = Place.objects.filter(scope.q(), no_property_management=True).count()
    return ScopeCounts(
        by_kind=by_kind,
        lockdown_zones=levels.get("lockdown", 0),
        control_zones=levels.get("control", 0),
        no_property_management=npm,
    )


def own_open_zone(place: Place) -> ZoneDesignation | None:
    """The designation set on this very place that has not ended (what "lift" would end)."""
    now = timezone.now()
    return (
        place.zone_designations.filter(
            Q(ends_at__isnull=True) | Q(ends_at__gt=now), starts_at__lte=now
        )
        .order_by("-starts_at")
        .first()
    )


def import_city(user: User | AnonymousUser) -> Place:
    """The city whose places the user may import (the city HQ's own); PermissionDenied with
    the reason for anyone else."""
    from shequ.core.errors import PermissionDenied
    from shequ.core.roles import refusal
    from shequ.places.models import PlaceKind

    scope = scope_for(user, Capability.MANAGE_PLACES)
    city = (
        Place.objects.filter(path__in=scope.paths, kind=PlaceKind.CITY).order_by("pk").first()
        if scope.is_citywide
        else None
    )
    if city is None:
        raise PermissionDenied(refusal(Capability.MANAGE_PLACES))
    return city


def place_changes(place: Place) -> QuerySet[Any]:
    """What imports changed on this place (renamed, moved, re-worded), newest first."""
    from shequ.core.models import AuditEvent

    return (
        AuditEvent.objects.filter(
            object_type="places.place", object_id=str(place.pk), action="places.place.update"
        )
        .select_related("actor")
        .order_by("-at", "-id")
    )


def city_summary() -> str | None:
    """Why `shequ init` would be refused (the database holds a city, places or logins), in
    words; None on an empty database."""
    from django.utils.translation import gettext as _

    from shequ.core.models import User as UserModel
    from shequ.places.models import PlaceKind

    city = Place.objects.filter(kind=PlaceKind.CITY).order_by("pk").first()
    if city is None and not Place.objects.exists() and not UserModel.objects.exists():
        return None
    what = (
        _("the city %(name)s (%(code)s)") % {"name": city.name, "code": city.code}
        if city is not None
        else _("places or logins")
    )
    return _(
        "This database already holds %(what)s; init only sets up an empty one. Log in with an "
        "existing HQ login, or point DATABASE_URL (or SHEQU_VAR_DIR) at a new database."
    ) % {"what": what}


def the_city() -> Place | None:
    """The deployment's city (the first, should there be several): for the command line,
    which acts for nobody in particular."""
    from shequ.places.models import PlaceKind

    return Place.objects.filter(kind=PlaceKind.CITY).order_by("pk").first()


def place_by_code(code: str) -> Place | None:
    """The place with this code, or None (a form's typed code; the caller checks scope)."""
    return Place.objects.filter(code=code.strip()).first() if code.strip() else None


@dataclass(frozen=True)
class CommunityOf:
    """A filter for rows whose place lies in one of some communities, and an expression
    naming that community's id: group by it to count per community in one query."""

    q: Q
    community: Case


def community_of(place_field: str, community_ids: Collection[int]) -> CommunityOf:
    """`CommunityOf` rows whose place is reached through `place_field` (a household, a
    building: anything at or under a community). One query, for the communities' paths."""
    paths = dict(
        Place.objects.filter(pk__in=community_ids, kind="community").values_list("pk", "path")
    )
    lookup = f"{place_field}__path__startswith"
    q = Q(pk__in=[])
    for path in paths.values():
        q |= Q(**{lookup: path})
    whens = [When(Q(**{lookup: path}), then=Value(pk)) for pk, path in paths.items()]
    return CommunityOf(q=q, community=Case(*whens, default=None, output_field=IntegerField()))


def flats_load(
    building_ids: Collection[int],
    flats: dict[int, dict[tuple[str, str], int]],
    key: Any = household_key,
) -> set[int]:
    """Fill `flats` (building id → {(unit, room): household id}, what the sheet imports look
    flats up in) for the buildings it does not hold yet, in one query; the ids of those whose
    households have units."""
    missing = [b for b in building_ids if b not in flats]
    for b in missing:
        flats[b] = {}
    with_units: set[int] = set()
    if missing:
        for pk, parent_id, unit, name in Place.objects.filter(
            parent_id__in=missing, kind=PlaceKind.HOUSEHOLD
        ).values_list("pk", "parent_id", "unit", "name"):
            flats[parent_id][key(unit, name)] = pk
            if unit:
                with_units.add(parent_id)
    return with_units
