"""Reads for user administration: the users a manager may see, and what they may grant.

A manager is a user with `manage_users` (the city HQ, street officers) over some places.
They see the users holding a role over a place in those places (a manager over a whole city
also sees users of agency roles and users with no role yet); they act on a role only where it
lies in their places and stands no higher than their own role there (roles.ROLE_RANK); they
lock or reset a user only when every role of that user is theirs to act on (docs/access.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Q, QuerySet

from shequ.core import pii
from shequ.core.access import get_for
from shequ.core.models import AuditEvent, RoleAssignment, User
from shequ.core.roles import AGENCY_ROLES, CAPABILITIES, ROLE_RANK, Capability, Role
from shequ.core.scopes import VALID_PATH, Scope, roles_of, scope_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

PLACE_MODEL = RoleAssignment._meta.get_field("place").related_model
AGENCY_MODEL = RoleAssignment._meta.get_field("agency").related_model
# The kinds a role is bound to in practice: the picker offers these (a code of any place in
# scope is accepted).
ROLE_PLACE_KINDS = ("city", "district", "street", "community")
USER_ACTIONS = ("core.user.lock", "core.user.unlock", "core.user.signin_reset")
ROLE_ACTIONS = ("core.role.grant", "core.role.revoke")


def managed_scope(actor: User | AnonymousUser) -> Scope:
    """The places where `actor` manages users."""
    return scope_for(actor, Capability.MANAGE_USERS)


def manages_users(actor: User | AnonymousUser) -> bool:
    """Whether `actor` manages users anywhere (the Users section)."""
    return not managed_scope(actor).is_empty


def rank_over(actor: User | AnonymousUser, place: Any) -> int:
    """The rank of the highest role giving `actor` manage_users over `place` (0: none)."""
    return max(
        (
            ROLE_RANK.get(ra.role, 0)
            for ra in roles_of(actor)
            if ra.place is not None
            and Capability.MANAGE_USERS in CAPABILITIES.get(ra.role, frozenset())
            and VALID_PATH.match(ra.place.path)
            and place.path.startswith(ra.place.path)
        ),
        default=0,
    )


def citywide_rank(actor: User | AnonymousUser) -> int:
    """The rank of the highest role giving `actor` manage_users over a whole city (0: none):
    agency roles and users with no role belong to no place, only to the city."""
    return max(
        (
            ROLE_RANK.get(ra.role, 0)
            for ra in roles_of(actor)
            if ra.place is not None
            and Capability.MANAGE_USERS in CAPABILITIES.get(ra.role, frozenset())
            and VALID_PATH.match(ra.place.path)
            and ra.place.path.count("/") == 2
        ),
        default=0,
    )


def may_act_on(actor: User | AnonymousUser, assignment: RoleAssignment) -> bool:
    """Whether `actor` may remove (or grant) this role: over a place of theirs, no higher
    than their own role there; an agency role only by a manager over a whole city."""
    rank = ROLE_RANK.get(assignment.role, 0)
    if assignment.place is None:
        return rank <= citywide_rank(actor) and citywide_rank(actor) > 0
    return 0 < rank <= rank_over(actor, assignment.place)


def may_manage_whole(actor: User | AnonymousUser, user: User, roles: list[RoleAssignment]) -> bool:
    """Whether `actor` may lock, unlock or reset `user` (whose roles are `roles`): every role
    is one they may act on (never "one of their roles is mine"); a user with no role, only a
    manager over a whole city or over their cadre or volunteer record's community; never
    oneself, nor an administrator of the site unless one is."""
    if getattr(actor, "pk", None) == user.pk:
        return False
    if user.is_superuser and not getattr(actor, "is_superuser", False):
        return False
    if not roles:
        if citywide_rank(actor) > 0:
            return True
        home = _staff_home(user)
        return home is not None and rank_over(actor, home) > 0
    return all(may_act_on(actor, ra) for ra in roles)


def _staff_home(user: User) -> Any:
    """The community the user's own cadre or volunteer record lives in, if any (a user with
    no role yet belongs to the places of that record)."""
    try:
        staff = user.staff  # the reverse of mobilization.Staff.user (core cannot import it)
    except ObjectDoesNotExist:
        return None
    return staff.residence_community


def users_for(actor: User | AnonymousUser, text: str = "") -> QuerySet[User]:
    """The users `actor` manages, found by login name, display name (part of either) or phone
    (exact, through the blind index), by login name."""
    scope = managed_scope(actor)
    if scope.is_empty:
        return User.objects.none()
    seen = Q(pk__in=RoleAssignment.objects.filter(scope.q("place")).values("user_id"))
    # A user with no role yet whose own cadre or volunteer record lives in the manager's
    # places (to be given their first role there).
    seen |= Q(role_assignments__isnull=True) & scope.q("staff__residence_community")
    if citywide_rank(actor):
        seen |= Q(role_assignments__isnull=True) | Q(
            pk__in=RoleAssignment.objects.filter(agency__isnull=False).values("user_id")
        )
    users = User.objects.filter(seen)
    text = text.strip()
    if text:
        found = Q(username__icontains=text) | Q(display_name__icontains=text)
        digits = pii.normalize_phone(text)
        if digits.isdigit() and len(digits) >= 7:
            found |= Q(pk__in=User.objects.with_phone(text).values("pk"))
        users = users.filter(found)
    return users.distinct().order_by("username")


def get_user_for(actor: User | AnonymousUser, pk: object) -> User:
    """One user `actor` manages, or 404."""
    return get_for(users_for(actor), pk, what="user")


def roles_of_user(user: User) -> list[RoleAssignment]:
    """Every role of `user`, with its place or agency."""
    return list(
        RoleAssignment.objects.filter(user=user)
        .select_related("place", "agency")
        .order_by("role", "place__path", "agency__code")
    )


def get_assignment_for(actor: User | AnonymousUser, user: User, pk: object) -> RoleAssignment:
    """One role of `user` that `actor` may see (in their places), or 404."""
    scope = managed_scope(actor)
    seen = scope.q("place")
    if citywide_rank(actor):
        seen |= Q(agency__isnull=False)
    return get_for(
        RoleAssignment.objects.filter(seen, user=user).select_related("place", "agency"),
        pk,
        what="role",
    )


def grantable_roles(actor: User | AnonymousUser) -> list[tuple[str, str]]:
    """The roles `actor` may grant somewhere: none above their own (agency roles only from a
    manager over a whole city), highest first."""
    top = max(
        (
            ROLE_RANK.get(ra.role, 0)
            for ra in roles_of(actor)
            if Capability.MANAGE_USERS in CAPABILITIES.get(ra.role, frozenset())
        ),
        default=0,
    )
    city = citywide_rank(actor)
    return [
        (role.value, str(role.label))
        for role in sorted(Role, key=lambda r: -ROLE_RANK.get(r, 0))
        if top
        and ROLE_RANK.get(role, 0) <= top
        and (role not in AGENCY_ROLES or ROLE_RANK.get(role, 0) <= city)
    ]


def grant_places(actor: User | AnonymousUser, *, limit: int = 500) -> list[Any]:
    """Places of the kinds roles are bound to, in `actor`'s places (the picker's list)."""
    scope = managed_scope(actor)
    if scope.is_empty:
        return []
    return list(
        PLACE_MODEL.objects.filter(scope.q(), kind__in=ROLE_PLACE_KINDS).order_by("path")[:limit]
    )


def agencies_for_roles(actor: User | AnonymousUser) -> list[Any]:
    """The agencies an agency role may be bound to: every one, for a manager over a city."""
    if not citywide_rank(actor):
        return []
    return list(AGENCY_MODEL.objects.order_by("code"))


def history_of(user: User, *, limit: int = 20) -> list[AuditEvent]:
    """The latest changes to `user`'s sign-in and roles, with who made them."""
    return list(
        AuditEvent.objects.filter(
            Q(object_type="core.user", object_id=str(user.pk), action__in=USER_ACTIONS)
            | Q(action__in=ROLE_ACTIONS, changes__user=user.username)
        )
        .select_related("actor", "place")
        .order_by("-at", "-id")[:limit]
    )
