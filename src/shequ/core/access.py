"""Fetching one object for an action, the same way on every page and API: the two answers.

- Outside what the user may see → **404**: the answer never says whether the object exists
  (`get_for`).
- Seen, but the role may not do this there → **403** with the reason (`require`).

An app writes one `get_<model>_for(user, pk, capability=…)` per model on top of these:
narrow the queryset to what the user may *see*, `get_for` it, then `require` the capability of
the action on the object's place. docs/access.md ("Which answer: 404 or 403") says why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.http import Http404

from shequ.core.errors import PermissionDenied
from shequ.core.roles import refusal
from shequ.core.scopes import scope_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User

M = TypeVar("M", bound=Model)

# The largest id any of our tables can hold (bigint). A larger number cannot name a row, and
# SQLite refuses to even compare with it (OverflowError), so it is answered like any unknown id.
MAX_ID = 2**63 - 1


def get_for(queryset: QuerySet[M], pk: Any, *, what: str = "object") -> M:
    """The row with id `pk` in `queryset` (already narrowed to what the user may see); Http404
    for an unknown id, an id out of scope, and an id that is no id at all (text, a number too
    large for the database, a malformed UUID): none of them may answer differently."""
    if isinstance(pk, bool) or (isinstance(pk, int) and not -MAX_ID <= pk <= MAX_ID):
        raise Http404(f"No such {what}")
    try:
        return queryset.get(pk=pk)
    except (
        queryset.model.DoesNotExist,
        ValueError,
        TypeError,
        OverflowError,
        DjangoValidationError,
    ):
        raise Http404(f"No such {what}") from None


def require(
    user: User | AnonymousUser, capability: str, place: Any, *, reason: str | None = None
) -> None:
    """PermissionDenied (403) with a reason unless the user's roles give `capability` over
    `place`. The reason is `reason`, or the capability's own (core.roles.refusal)."""
    if not scope_for(user, capability).covers(place):
        raise PermissionDenied(reason or refusal(capability, place))
