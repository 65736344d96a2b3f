"""Requisitions (上报所需物资明细): a community asks its street for goods, the street approves
(fully or partly, line by line), ships them from its warehouse as transfers, the community
counts them in. The same from a street to its district and a district to the city: the
requester's place and its parent (docs/supplies.md, "Requisitions").

    draft → submitted → approved / partly approved / rejected → shipped → received
    (draft, submitted, approved, partly approved → cancelled)

Every step is one conditional UPDATE on the status (`WHERE status IN (…)`): two officers
approving at once get one through and one refusal with the state now. Writes are
keyword-only, one transaction each, audited; reads are narrowed to the user's places."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.access import get_for
from shequ.core.errors import PermissionDenied, ValidationError
from shequ.core.roles import Capability, refusal
from shequ.core.scopes import scope_for, scope_for_any
from shequ.places.models import Place, PlaceKind
from shequ.supplies import selectors, services
from shequ.supplies.models import (
    Item,
    Requisition,
    RequisitionLine,
    RequisitionStatus,
    Transfer,
    TransferStatus,
    Warehouse,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User

S = RequisitionStatus
REQUESTING_KINDS = (PlaceKind.COMMUNITY, PlaceKind.STREET, PlaceKind.DISTRICT)
DECIDABLE = (S.SUBMITTED,)
SHIPPABLE = (S.APPROVED, S.PARTLY_APPROVED)
CANCELLABLE = (S.DRAFT, S.SUBMITTED, S.APPROVED, S.PARTLY_APPROVED)
OPEN = (S.SUBMITTED, S.APPROVED, S.PARTLY_APPROVED, S.SHIPPED)
MAX_LINES = 50
NOTE_MAX = 200


# --- checks ----------------------------------------------------------------------------------


def _require_all(actor: User, capability: str, places: list[Place]) -> None:
    """PermissionDenied unless every place of the object lies in the actor's scope (an
    object spanning a child and its parent needs both: docs/access.md)."""
    if not scope_for(actor, capability).covers_all(places):
        raise PermissionDenied(refusal(capability, places[0]))


def _note(value: str, field: str, errors: dict[str, str], *, required: str = "") -> str:
    value = (value or "").strip()
    if required and not value:
        errors[field] = required
    elif len(value) > NOTE_MAX:
        errors[field] = _("Keep it under %d characters.") % NOTE_MAX
    return value


def _lines(lines: Any, errors: dict[str, str]) -> list[tuple[Item, int]]:
    """[(item, quantity)…]: at least one, each item once, quantities whole and ≥ 1."""
    clean: list[tuple[Item, int]] = []
    seen: set[int] = set()
    for item, quantity in lines or ():
        bad: dict[str, str] = {}
        quantity = services._check_quantity(quantity, bad)
        if bad:
            errors["lines"] = _("%(item)s: %(error)s") % {
                "item": item.name,
                "error": bad["quantity"],
            }
            return []
        if item.pk in seen:
            errors["lines"] = _("%s is listed twice: give it once with the total.") % item.name
            return []
        seen.add(item.pk)
        clean.append((item, quantity))
    if not clean:
        errors["lines"] = _("Ask for at least one item with its quantity.")
    elif len(clean) > MAX_LINES:
        errors["lines"] = _("Ask for at most %d items in one requisition.") % MAX_LINES
    return clean


def _move(
    requisition: Requisition, states: tuple[str, ...], to: str, doing: str, **fields: Any
) -> None:
    """One conditional UPDATE from `states` to `to`; refused with the state as it is now."""
    done = Requisition.objects.filter(pk=requisition.pk, status__in=states).update(
        status=to, **fields
    )
    if done != 1:
        now = Requisition.objects.get(pk=requisition.pk)
        raise ValidationError(
            {
                "status": _("This requisition is %(status)s: it cannot be %(doing)s now.")
                % {"status": now.get_status_display(), "doing": doing}
            }
        )
    before = requisition.status
    requisition.refresh_from_db()
    requisition._before = before  # type: ignore[attr-defined]


def _audit(actor: User, requisition: Requisition, action: str, **changes: Any) -> None:
    audit.record(
        actor=actor,
        action=f"supplies.requisition.{action}",
        obj=requisition,
        place=requisition.place,
        changes={
            "status": [getattr(requisition, "_before", ""), requisition.status],
            **changes,
        },
    )


# --- writes ----------------------------------------------------------------------------------


@transaction.atomic
def requisition_create(
    *,
    actor: User,
    place: Place,
    lines: list[tuple[Item, int]],
    reason: str = "",
    destination: Warehouse | None = None,
    submit: bool = False,
) -> Requisition:
    """A draft (or, with `submit`, submitted) requisition of `place` to its parent, for goods
    into the place's store (its only one, or `destination`)."""
    errors: dict[str, str] = {}
    clean = _lines(lines, errors)
    reason = _note(reason, "reason", errors)
    if place.kind not in REQUESTING_KINDS or place.parent_id is None:
        errors["place"] = _("A community, street or district asks the level above it.")
    if destination is None:
        destination = Warehouse.objects.filter(place=place).order_by("pk").first()
        if destination is None:
            errors["destination"] = (
                _("%s has no store to receive into: ask the level above to set one up.")
                % place.name
            )
    elif destination.place_id != place.pk:
        errors["destination"] = _("Choose a store of %s itself.") % place.name
    if errors:
        raise ValidationError(errors)
    assert destination is not None
    _require_all(actor, Capability.REQUEST_SUPPLIES, [place, destination.place])
    now = timezone.now()
    requisition = Requisition.objects.create(
        place=place, supplier_id=place.parent_id, destination=destination, reason=reason,
        created_by=actor, created_at=now,
        **({"status": S.SUBMITTED, "submitted_by": actor, "submitted_at": now} if submit else {}),
    )  # fmt: skip
    RequisitionLine.objects.bulk_create(
        [RequisitionLine(requisition=requisition, item=i, quantity_asked=q) for i, q in clean]
    )
    requisition._before = ""  # type: ignore[attr-defined]
    _audit(
        actor, requisition, "create",
        lines={i.name: q for i, q in clean}, reason=reason,
    )  # fmt: skip
    return requisition


@transaction.atomic
def requisition_edit(
    *, actor: User, requisition: Requisition, lines: list[tuple[Item, int]], reason: str = ""
) -> Requisition:
    """A draft's lines and reason, replaced (a submitted one is the level above's to judge)."""
    errors: dict[str, str] = {}
    clean = _lines(lines, errors)
    reason = _note(reason, "reason", errors)
    if errors:
        raise ValidationError(errors)
    _require_all(actor, Capability.REQUEST_SUPPLIES, [requisition.place])
    _move(requisition, (S.DRAFT,), S.DRAFT, _("edited"), reason=reason)
    requisition.lines.all().delete()
    RequisitionLine.objects.bulk_create(
        [RequisitionLine(requisition=requisition, item=i, quantity_asked=q) for i, q in clean]
    )
    _audit(actor, requisition, "edit", lines={i.name: q for i, q in clean}, reason=reason)
    return requisition


@transaction.atomic
def requisition_submit(*, actor: User, requisition: Requisition) -> Requisition:
    """The draft goes to the level above."""
    _require_all(actor, Capability.REQUEST_SUPPLIES, [requisition.place])
    _move(
        requisition, (S.DRAFT,), S.SUBMITTED, _("submitted"),
        submitted_by=actor, submitted_at=timezone.now(),
    )  # fmt: skip
    _audit(actor, requisition, "submit")
    return requisition


@transaction.atomic
def requisition_decide(
    *,
    actor: User,
    requisition: Requisition,
    approved: dict[int, int],
    notes: dict[int, str] | None = None,
    note: str = "",
) -> Requisition:
    """The level above approves each line (by line id) up to what was asked; less needs the
    line's reason. All approved: approved; some: partly approved; none: rejected (with
    `note`, the reason)."""
    _require_all(actor, Capability.APPROVE_REQUISITIONS, [requisition.supplier, requisition.place])
    notes = notes or {}
    lines = list(requisition.lines.select_related("item"))
    errors: dict[str, str] = {}
    note = _note(note, "note", errors)
    decided: list[tuple[RequisitionLine, int, str]] = []
    unknown = set(approved) - {line.pk for line in lines}
    if unknown:
        errors["approved"] = _("These lines are not of this requisition: %s.") % ", ".join(
            str(pk) for pk in sorted(unknown)
        )
    for line in lines:
        quantity = approved.get(line.pk, line.quantity_asked)
        why = (notes.get(line.pk) or "").strip()
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
            errors[f"line_{line.pk}"] = _("%s: give the approved quantity as a whole number.") % (
                line.item.name
            )
        elif quantity > line.quantity_asked:
            errors[f"line_{line.pk}"] = _(
                "%(item)s: approve at most the %(asked)d %(unit)s asked for."
            ) % {"item": line.item.name, "asked": line.quantity_asked, "unit": line.item.unit}
        elif quantity < line.quantity_asked and not why:
            errors[f"line_{line.pk}"] = _(
                "%(item)s: say why less than the %(asked)d %(unit)s asked for."
            ) % {"item": line.item.name, "asked": line.quantity_asked, "unit": line.item.unit}
        elif len(why) > NOTE_MAX:
            errors[f"line_{line.pk}"] = _("Keep it under %d characters.") % NOTE_MAX
        else:
            decided.append((line, quantity, why if quantity < line.quantity_asked else ""))
    total = sum(q for _line, q, _why in decided)
    if not errors and total == 0 and not note:
        errors["note"] = _("Say why the requisition is rejected.")
    if errors:
        raise ValidationError(errors)
    if total == 0:
        to = S.REJECTED
    elif all(q == line.quantity_asked for line, q, _why in decided):
        to = S.APPROVED
    else:
        to = S.PARTLY_APPROVED
    _move(
        requisition, DECIDABLE, to, _("decided"),
        decided_by=actor, decided_at=timezone.now(), decision_note=note,
    )  # fmt: skip
    for line, quantity, why in decided:
        line.quantity_approved, line.approve_note = quantity, why
    RequisitionLine.objects.bulk_update(
        [line for line, _q, _w in decided], ["quantity_approved", "approve_note"]
    )
    _audit(
        actor, requisition, "decide",
        approved={line.item.name: q for line, q, _w in decided}, note=note,
    )  # fmt: skip
    return requisition


@transaction.atomic
def requisition_ship(
    *, actor: User, requisition: Requisition, source: Warehouse | None = None
) -> Requisition:
    """The approved goods leave the supplier's warehouse (`source`, or its first) for the
    requester's store: one transfer per batch, soonest expiry first. All or nothing: if the
    warehouse lacks any line, nothing is sent and the message lists what is short."""
    if source is None:
        source = Warehouse.objects.filter(place=requisition.supplier).order_by("pk").first()
        if source is None:
            raise ValidationError(
                {"source": _("%s has no warehouse to ship from.") % requisition.supplier.name}
            )
    if source.place_id != requisition.supplier_id:
        raise ValidationError(
            {"source": _("Ship from a warehouse of %s.") % requisition.supplier.name}
        )
    _require_all(actor, Capability.MOVE_STOCK, [source.place, requisition.destination.place])
    _move(
        requisition, SHIPPABLE, S.SHIPPED, _("shipped"),
        source=source, shipped_by=actor, shipped_at=timezone.now(),
    )  # fmt: skip
    lines = [line for line in requisition.lines.select_related("item") if line.quantity_approved]
    short = [
        _("%(item)s: %(need)d %(unit)s approved, %(left)d in stock")
        % {
            "item": line.item.name,
            "need": line.quantity_approved,
            "unit": line.item.unit,
            "left": left,
        }
        for line in lines
        if (left := selectors.stock_total(source, line.item)) < (line.quantity_approved or 0)
    ]
    if short:  # raised inside the transaction: the status change above is rolled back too
        raise ValidationError(
            {
                "quantity": _("Not enough in %(warehouse)s to ship; nothing was sent. %(short)s.")
                % {"warehouse": source.name, "short": "; ".join(short)}
            }
        )
    note = _("Requisition #%d") % requisition.pk
    for line in lines:
        left = line.quantity_approved or 0
        for stock in selectors.fefo(source, line.item):
            if left <= 0:
                break
            take = min(left, stock.quantity)
            transfer = services.transfer_send(
                actor=actor, source=source, destination=requisition.destination,
                batch=stock.batch, quantity=take, note=note,
            )  # fmt: skip
            line.transfers.add(transfer)
            left -= take
    _audit(
        actor, requisition, "ship", source=source.name,
        lines={line.item.name: line.quantity_approved for line in lines},
    )  # fmt: skip
    return requisition


@transaction.atomic
def requisition_receive(
    *, actor: User, requisition: Requisition, counts: dict[int, int] | None = None, note: str = ""
) -> Requisition:
    """The requester's store counts the shipment in: each transfer still in transit is
    received with its count (`counts` by transfer id; the number sent when not given), a
    different count kept as the transfer's discrepancy."""
    _require_all(actor, Capability.MOVE_STOCK, [requisition.destination.place])
    counts = counts or {}
    transfers = list(requisition_transfers(requisition))
    unknown = set(counts) - {t.pk for t in transfers}
    if unknown:
        raise ValidationError({"counts": _("These transfers are not of this requisition.")})
    _move(
        requisition, (S.SHIPPED,), S.RECEIVED, _("received"),
        received_by=actor, received_at=timezone.now(),
    )  # fmt: skip
    short = 0
    for transfer in transfers:
        if transfer.status != TransferStatus.IN_TRANSIT:
            continue
        count = counts.get(transfer.pk, transfer.quantity_sent)
        try:
            services.transfer_receive(
                actor=actor, transfer=transfer, quantity_received=count, note=note
            )
        except ValidationError as exc:
            raise ValidationError(
                {f"count_{transfer.pk}": next(iter(exc.errors.values()))}
            ) from None
        short += transfer.quantity_sent - count
    _audit(actor, requisition, "receive", discrepancy=short)
    return requisition


@transaction.atomic
def requisition_cancel(*, actor: User, requisition: Requisition, reason: str = "") -> Requisition:
    """The requester withdraws it, before it is shipped."""
    errors: dict[str, str] = {}
    reason = _note(reason, "reason", errors)
    if errors:
        raise ValidationError(errors)
    _require_all(actor, Capability.REQUEST_SUPPLIES, [requisition.place])
    _move(
        requisition, CANCELLABLE, S.CANCELLED, _("cancelled"),
        cancelled_by=actor, cancelled_at=timezone.now(),
        **({"decision_note": reason} if reason else {}),
    )  # fmt: skip
    _audit(actor, requisition, "cancel", reason=reason)
    return requisition


# --- reads -----------------------------------------------------------------------------------

SEEING = (Capability.REQUEST_SUPPLIES, Capability.APPROVE_REQUISITIONS, Capability.VIEW_SUPPLIES)


def may_see_requisitions(user: User | AnonymousUser) -> bool:
    return not scope_for_any(user, SEEING).is_empty


def may_request(user: User | AnonymousUser) -> bool:
    return not scope_for(user, Capability.REQUEST_SUPPLIES).is_empty


def requisitions_for(user: User | AnonymousUser) -> QuerySet[Requisition]:
    """Requisitions of the places the user sees (a street sees its communities' and its own;
    a community its own, never a sibling's); a draft only by those who may edit it."""
    seeing = scope_for_any(user, SEEING)
    asking = scope_for(user, Capability.REQUEST_SUPPLIES)
    return (
        Requisition.objects.filter(seeing.q("place"))
        .filter(~Q(status=S.DRAFT) | asking.q("place"))
        .select_related("place", "supplier", "destination", "source")
        .prefetch_related(
            Prefetch("lines", queryset=RequisitionLine.objects.select_related("item"))
        )
        .order_by("-created_at", "-pk")
    )


def get_requisition_for(user: User | AnonymousUser, pk: Any) -> Requisition:
    """One requisition the user sees; 404 otherwise."""
    return get_for(requisitions_for(user), pk, what="requisition")


def requisition_transfers(requisition: Requisition) -> QuerySet[Transfer]:
    """The transfers that shipped it, by line."""
    return (
        Transfer.objects.filter(requisition_lines__requisition=requisition)
        .select_related("item", "batch", "source", "destination")
        .order_by("pk")
        .distinct()
    )


def requesting_places(user: User | AnonymousUser) -> QuerySet[Place]:
    """The places the user may ask for: communities, streets, districts with a store."""
    return (
        Place.objects.filter(scope_for(user, Capability.REQUEST_SUPPLIES).q())
        .filter(kind__in=REQUESTING_KINDS, warehouses__isnull=False)
        .distinct()
        .order_by("path")
    )


def get_requesting_place(user: User | AnonymousUser, pk: Any) -> Place:
    return get_for(requesting_places(user), pk, what="place")


def ship_sources(user: User | AnonymousUser, requisition: Requisition) -> QuerySet[Warehouse]:
    """The supplier's warehouses the user moves stock in."""
    return selectors.stocked_warehouses_for(user).filter(place=requisition.supplier)


@dataclass(frozen=True)
class BoardFilter:
    status: str = ""  # a status, "open" or "" (all)
    direction: str = ""  # "incoming" (from the places below), "outgoing" (ours), "" both
    place: int | None = None
    item: int | None = None


DIRECTIONS = ("incoming", "outgoing")


def board(user: User | AnonymousUser, filters: BoardFilter | None = None) -> QuerySet[Requisition]:
    """The requisition board: the user's requisitions, filtered, newest first."""
    f = filters or BoardFilter()
    rows = requisitions_for(user)
    seeing = scope_for_any(user, SEEING)
    if f.direction == "incoming":
        rows = rows.filter(seeing.q("supplier")).exclude(status=S.DRAFT)
    elif f.direction == "outgoing":
        rows = rows.exclude(seeing.q("supplier"))
    if f.status == "open":
        rows = rows.filter(status__in=OPEN)
    elif f.status in S.values:
        rows = rows.filter(status=f.status)
    if f.place:
        rows = rows.filter(Q(place_id=f.place) | Q(place__path__contains=f"/{f.place}/"))
    if f.item:
        rows = rows.filter(lines__item_id=f.item).distinct()
    return rows


@dataclass(frozen=True)
class ItemTotal:
    item: str
    unit: str
    requisitions: int
    asked: int
    approved: int


def item_totals(rows: QuerySet[Requisition]) -> list[ItemTotal]:
    """What the board's requisitions ask for, per item (what all my communities need)."""
    totals = (
        RequisitionLine.objects.filter(requisition__in=rows.order_by().values("pk"))
        .values("item__name", "item__unit")
        .annotate(
            n=Count("requisition", distinct=True),
            asked=Sum("quantity_asked"),
            approved=Sum("quantity_approved"),
        )
        .order_by("item__name")
    )
    return [
        ItemTotal(t["item__name"], t["item__unit"], t["n"], t["asked"] or 0, t["approved"] or 0)
        for t in totals
    ]


def board_places(user: User | AnonymousUser) -> QuerySet[Place]:
    """The places a board filter offers: communities, streets and districts the user sees."""
    return Place.objects.filter(
        scope_for_any(user, SEEING).q(), kind__in=REQUESTING_KINDS
    ).order_by("path")[:200]
