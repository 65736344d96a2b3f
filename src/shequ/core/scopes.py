"""The one scope mechanism: which places a user covers, for a given capability.

Places carry a materialized path ('/1/7/42/'); a role bound to a place covers every place whose
path starts with it. Every selector narrows its queryset with `scope_for(user).q(...)`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from shequ.core.models import RoleAssignment
from shequ.core.roles import CAPABILITIES, Capability, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User

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


def scope_for(user: User | AnonymousUser, capability: str = Capability.VIEW_PLACES) -> Scope:
    """The places `user` covers for `capability`: the union of their place-bound roles."""
    paths = {
        ra.place.path
        for ra in roles_of(user)
        if ra.place is not None
        and capability in CAPABILITIES.get(ra.role, frozenset())
        # A place whose path was never set would be a prefix of every path: cover nothing.
        and VALID_PATH.match(ra.place.path)
    }
    return Scope(paths=_outermost(paths))


def has_role(user: User | AnonymousUser, *roles: Role) -> bool:
    return any(ra.role in roles for ra in roles_of(user))


def forget_scope(user: User) -> None:
    """Drop the cached roles, after a role is granted or revoked in the same request."""
    user.__dict__.pop(_CACHE_ATTR, None)


def agency_ids_for(user: User | AnonymousUser) -> set[int]:
    """Agencies whose staff the user manages (agency coordinators)."""
    return {ra.agency_id for ra in roles_of(user) if ra.agency_id is not None}
