"""Writes on help requests, each one transaction: open, claim (我来), set off, deliver,
confirm, close, cancel, give back; purchases and repayments.

Every change of status is one conditional UPDATE (`WHERE status IN (…)`) that says by its row
count whether it happened: two cadres tapping 我来 at once both send `status = new`, the
database lets one through, the other reads "already claimed by …". No read-then-write.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.assistance.models import (
    DEFAULT_TARGET_HOURS,
    IN_HAND_STATES,
    OPEN_STATES,
    URGENT_HOURS,
    Channel,
    EventAction,
    HelpKind,
    HelpRequest,
    HelpStatus,
    HelpTarget,
    RequestEvent,
)
from shequ.assistance.receipts import store_receipt
from shequ.core import audit
from shequ.core.access import require
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.places.models import Place, PlaceKind

if TYPE_CHECKING:
    from shequ.core.models import User
    from shequ.residents.models import Resident

DETAILS_MAX = HelpRequest._meta.get_field("details").max_length
REASON_MAX = HelpRequest._meta.get_field("end_reason").max_length
AMOUNT_MAX = Decimal("100000")


def target_hours(*, community: Place, kind: str, urgent: bool = False) -> int:
    """Hours from opening to delivery for `kind` in the community's city (its own setting,
    else the default); an urgent request is due within URGENT_HOURS at most."""
    city_id = community.ancestor_ids()[0] if community.ancestor_ids() else community.pk
    own = HelpTarget.objects.filter(city_id=city_id, kind=kind).values_list("hours", flat=True)
    hours = next(iter(own), None) or DEFAULT_TARGET_HOURS.get(kind, 24)
    return min(hours, URGENT_HOURS) if urgent else hours


def _community_of(place: Place) -> Place:
    ids = place.ancestor_ids()
    found = Place.objects.filter(pk__in=ids, kind=PlaceKind.COMMUNITY).first()
    if found is None:
        raise ValidationError({"household": _("This household is not in a community.")})
    return found


def _event(
    request: HelpRequest, action: str, by: User | None, before: str, note: str = ""
) -> RequestEvent:
    return RequestEvent.objects.create(
        request=request,
        action=action,
        from_status=before,
        to_status=request.status,
        by=by,
        at=timezone.now(),
        note=note[:200],
    )


@transaction.atomic
def help_open(
    *,
    actor: User,
    household: Place,
    kind: str,
    details: str,
    channel: str,
    urgent: bool = False,
    resident: Resident | None = None,
    for_ledger: bool = False,
) -> HelpRequest:
    """A new request for a household, by staff (hotline, office) or by a cadre at the door;
    due by the kind's target time."""
    errors: dict[str, str] = {}
    if household.kind != PlaceKind.HOUSEHOLD:
        errors["household"] = (
            _("Choose a household (a flat), not a %s.") % household.get_kind_display()
        )
    if kind not in HelpKind.values:
        errors["kind"] = _("Choose what is needed: water, gas, food, medicine, …")
    if channel not in Channel.values:
        errors["channel"] = _("Say how the request came in: hotline, office or at the door.")
    details = (details or "").strip()
    if not details:
        errors["details"] = _("Say what is needed (for example: 2 buckets of water).")
    elif len(details) > DETAILS_MAX:
        errors["details"] = _("Keep what is needed under %d characters.") % DETAILS_MAX
    if resident is not None and resident.household_id != household.pk:
        errors["resident"] = _("This resident does not live in that household.")
    if errors:
        raise ValidationError(errors)
    scope_manage = scope_for(actor, Capability.MANAGE_HELP)
    if not scope_manage.covers(household) and not scope_for(actor, Capability.CLAIM_HELP).covers(
        household
    ):
        raise PermissionDenied(
            _("Only the community's staff and its cadres open help requests there.")
        )
    community = _community_of(household)
    now = timezone.now()
    hours = target_hours(community=community, kind=kind, urgent=urgent)
    request = HelpRequest.objects.create(
        community=community,
        building_id=household.parent_id,
        household=household,
        resident=resident,
        kind=kind,
        urgent=urgent,
        details=details,
        channel=channel,
        for_ledger=for_ledger,
        created_by=actor,
        created_at=now,
        due_at=now + dt.timedelta(hours=hours),
    )
    _event(request, EventAction.CREATED, actor, "")
    audit.record(
        actor=actor,
        action="assistance.open",
        obj=request,
        place=household,
        changes={"kind": kind, "urgent": urgent, "channel": channel},
    )
    return request


def _refused(request: HelpRequest, doing: str, action: str) -> ValidationError:
    """Why a step could not be taken: the request's state as it is now."""
    fresh = HelpRequest.objects.select_related("claimed_by").get(pk=request.pk)
    if action == EventAction.CLAIMED and fresh.claimed_by is not None:
        who = fresh.claimed_by.display_name or fresh.claimed_by.username
        return ValidationError({"status": _("Already claimed by %s.") % who})
    return ValidationError(
        {
            "status": _("This request is %(status)s: it cannot be %(doing)s now.")
            % {"status": fresh.get_status_display(), "doing": doing}
        }
    )


def _move(
    *,
    actor: User,
    request: HelpRequest,
    states: tuple[str, ...],
    to: str,
    action: str,
    doing: str,
    note: str = "",
    only_claimer: bool = False,
    **fields: Any,
) -> HelpRequest:
    """One conditional UPDATE from `states` to `to`; refused (with the state now) if the row
    was not in one of them, or (only_claimer) is not the actor's."""
    before = request.status
    rows = HelpRequest.objects.filter(pk=request.pk, status__in=states)
    if only_claimer:
        if request.claimed_by_id not in (None, actor.pk):
            raise PermissionDenied(_("Only the person who claimed this request may do this."))
        rows = rows.filter(claimed_by=actor)
    if not rows.update(status=to, **fields):
        raise _refused(request, doing, action)
    request.refresh_from_db()
    _event(request, action, actor, before, note)
    audit.record(
        actor=actor,
        action=f"assistance.{action}",
        obj=request,
        place=request.community,
        changes={"status": [before, to], **({"note": note} if note else {})},
    )
    return request


@transaction.atomic
def help_claim(*, actor: User, request: HelpRequest) -> HelpRequest:
    """我来: the request is the actor's if it is still new; refused if someone was faster."""
    require(actor, Capability.CLAIM_HELP, request.community)
    now = timezone.now()
    return _move(
        actor=actor,
        request=request,
        states=(HelpStatus.NEW,),
        to=HelpStatus.CLAIMED,
        action=EventAction.CLAIMED,
        doing=_("claimed"),
        claimed_by=actor,
        claimed_at=now,
    )


@transaction.atomic
def help_release(*, actor: User, request: HelpRequest, note: str = "") -> HelpRequest:
    """Give a claimed request back to the queue (the claimer, or the community's staff)."""
    require(actor, Capability.CLAIM_HELP, request.community)
    manager = scope_for(actor, Capability.MANAGE_HELP).covers(request.community)
    return _move(
        actor=actor,
        request=request,
        states=IN_HAND_STATES,
        to=HelpStatus.NEW,
        action=EventAction.RELEASED,
        doing=_("given back"),
        note=note,
        only_claimer=not manager,
        claimed_by=None,
        claimed_at=None,
        set_off_at=None,
    )


@transaction.atomic
def help_set_off(*, actor: User, request: HelpRequest) -> HelpRequest:
    """The claimer is on the way."""
    require(actor, Capability.CLAIM_HELP, request.community)
    return _move(
        actor=actor,
        request=request,
        states=(HelpStatus.CLAIMED,),
        to=HelpStatus.ON_THE_WAY,
        action=EventAction.SET_OFF,
        doing=_("set off"),
        only_claimer=True,
        set_off_at=timezone.now(),
    )


@transaction.atomic
def help_deliver(*, actor: User, request: HelpRequest, note: str = "") -> HelpRequest:
    """The claimer handed it over at the door."""
    require(actor, Capability.CLAIM_HELP, request.community)
    return _move(
        actor=actor,
        request=request,
        states=IN_HAND_STATES,
        to=HelpStatus.DELIVERED,
        action=EventAction.DELIVERED,
        doing=_("delivered"),
        note=note,
        only_claimer=True,
        delivered_at=timezone.now(),
    )


@transaction.atomic
def help_confirm(*, actor: User, request: HelpRequest, note: str = "") -> HelpRequest:
    """The resident says they got it (told to the community's staff, who record it)."""
    require(actor, Capability.MANAGE_HELP, request.community)
    return _move(
        actor=actor,
        request=request,
        states=(HelpStatus.DELIVERED,),
        to=HelpStatus.CONFIRMED,
        action=EventAction.CONFIRMED,
        doing=_("confirmed"),
        note=note,
        ended_at=timezone.now(),
    )


def _reason(reason: str, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise ValidationError({"reason": _("Say why (for example: the family found it).")})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": _("Keep the reason under %d characters.") % REASON_MAX})
    return reason


@transaction.atomic
def help_close(*, actor: User, request: HelpRequest, reason: str) -> HelpRequest:
    """Staff end a request with a reason (delivered but the resident cannot confirm, no longer
    needed, handled elsewhere)."""
    require(actor, Capability.MANAGE_HELP, request.community)
    reason = _reason(reason, required=True)
    return _move(
        actor=actor,
        request=request,
        states=(*OPEN_STATES, HelpStatus.DELIVERED),
        to=HelpStatus.CLOSED,
        action=EventAction.CLOSED,
        doing=_("closed"),
        note=reason,
        ended_at=timezone.now(),
        end_reason=reason,
    )


@transaction.atomic
def help_cancel(*, actor: User, request: HelpRequest, reason: str = "") -> HelpRequest:
    """Withdrawn before delivery: by the community's staff or by whoever opened it."""
    if request.created_by_id != actor.pk:
        require(actor, Capability.MANAGE_HELP, request.community)
    reason = _reason(reason, required=False)
    return _move(
        actor=actor,
        request=request,
        states=OPEN_STATES,
        to=HelpStatus.CANCELLED,
        action=EventAction.CANCELLED,
        doing=_("cancelled"),
        note=reason,
        ended_at=timezone.now(),
        end_reason=reason,
    )


@transaction.atomic
def purchase_record(
    *,
    actor: User,
    request: HelpRequest,
    amount: Decimal | None,
    receipt: IO[bytes] | None = None,
    receipt_name: str = "",
) -> HelpRequest:
    """What the claimer paid for the request, with the receipt's photo; the resident owes it
    back until `repaid_mark`."""
    if request.claimed_by_id != actor.pk:
        require(actor, Capability.MANAGE_HELP, request.community)
    if request.status not in (*IN_HAND_STATES, *(HelpStatus.DELIVERED,)):
        raise ValidationError(
            {"status": _("Record a purchase while the request is in hand or just delivered.")}
        )
    if amount is None or amount <= 0 or amount >= AMOUNT_MAX:
        raise ValidationError(
            {"amount": _("Give the amount paid in yuan, above 0 and below 100000.")}
        )
    fields: dict[str, Any] = {"amount": amount, "paid_by": request.claimed_by or actor}
    if receipt is not None:
        path, kind = store_receipt(request.pk, receipt, receipt_name)
        fields.update(receipt_path=path, receipt_type=kind)
    HelpRequest.objects.filter(pk=request.pk).update(**fields)
    request.refresh_from_db()
    _event(request, EventAction.PURCHASE, actor, request.status, f"¥{amount}")
    audit.record(
        actor=actor,
        action="assistance.purchase",
        obj=request,
        place=request.community,
        changes={"amount": str(amount), "receipt": bool(receipt)},
    )
    return request


@transaction.atomic
def repaid_mark(*, actor: User, request: HelpRequest) -> HelpRequest:
    """The resident paid back what was spent (once)."""
    if request.paid_by_id != actor.pk:
        require(actor, Capability.MANAGE_HELP, request.community)
    if request.amount is None:
        raise ValidationError({"amount": _("No purchase is recorded on this request.")})
    if not HelpRequest.objects.filter(pk=request.pk, repaid_at__isnull=True).update(
        repaid_at=timezone.now()
    ):
        raise ValidationError({"repaid": _("Already marked as paid back.")})
    request.refresh_from_db()
    _event(request, EventAction.REPAID, actor, request.status)
    audit.record(actor=actor, action="assistance.repaid", obj=request, place=request.community)
    return request


@transaction.atomic
def ledger_mark(*, actor: User, request: HelpRequest, for_ledger: bool) -> HelpRequest:
    """Mark (or unmark) the request for the supplies ledger."""
    require(actor, Capability.MANAGE_HELP, request.community)
    HelpRequest.objects.filter(pk=request.pk).update(for_ledger=for_ledger)
    request.refresh_from_db()
    audit.record(
        actor=actor,
        action="assistance.ledger",
        obj=request,
        place=request.community,
        changes={"for_ledger": for_ledger},
    )
    return request
