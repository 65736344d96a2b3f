"""The watch list: in lockdown and control zones, everyone at risk — elderly living alone,
immobile, chronically or severely ill, disabled, pregnant, infants (residents.WATCH_TAGS) —
gets a contact check every day, given to a cadre of their building, compound or grid (the
nearest place with someone who takes help requests there), else to the community's own
staff. The outcome is reached, not reached, or needs help (which opens a help request for
the household). The day's checks are made, and those still open in the evening escalated,
by assistance/watch_jobs.py. Here: the reads and the outcome."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.assistance.models import Channel, HelpKind, WatchCheck, WatchOutcome
from shequ.assistance.selectors import _help_scope
from shequ.core import audit
from shequ.core.access import get_for, require
from shequ.core.errors import ValidationError
from shequ.core.roles import Capability
from shequ.places.models import Place, PlaceKind

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User

OPEN_OUTCOMES = (WatchOutcome.PENDING, WatchOutcome.NOT_REACHED)
RECORDED = (WatchOutcome.REACHED, WatchOutcome.NOT_REACHED, WatchOutcome.NEEDS_HELP)
OUTCOME_FILTERS = ("all", "open", *WatchOutcome.values)
NOTE_MAX = WatchCheck._meta.get_field("note").max_length


# --- reads -----------------------------------------------------------------------------------


def checks_for(user: User | AnonymousUser) -> QuerySet[WatchCheck]:
    """Checks in the places where the user sees, manages or claims help (a cadre of a
    community: its whole list; of a grid: the grid's)."""
    scope = _help_scope(user)
    if scope.is_empty:
        return WatchCheck.objects.none()
    # Through the building's path: a cadre bound to a grid or a building sees its checks too.
    return WatchCheck.objects.filter(scope.q("building")).select_related(
        "resident", "resident__household", "building", "compound", "community", "assigned_to"
    )


def get_check_for(user: User | AnonymousUser, pk: Any) -> WatchCheck:
    """One check the user may see; 404 otherwise."""
    return get_for(checks_for(user), pk, what="watch-list check")


@dataclass(frozen=True)
class WatchFilter:
    day: dt.date | None = None
    outcome: str = "all"
    compound: int | None = None
    mine: bool = False


def watch_list(
    user: User | AnonymousUser, filters: WatchFilter | None = None
) -> QuerySet[WatchCheck]:
    """A day's checks (today by default), open ones first, then by building and resident;
    filtered by outcome ("open": not checked or not reached), compound, or the user's own."""
    f = filters or WatchFilter()
    rows = checks_for(user).filter(day=f.day or timezone.localdate())
    if f.outcome == "open":
        rows = rows.filter(outcome__in=OPEN_OUTCOMES)
    elif f.outcome in WatchOutcome.values:
        rows = rows.filter(outcome=f.outcome)
    if f.compound:
        rows = rows.filter(compound_id=f.compound)
    if f.mine and getattr(user, "is_authenticated", False):
        rows = rows.filter(assigned_to=user)
    return rows.order_by("building__path", "resident__name", "pk")


def watch_counts(rows: QuerySet[WatchCheck]) -> dict[str, int]:
    """How many checks of the list have each outcome (one query)."""
    found = rows.order_by().aggregate(
        total=Count("pk"),
        **{o: Count("pk", filter=Q(outcome=o)) for o in WatchOutcome.values},
    )
    return {k: v or 0 for k, v in found.items()}


def compounds_for(user: User | AnonymousUser, limit: int = 300) -> list[Place]:
    """Compounds in the user's help scope, for the list's filter."""
    return list(
        Place.objects.filter(_help_scope(user).q(), kind=PlaceKind.COMPOUND).order_by("path")[
            :limit
        ]
    )


def may_record(user: User | AnonymousUser) -> bool:
    """Whether the user records outcomes somewhere (cadres, volunteers, community staff)."""
    from shequ.assistance.selectors import may_claim_somewhere

    return may_claim_somewhere(user)


# --- writes ----------------------------------------------------------------------------------


@transaction.atomic
def watch_record(
    *,
    actor: User,
    check: WatchCheck,
    outcome: str,
    note: str = "",
    kind: str = HelpKind.OTHER,
    details: str = "",
) -> WatchCheck:
    """Today's outcome of a check, by a cadre, volunteer or staff of the community: reached,
    not reached (may be tried again), or needs help — which opens a help request for the
    household (kind and what is needed; "other" and the note by default)."""
    # The building, not the community: a cadre bound to the grid or building records too.
    require(actor, Capability.CLAIM_HELP, check.building)
    errors: dict[str, str] = {}
    if outcome not in RECORDED:
        errors["outcome"] = _("Choose reached, not reached or needs help.")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        errors["note"] = _("Keep the note under %d characters.") % NOTE_MAX
    if check.day != timezone.localdate():
        errors["day"] = _("This check is of %s: record today's checks only.") % check.day
    if errors:
        raise ValidationError(errors)
    before = check.outcome
    request = None
    if outcome == WatchOutcome.NEEDS_HELP:
        from shequ.assistance.services import help_open

        resident = check.resident
        request = help_open(
            actor=actor,
            household=resident.household,
            kind=kind,
            details=(details or note or _("Needs help: found on the daily watch-list check")),
            channel=Channel.DOOR,
            resident=resident,
        )
    now = timezone.now()
    # Conditional: a check already reached or turned into a request stays as it is (two
    # cadres at one door open one request, not two).
    if not WatchCheck.objects.filter(pk=check.pk, outcome__in=OPEN_OUTCOMES).update(
        outcome=outcome,
        note=note,
        checked_by=actor,
        checked_at=now,
        help_request=request,
    ):
        fresh = WatchCheck.objects.get(pk=check.pk)
        raise ValidationError({"outcome": _("Already recorded: %s.") % fresh.get_outcome_display()})
    check.refresh_from_db()
    audit.record(
        actor=actor,
        action="assistance.watch.record",
        obj=check,
        place=check.building,
        changes={
            "outcome": [before, outcome],
            **({"help_request": request.pk} if request else {}),
        },
    )
    return check
