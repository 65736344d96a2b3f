"""The one scope mechanism: which places (or agencies) a user covers, for a given capability,
and the reverse: who covers a place (`users_with`, for notifications).

Places carry a materialized path ('/1/7/42/'); a role bound to a place covers every place whose
path starts with it. Every selector narrows its queryset with `scope_for(user).q(...)`. Code
asks for capabilities, never for roles (docs/access.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from shequ.core.models import RoleAssignment, User
from shequ.core.roles import CAPABILITIES, PAIRED_CAPABILITIES, Capability

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

_CACHE_ATTR = "_shequ_scope_cache"
VALID_PATH = re.compile(r"^/(\d+/)+$")


@dataclass(frozen=True)
class Scope:
    """Path prefixes of the subtrees a user covers; empty means nothing at all."""

    paths: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        return not self.paths

    def q(self, place_field: str = "") -> Q:
        """A filter for rows whose place (reached through `place_field`) lies in scope."""
        lookup = f"{place_field}__path__startswith" if place_field else "path__startswith"
        if not self.paths:
            return Q(pk__in=[])
        query = Q()
        for path in self.paths:
            query |= Q(**{lookup: path})
        return query

    def covers(self, place: Any) -> bool:
        return any(place.path.startswith(path) for path in self.paths)

    def covers_all(self, places: Iterable[Any]) -> bool:
        """Whether every one of `places` lies in scope: the test for an action on an object
        that spans several places (finishing a round, moving people between communities).
        "Any of its places is mine" would let one community act for a whole street
        (docs/access.md). An object with no places is refused: there is nothing to cover."""
        places = list(places)
        return bool(places) and all(self.covers(place) for place in places)

    @property
    def is_citywide(self) -> bool:
        """Whether the scope holds a whole tree from its root (a city): what it takes to act
        where there is no place above to cover, such as adding a city."""
        return any(path.count("/") == 2 for path in self.paths)

    def place_ids(self) -> QuerySet[Any]:
        place_model = RoleAssignment._meta.get_field("place").related_model
        return place_model.objects.filter(self.q()).values_list("id", flat=True)


def _outermost(paths: set[str]) -> tuple[str, ...]:
    """Drop paths already covered by a shorter one, so filters stay small."""
    kept: list[str] = []
    for path in sorted(paths, key=len):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return tuple(sorted(kept))


def roles_of(user: User | AnonymousUser) -> list[RoleAssignment]:
    """The user's role assignments with their places (cached on the user for the request)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cache: dict[str, Any] = user.__dict__.setdefault(_CACHE_ATTR, {})
    if "roles" not in cache:
        cache["roles"] = list(
            RoleAssignment.objects.filter(user=user).select_related("place", "agency")
        )
    return cache["roles"]


def paired_paths(user: User | AnonymousUser) -> dict[int, set[str]]:
    """Agency id → paths of the places that agency is paired with today (对点支援), for the
    user's agency-bound roles that gain a place scope from pairings (roles.PAIRED_CAPABILITIES).
    One query, cached with the roles; none for a user without such a role."""
    agencies = {
        ra.agency_id
        for ra in roles_of(user)
        if ra.agency_id is not None and ra.role in PAIRED_CAPABILITIES
    }
    if not agencies:
        return {}
    cache: dict[str, Any] = user.__dict__.setdefault(_CACHE_ATTR, {})
    if "paired" not in cache:
        # Through the relations, not an import: core lies below mobilization and places.
        agency_model = RoleAssignment._meta.get_field("agency").related_model
        pairing_model = agency_model._meta.get_field("pairings").related_model
        today = timezone.localdate()
        rows = pairing_model.objects.filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=today),
            agency_id__in=sorted(agencies),
            starts_on__lte=today,
        ).values_list("agency_id", "place__path")
        paired: dict[int, set[str]] = {}
        for agency_id, path in rows:
            paired.setdefault(agency_id, set()).add(path)
        cache["paired"] = paired
    return cache["paired"]


def scope_for(user: User | AnonymousUser, capability: str = Capability.VIEW_PLACES) -> Scope:
    """The places `user` covers for `capability`: the union of their place-bound roles, and
    of the places their agency is paired with for an agency-bound role that has the
    capability there (roles.PAIRED_CAPABILITIES: an agency coordinator and their compounds)."""
    paths = {
        ra.place.path
        for ra in roles_of(user)
        if ra.place is not None
        and capability in CAPABILITIES.get(ra.role, frozenset())
        # A place whose path was never set would be a prefix of every path: cover nothing.
        and VALID_PATH.match(ra.place.path)
    }
    if any(capability in caps for caps in PAIRED_CAPABILITIES.values()):
        paired = paired_paths(user)
        for ra in roles_of(user):
            if ra.agency_id in paired and capability in PAIRED_CAPABILITIES.get(ra.role, ()):
                paths |= {p for p in paired[ra.agency_id] if VALID_PATH.match(p)}
    return Scope(paths=_outermost(paths))


def scope_for_any(user: User | AnonymousUser, capabilities: Iterable[str]) -> Scope:
    """The places where the user holds any of `capabilities`, as one scope (a role holding
    several over the same place gives one filter, not several)."""
    return Scope(
        paths=_outermost(
            {p for capability in capabilities for p in scope_for(user, capability).paths}
        )
    )


def forget_scope(user: User) -> None:
    """Drop the cached roles, after a role is granted or revoked in the same request."""
    user.__dict__.pop(_CACHE_ATTR, None)


# --- agencies --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgencyScope:
    """The agencies a user covers for an agency capability: every one, or a few by id."""

    every: bool
    ids: frozenset[int]

    @property
    def is_empty(self) -> bool:
        return not self.every and not self.ids

    def covers(self, agency: Any) -> bool:
        """Whether the agency (an Agency, its id, or None for "no agency") lies in scope;
        a person of no agency is covered only by a scope over every agency."""
        if self.every:
            return True
        agency_id = getattr(agency, "pk", agency)
        return agency_id is not None and agency_id in self.ids

    def q(self, agency_field: str = "agency") -> Q:
        """A filter for rows whose agency (reached through `agency_field`) lies in scope."""
        if self.every:
            return Q(**{f"{agency_field}__isnull": False})
        if not self.ids:
            return Q(pk__in=[])
        return Q(**{f"{agency_field}__in": sorted(self.ids)})


def agency_scope_for(user: User | AnonymousUser, capability: str) -> AgencyScope:
    """The agencies `user` covers for an agency capability (roles.AGENCY_CAPABILITIES): a
    role bound to an agency covers that agency; a role bound to a place covers every agency
    (agencies serve the whole city: the city HQ manages every agency's lists)."""
    every, ids = False, set()
    for ra in roles_of(user):
        if capability not in CAPABILITIES.get(ra.role, frozenset()):
            continue
        if ra.agency_id is not None:
            ids.add(ra.agency_id)
        elif ra.place is not None and VALID_PATH.match(ra.place.path):
            every = True
    return AgencyScope(every=every, ids=frozenset(ids))


# --- who covers a place (reverse lookups, for notifications) --------------------------------


def roles_with(capability: str) -> list[str]:
    """The roles that carry `capability`."""
    return sorted(role for role, caps in CAPABILITIES.items() if capability in caps)


def _holders(capability: str, place_ids: Iterable[int]) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.filter(
        role__in=roles_with(capability), place_id__in=set(place_ids), user__is_active=True
    )


def users_with(capability: str, place: Any, *, inherited: bool = True) -> QuerySet[User]:
    """The active users whose roles give `capability` over `place`: roles bound to the place
    or to a place above it. With inherited=False only roles bound to the place itself: "the
    community's own staff", not the street officer or the HQ above them (the audience of a
    routine alert, which would flood a city-wide inbox). One query, when it is evaluated."""
    ids = [*place.ancestor_ids(), place.pk] if inherited else [place.pk]
    return User.objects.filter(pk__in=_holders(capability, ids).values("user_id"))


def users_with_by_place(
    capability: str, places: Iterable[Any], *, inherited: bool = True
) -> dict[int, set[int]]:
    """`users_with` for many places at once: place id → ids of the active users with
    `capability` there (places with nobody are left out). Places or their ids; one query
    (ids with inherited=True cost one more, to read where the places sit in the tree)."""
    places = list(places)
    if inherited and any(isinstance(p, int) for p in places):
        place_model = RoleAssignment._meta.get_field("place").related_model
        places = list(place_model.objects.filter(pk__in=[getattr(p, "pk", p) for p in places]))
    wanted = {
        getattr(p, "pk", p): ([*p.ancestor_ids(), p.pk] if inherited else [getattr(p, "pk", p)])
        for p in places
    }
    bound: dict[int, set[int]] = {}
    holders = _holders(capability, {pk for ids in wanted.values() for pk in ids})
    for place_id, user_id in holders.values_list("place_id", "user_id"):
        bound.setdefault(place_id, set()).add(user_id)
    found: dict[int, set[int]] = {}
    for pk, ids in wanted.items():
        users = set().union(*(bound.get(i, set()) for i in ids))
        if users:
            found[pk] = users
    return found
