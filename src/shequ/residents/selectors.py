"""Reads of the resident registry, always narrowed to the acting user's scope."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from shequ.core import pii
from shequ.core.access import get_for, require
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.places.models import Place, PlaceKind
from shequ.places.selectors import community_of, places_for
from shequ.residents.models import TAG_BITS, HealthStatus, Resident, StatusPeriod, document_q

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User

ID_LIKE = re.compile(r"^[0-9]{15}$|^[0-9]{17}[0-9Xx]$|^[A-Za-z0-9]{6,20}$")
BY_NAME, BY_DOCUMENT, BY_PHONE = "name", "document", "phone"


@dataclass(frozen=True)
class TextSearch:
    """How a search box's text is read: a name, or an exact ID / document number or phone.

    `names_only` says that the text looked like a number but the user may see no number in
    full, so it was searched as a name: an exact-number search answers "this number belongs
    to this person", which would undo the mask (docs/residents.md).
    """

    text: str
    by: str
    value: str = ""  # the normalized number for an exact search
    names_only: bool = False

    @property
    def exact(self) -> bool:
        return self.by != BY_NAME


def text_search(user: User | AnonymousUser, text: str | None) -> TextSearch:
    """Read a search text the way `residents_for` will use it for this user."""
    text = (text or "").strip()
    by, value = BY_NAME, ""
    phone = pii.normalize_phone(text)
    if re.fullmatch(r"1\d{10}", phone):
        by, value = BY_PHONE, phone
    elif ID_LIKE.match(text) and any(ch.isdigit() for ch in text):
        by, value = BY_DOCUMENT, pii.normalize_document(text)
    if by != BY_NAME and scope_for(user, Capability.VIEW_PII).is_empty:
        return TextSearch(text=text, by=BY_NAME, names_only=True)
    return TextSearch(text=text, by=by, value=value)


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
    index: the database never sees either in plain text). An exact number is looked up only
    among the residents whose numbers the user may see in full; for a user who sees none,
    number-like text is searched as a name (`text_search`).
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
    search = text_search(user, text)
    if search.exact:
        qs = qs.filter(scope_for(user, Capability.VIEW_PII).q("household"))
        if search.by == BY_PHONE:
            qs = qs.filter(phone_hmac=pii.blind_index(search.value, kind="phone"))
        else:
            qs = qs.filter(document_q([pii.blind_index(search.value, kind="document")]))
    elif search.text:
        qs = qs.filter(name__icontains=search.text)
    return qs.order_by("household__path", "id")


def get_resident_for(
    user: User | AnonymousUser, pk: Any, capability: str = Capability.VIEW_RESIDENTS
) -> Resident:
    """The resident with id `pk` for an action needing `capability` on their household: 404
    when the user may not see them, 403 with the reason when they see them but may not do
    this (e.g. EDIT_RESIDENTS for a district officer, who only reads)."""
    resident = get_for(residents_for(user), pk, what="resident")
    if capability != Capability.VIEW_RESIDENTS:
        require(user, capability, resident.household)
    return resident


def may_see_pii(user: User | AnonymousUser, resident: Resident) -> bool:
    """Full ID number, phone and birth date: city HQ, or staff of the resident's community."""
    return scope_for(user, Capability.VIEW_PII).covers(resident.household)


def may_edit(user: User | AnonymousUser, resident: Resident) -> bool:
    return scope_for(user, Capability.EDIT_RESIDENTS).covers(resident.household)


def household_members(resident: Resident) -> QuerySet[Resident]:
    return (
        Resident.objects.filter(household_id=resident.household_id)
        .select_related("household")
        .order_by("relation", "id")
    )


def status_history(resident: Resident) -> QuerySet[StatusPeriod]:
    return resident.status_periods.select_related("set_by").order_by("-starts_at", "-id")


def buildings_for(user: User | AnonymousUser) -> QuerySet[Place]:
    """Buildings whose residents the user may see (for the list filter)."""
    return Place.objects.filter(
        scope_for(user, Capability.VIEW_RESIDENTS).q(), kind="building"
    ).select_related("parent")


def building_choices(user: User | AnonymousUser, limit: int = 500) -> list[Place]:
    """The buildings offered in the list's filter, in tree order (at most `limit`)."""
    return list(buildings_for(user).order_by("path")[:limit])


def building_in_scope(user: User | AnonymousUser, pk: str) -> Place | None:
    """The filter's building if the user may see its residents (a bad id filters nothing)."""
    return buildings_for(user).filter(pk=pk).first() if str(pk).isdigit() else None


def household_by_code(user: User | AnonymousUser, code: str) -> Place | None:
    """The household with this code among the user's places."""
    return places_for(user, kind=PlaceKind.HOUSEHOLD).filter(code=code.strip()).first()


def may_import(user: User | AnonymousUser) -> bool:
    """Whether the user may register or import residents anywhere."""
    return editable_communities(user).exists()


def editable_communities(user: User | AnonymousUser) -> QuerySet[Place]:
    """Communities the user may import residents into."""
    return Place.objects.filter(
        scope_for(user, Capability.EDIT_RESIDENTS).q(), kind="community"
    ).order_by("path")


def import_target(user: User | AnonymousUser, community_code: str = "") -> Place | None:
    """The community an import goes into: the one named, or the user's only one.

    Raises PermissionDenied when the user may import residents nowhere (whatever the code:
    the answer must not depend on which communities exist), and ValidationError (field
    "community") when the code is unknown or out of scope.
    """
    from django.utils.translation import gettext as _

    from shequ.core.errors import PermissionDenied, ValidationError

    if not scope_for(user, Capability.EDIT_RESIDENTS).paths:
        raise PermissionDenied(_("Your role may not import residents."))
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
    only = list(communities[:2])
    return only[0] if len(only) == 1 else None


# Statuses that run for a set time (isolation, monitoring, contacts under observation): their
# planned end is the day the community must check on and lift or extend them.
TIMED_STATUSES = (
    HealthStatus.HOME_MONITORING,
    HealthStatus.HOME_ISOLATION,
    HealthStatus.CENTRAL_ISOLATION,
    HealthStatus.CLOSE_CONTACT,
    HealthStatus.SECONDARY_CONTACT,
)


def periods_ending(
    user: User | AnonymousUser, *, through: dt.date, limit: int = 10
) -> tuple[int, list[StatusPeriod]]:
    """Isolation and monitoring periods in force, of residents the user may see, planned to
    end by `through` (those past their end and still in force too): how many, and the first
    `limit` by end day, with their residents."""
    periods = StatusPeriod.objects.filter(
        scope_for(user, Capability.VIEW_RESIDENTS).q("resident__household"),
        ended_at__isnull=True,
        status__in=TIMED_STATUSES,
        planned_end__lte=through,
    )
    first = list(
        periods.select_related("resident", "resident__household")
        .defer("resident__document_number", "resident__phone")
        .order_by("planned_end", "resident__household__path", "pk")[:limit]
    )
    return (periods.count() if len(first) == limit else len(first)), first


# The statuses a daily report counts (everyone else is "normal").
REPORTED_STATUSES = [s for s in HealthStatus.values if s != HealthStatus.NORMAL]


def daily_figures(community_ids: Collection[int], day: dt.date) -> dict[int, dict[str, int]]:
    """Per community at the end of local day `day`: residents in each health status other
    than normal (`status_<status>`), and status changes that began that day
    (`status_changes`). Three queries whatever the number of communities."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = start + dt.timedelta(days=1)
    keys = [f"status_{s}" for s in REPORTED_STATUSES]
    figures = {pk: dict.fromkeys([*keys, "status_changes"], 0) for pk in community_ids}
    within = community_of("resident__household", community_ids)
    periods = StatusPeriod.objects.filter(within.q).annotate(in_community=within.community)
    current = (
        periods.filter(starts_at__lt=end, status__in=REPORTED_STATUSES)
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=end))
        .values("in_community", "status")
        .annotate(n=Count("resident_id", distinct=True))
        .order_by()
    )
    for row in current:
        figures[row["in_community"]][f"status_{row['status']}"] = row["n"]
    changes = (
        periods.filter(starts_at__gte=start, starts_at__lt=end)
        .values("in_community")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in changes:
        figures[row["in_community"]]["status_changes"] = row["n"]
    return figures


def reachable_by_phone(place: Place) -> QuerySet[Resident]:
    """The residents living in `place` (any level down to a household) whose phone the registry
    holds, for a text to everyone there (notices); their phones stay encrypted until read."""
    return Resident.objects.filter(household__path__startswith=place.path).exclude(phone_hmac="")
