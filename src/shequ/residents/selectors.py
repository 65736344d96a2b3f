"""Reads of the resident registry, always narrowed to the acting user's scope."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.db.models import F, QuerySet
from django.http import Http404

from shequ.core import pii
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.places.models import Place
from shequ.residents.models import TAG_BITS, Resident, StatusPeriod

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User

ID_LIKE = re.compile(r"^[0-9]{15}$|^[0-9]{17}[0-9Xx]$|^[A-Za-z0-9]{6,20}$")


def residents_for(
    user: User | AnonymousUser,
    *,
    text: str | None = None,
    building: Place | None = None,
    household: Place | None = None,
    tag: str | None = None,
    status: str | None = None,
    write: bool = False,
) -> QuerySet[Resident]:
    """Residents the user may see (or, with write=True, change), filtered.

    `text` matches a name, or exactly an ID/document number or a phone (through the blind
    index: the database never sees either in plain text).
    """
    capability = Capability.EDIT_RESIDENTS if write else Capability.VIEW_RESIDENTS
    qs = Resident.objects.filter(scope_for(user, capability).q("household")).select_related(
        "household", "household__parent", "household__parent__parent"
    )
    if building is not None:
        qs = qs.filter(household__parent=building)
    if household is not None:
        qs = qs.filter(household=household)
    if tag in TAG_BITS:
        qs = qs.alias(tag_bit=F("tags").bitand(TAG_BITS[tag])).filter(tag_bit__gt=0)
    if status:
        qs = qs.filter(health_status=status)
    if text := (text or "").strip():
        phone = pii.normalize_phone(text)
        if re.fullmatch(r"1\d{10}", phone):
            qs = qs.filter(phone_hmac=pii.blind_index(phone, kind="phone"))
        elif ID_LIKE.match(text) and any(ch.isdigit() for ch in text):
            number = pii.normalize_document(text)
            qs = qs.filter(document_hmac=pii.blind_index(number, kind="document"))
        else:
            qs = qs.filter(name__icontains=text)
    return qs.order_by("household__path", "id")


def get_resident_for(user: User | AnonymousUser, pk: int, *, write: bool = False) -> Resident:
    """The resident if the user covers their household; 404 otherwise."""
    try:
        return residents_for(user, write=write).get(pk=pk)
    except (Resident.DoesNotExist, ValueError, TypeError):
        raise Http404("No such resident") from None


def may_see_pii(user: User | AnonymousUser, resident: Resident) -> bool:
    """Full ID and phone: city HQ, or community staff of the resident's community."""
    return scope_for(user, Capability.VIEW_PII).covers(resident.household)


def may_edit(user: User | AnonymousUser, resident: Resident) -> bool:
    return scope_for(user, Capability.EDIT_RESIDENTS).covers(resident.household)


def household_members(resident: Resident) -> QuerySet[Resident]:
    return Resident.objects.filter(household_id=resident.household_id).order_by("relation", "id")


def status_history(resident: Resident) -> QuerySet[StatusPeriod]:
    return resident.status_periods.select_related("set_by").order_by("-starts_at", "-id")


def buildings_for(user: User | AnonymousUser) -> QuerySet[Place]:
    """Buildings whose residents the user may see (for the list filter)."""
    return Place.objects.filter(
        scope_for(user, Capability.VIEW_RESIDENTS).q(), kind="building"
    ).select_related("parent")


def editable_communities(user: User | AnonymousUser) -> QuerySet[Place]:
    """Communities the user may import residents into."""
    return Place.objects.filter(
        scope_for(user, Capability.EDIT_RESIDENTS).q(), kind="community"
    ).order_by("path")


def import_target(user: User | AnonymousUser, community_code: str = "") -> Place | None:
    """The community an import goes into: the one named, or the user's only one.

    Raises ValidationError (field "community") when the code is unknown or out of scope, or
    when the user may import nowhere at all.
    """
    from django.utils.translation import gettext as _

    from shequ.core.errors import ValidationError

    communities = editable_communities(user)
    if community_code:
        place = communities.filter(code=community_code.strip()).first()
        if place is None:
            raise ValidationError(
                {
                    "community": _("No community with code %s that you may import into.")
                    % community_code
                }
            )
        return place
    if not scope_for(user, Capability.EDIT_RESIDENTS).paths:
        raise ValidationError({"community": _("Your role may not import residents.")})
    only = list(communities[:2])
    return only[0] if len(only) == 1 else None
