"""Services for sending people in batches, rotating batches, and pairing agencies with
compounds (对点支援). One transaction and audit row each; every move keeps a Posting."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.core.times import city_time
from shequ.mobilization import selectors
from shequ.mobilization.models import (
    ACTIVE_STATES,
    Agency,
    Batch,
    Enlistment,
    Order,
    Pairing,
    Posting,
    Staff,
)
from shequ.places.models import Place, PlaceKind

if TYPE_CHECKING:
    from shequ.core.models import User

DISPATCH_KINDS = (PlaceKind.COMMUNITY, PlaceKind.COMPOUND)


def _check_place(actor: User, place: Place) -> None:
    if place.kind not in DISPATCH_KINDS:
        raise ValidationError({"place": _("Send people to a community or a compound.")})
    if not scope_for(actor, Capability.MANAGE_NEEDS).covers(place):
        raise PermissionDenied(_("You may not send people here."))


def _post(staff: Sequence[Staff], place: Place, at: dt.datetime, actor: User, reason: str) -> None:
    Posting.objects.filter(staff__in=staff, ends_at__isnull=True).update(ends_at=at)
    Posting.objects.bulk_create(
        [Posting(staff=s, place=place, starts_at=at, reason=reason, by=actor) for s in staff]
    )


@transaction.atomic
def batch_dispatch(
    *,
    actor: User,
    order: Order,
    name: str,
    place: Place,
    staff: Sequence[Staff],
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    previous: Batch | None = None,
    handover_note: str = "",
) -> Batch:
    """Send a named batch of people (on duty under the order) to a place for a period."""
    _check_place(actor, place)
    starts_at, ends_at = city_time(starts_at), city_time(ends_at)
    errors: dict[str, str] = {}
    if not order.is_open():
        errors["order"] = _("This order is closed.")
    if not name.strip() or len(name) > 50:
        errors["name"] = _("Name the batch, e.g. 第一批.")
    if ends_at <= starts_at:
        errors["ends_at"] = _("The batch must end after it starts.")
    if not staff:
        errors["staff"] = _("Choose who goes.")
    # Only people on duty in places the actor manages: a batch must not pull someone out of
    # another community's hands.
    manage = scope_for(actor, Capability.MANAGE_NEEDS)
    on_duty = set(
        Enlistment.objects.filter(
            manage.q("community"), order=order, staff__in=staff, state__in=ACTIVE_STATES
        ).values_list("staff_id", flat=True)
    )
    missing = [s.name for s in staff if s.pk not in on_duty]
    if missing:
        errors["staff"] = _("Not on duty in your places under this order: %s.") % "、".join(
            missing[:5]
        )
    if previous is not None and hasattr(previous, "next"):
        errors["previous"] = _("That batch has already been relieved.")
    if errors:
        raise ValidationError(errors)
    batch = Batch.objects.create(
        order=order,
        name=name.strip(),
        place=place,
        starts_at=starts_at,
        ends_at=ends_at,
        previous=previous,
        handover_note=handover_note,
        created_by=actor,
    )
    batch.members.set(staff)
    _post(staff, place, starts_at, actor, "batch")
    audit.record(
        actor=actor,
        action="mobilization.batch.dispatch",
        obj=batch,
        place=place,
        changes={"name": batch.name, "people": len(staff)},
    )
    return batch


@transaction.atomic
def batch_rotate(
    *,
    actor: User,
    current: Batch,
    name: str,
    staff: Sequence[Staff],
    ends_at: dt.datetime,
    handover_note: str,
) -> Batch:
    """The next batch takes over where `current` ends; the note passes on what to know."""
    ends_at = city_time(ends_at)
    if not handover_note.strip():
        raise ValidationError({"handover_note": _("Write the handover note for the next batch.")})
    return batch_dispatch(
        actor=actor,
        order=current.order,
        name=name,
        place=current.place,
        staff=staff,
        starts_at=current.ends_at,
        ends_at=ends_at,
        previous=current,
        handover_note=handover_note,
    )


def _chosen(actor: User, staff_ids: Sequence[int]) -> list[Staff]:
    """The people chosen by id among those the actor sees; an unknown id is refused."""
    staff = list(selectors.staff_for(actor).filter(pk__in=set(staff_ids)))
    if len(staff) != len(set(staff_ids)):
        raise ValidationError({"staff_ids": _("Some of these people are unknown to you.")})
    return staff


def batch_send(
    *,
    actor: User,
    order: Order,
    name: str,
    place: Place,
    staff_ids: Sequence[int],
    starts_at: dt.datetime,
    ends_at: dt.datetime,
) -> Batch:
    """`batch_dispatch` the people chosen by id, as the batches page and the API do: the same
    refusals in the same words for both (nobody chosen is silently left out)."""
    return batch_dispatch(
        actor=actor,
        order=order,
        name=name,
        place=place,
        staff=_chosen(actor, staff_ids),
        starts_at=starts_at,
        ends_at=ends_at,
    )


def batch_relieve(
    *,
    actor: User,
    current: Batch,
    name: str,
    staff_ids: Sequence[int],
    ends_at: dt.datetime,
    handover_note: str,
) -> Batch:
    """`batch_rotate` with the people chosen by id (the batches page and the API)."""
    return batch_rotate(
        actor=actor,
        current=current,
        name=name,
        staff=_chosen(actor, staff_ids),
        ends_at=ends_at,
        handover_note=handover_note,
    )


@transaction.atomic
def pairing_create(
    *, actor: User, agency: Agency, place: Place, starts_on: dt.date, ends_on: dt.date | None = None
) -> Pairing:
    """对点支援: pair an agency with a compound (usually a locked-down one)."""
    if place.kind != PlaceKind.COMPOUND:
        raise ValidationError({"place": _("An agency is paired with a compound.")})
    if not scope_for(actor, Capability.ISSUE_ORDERS).covers(place):
        raise PermissionDenied(_("Only the HQ or the district pairs agencies with compounds."))
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError({"ends_on": _("The pairing must end after it starts.")})
    if Pairing.objects.filter(agency=agency, place=place, starts_on=starts_on).exists():
        raise ValidationError({"place": _("This agency is already paired with this compound.")})
    pairing = Pairing.objects.create(
        agency=agency, place=place, starts_on=starts_on, ends_on=ends_on, created_by=actor
    )
    audit.record(
        actor=actor,
        action="mobilization.pairing.create",
        obj=pairing,
        place=place,
        changes={"agency": agency.code},
    )
    return pairing


@transaction.atomic
def pairing_end(*, actor: User, pairing: Pairing, ends_on: dt.date | None = None) -> Pairing:
    """End a pairing on `ends_on` (today by default): its last day; the agency's staff and
    coordinator no longer count the compound as theirs after it."""
    if not scope_for(actor, Capability.ISSUE_ORDERS).covers(pairing.place):
        raise PermissionDenied(_("Only the HQ or the district pairs agencies with compounds."))
    ends_on = ends_on or timezone.localdate()
    if ends_on < pairing.starts_on:
        raise ValidationError({"ends_on": _("The pairing must end after it starts.")})
    if pairing.ends_on is not None and pairing.ends_on <= ends_on:
        raise ValidationError({"ends_on": _("This pairing has already ended.")})
    before = pairing.ends_on
    pairing.ends_on = ends_on
    pairing.save(update_fields=["ends_on"])
    audit.record(
        actor=actor,
        action="mobilization.pairing.end",
        obj=pairing,
        place=pairing.place,
        changes={
            "agency": pairing.agency.code,
            "ends_on": [before.isoformat() if before else None, ends_on.isoformat()],
        },
    )
    return pairing
