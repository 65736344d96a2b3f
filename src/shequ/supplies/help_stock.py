"""A help request fulfilled from stock in one tap: on the request's page, whoever keeps a store
of its community (or a warehouse above it) picks an item and a quantity and issues it; the
issue movement names the request (and its household), and, if asked, the request is marked
delivered by them (claimed first when still new). The assistance app only shows the form and
posts it here: no ORM of supplies tables there (docs/supplies.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.access import get_for
from shequ.core.errors import ValidationError
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.supplies import selectors, services
from shequ.supplies.models import Movement, Stock

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.assistance.models import HelpRequest
    from shequ.core.models import User


def stock_for_request(user: User | AnonymousUser, help_request: HelpRequest) -> QuerySet[Stock]:
    """Stock the user may issue to the request: the warehouses they keep at the request's
    community or above it, soonest expiry first within each item."""
    community = help_request.community
    return (
        Stock.objects.filter(
            warehouse__in=selectors.stocked_warehouses_for(user),
            warehouse__place_id__in=[community.pk, *community.ancestor_ids()],
            quantity__gt=0,
        )
        .select_related("warehouse", "item", "batch")
        .order_by(
            "-warehouse__place__depth",
            "warehouse__name",
            "item__name",
            F("batch__expires_on").asc(nulls_last=True),
        )
    )


def get_stock_for_request(user: User | AnonymousUser, help_request: HelpRequest, pk: Any) -> Stock:
    return get_for(stock_for_request(user, help_request), pk, what="stock")


def may_issue_to(user: User | AnonymousUser, help_request: HelpRequest) -> bool:
    """Whether the one-tap form shows: the request is open or just delivered and the user
    keeps a store that serves it."""
    from shequ.assistance.models import HelpStatus

    open_states = (HelpStatus.NEW, HelpStatus.CLAIMED, HelpStatus.ON_THE_WAY, HelpStatus.DELIVERED)
    if help_request.status not in open_states:
        return False
    return (
        selectors.stocked_warehouses_for(user)
        .filter(place_id__in=[help_request.community_id, *help_request.community.ancestor_ids()])
        .exists()
    )


@transaction.atomic
def help_issue_from_stock(
    *,
    actor: User,
    help_request: HelpRequest,
    stock: Stock,
    quantity: int,
    deliver: bool = False,
    note: str = "",
) -> Movement:
    """Issue `quantity` of the stock row's batch against the request; with `deliver`, mark the
    request delivered by the actor (claiming it first if new). All or nothing."""
    from shequ.assistance import services as help_services
    from shequ.assistance.models import IN_HAND_STATES, HelpStatus

    errors: dict[str, str] = {}
    community = help_request.community
    if stock.warehouse.place_id not in (community.pk, *community.ancestor_ids()):
        errors["stock"] = _("Choose stock of a warehouse that serves this community.")
    if help_request.status not in (*IN_HAND_STATES, HelpStatus.NEW, HelpStatus.DELIVERED):
        errors["stock"] = _("This request is %s: nothing more is issued to it.") % (
            help_request.get_status_display()
        )
    if deliver:
        if not scope_for(actor, Capability.CLAIM_HELP).covers(community):
            errors["deliver"] = _(
                "Only cadres and staff of this community mark it delivered: issue without it."
            )
        elif help_request.status in IN_HAND_STATES and help_request.claimed_by_id != actor.pk:
            errors["deliver"] = _("Someone else has claimed it: they mark it delivered.")
    if errors:
        raise ValidationError(errors)
    movement = services.stock_issue(
        actor=actor, warehouse=stock.warehouse, batch=stock.batch, quantity=quantity,
        help_request=help_request, note=note,
    )  # fmt: skip
    if deliver and help_request.status != HelpStatus.DELIVERED:
        if help_request.status == HelpStatus.NEW:
            help_services.help_claim(actor=actor, request=help_request)
        help_services.help_deliver(
            actor=actor,
            request=help_request,
            note=_("%(n)d %(unit)s of %(item)s from %(warehouse)s")
            % {
                "n": quantity,
                "unit": stock.item.unit,
                "item": stock.item.name,
                "warehouse": stock.warehouse.name,
            },
        )
    audit.record(
        actor=actor, action="supplies.help_request.issue", obj=movement,
        place=stock.warehouse.place,
        changes={"help_request": help_request.pk, "item": stock.item.name, "quantity": quantity,
                 "delivered": deliver},
    )  # fmt: skip
    return movement


def issued_to(help_request: HelpRequest) -> QuerySet[Movement]:
    """What was issued against the request, newest first."""
    return (
        Movement.objects.filter(help_request=help_request)
        .select_related("item", "warehouse", "by")
        .order_by("-at", "-pk")
    )
