"""Reads on donations, narrowed to the user's places (VIEW_SUPPLIES over the place that
received the donation or where the donor registered): the register with filters, one
donation, what the user is shown of a donor's contact, and the trace of the money and goods.

**The trace** follows batch identity. Every line of a donation in kind and every line of a
purchase paid from a donation is received as a batch of its own (JZ<donation>-<n>,
CG<purchase>-<n>). So every movement of such a batch — transfers to community stores, issues
to posts, households and help requests, damage — is a movement of those donated (or bought)
units, and nothing else: `Movement.objects.filter(batch=…)` is the whole story."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet, Sum

from shequ.core import audit, pii
from shequ.core.access import get_for
from shequ.core.roles import Capability
from shequ.core.scopes import scope_for
from shequ.places.models import Place
from shequ.supplies.models import (
    Batch,
    Donation,
    DonationKind,
    Donor,
    Item,
    Movement,
    MovementKind,
    Stock,
    Transfer,
    TransferStatus,
    Warehouse,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from shequ.core.models import User


# --- who sees what --------------------------------------------------------------------------


def donors_for(user: User | AnonymousUser) -> QuerySet[Donor]:
    """Donors registered at or below the user's places."""
    return Donor.objects.filter(
        scope_for(user, Capability.VIEW_SUPPLIES).q("place")
    ).select_related("place")


def donor_choices(user: User | AnonymousUser) -> QuerySet[Donor]:
    """Donors a keeper may record a donation from: those of the places where they move stock
    and of the places above them (a city-wide company gives to a community too)."""
    scope = scope_for(user, Capability.MOVE_STOCK)
    above = {
        pk for root in Place.objects.filter(path__in=scope.paths) for pk in root.ancestor_ids()
    }
    return Donor.objects.filter(scope.q("place") | Q(place_id__in=above)).order_by("name", "pk")


def get_donor_for(user: User | AnonymousUser, pk: Any) -> Donor:
    return get_for(donors_for(user), pk, what="donor")


def get_donor_choice(user: User | AnonymousUser, pk: Any) -> Donor:
    return get_for(donor_choices(user), pk, what="donor")


def donation_places(user: User | AnonymousUser) -> QuerySet[Place]:
    """Places that receive donations through the user: those of the warehouses they keep."""
    from shequ.supplies.selectors import stocked_warehouses_for

    return (
        Place.objects.filter(warehouses__in=stocked_warehouses_for(user))
        .distinct()
        .order_by("path")
    )


def get_donation_place(user: User | AnonymousUser, pk: Any) -> Place:
    return get_for(donation_places(user), pk, what="place")


@dataclass(frozen=True)
class DonorShown:
    """A donor's contact as one user may see it: in full where residents' rule allows
    (VIEW_PII over the donor's place), else masked like residents' numbers."""

    full: bool
    contact_name: str
    phone: str
    document: str


def mask_name(name: str) -> str:
    """'王小明' → '王**': the family name only."""
    return name[:1] + "*" * (len(name) - 1) if name else ""


def donors_shown(actor: User, donors: Sequence[Donor], *, where: str) -> dict[int, DonorShown]:
    """Each donor's contact as `actor` may see it, keyed by id; one audit row names every
    donor shown in full (supplies.donor.pii.view), like residents.privacy.residents_shown."""
    scope = scope_for(actor, Capability.VIEW_PII)
    shown: dict[int, DonorShown] = {}
    for d in donors:
        full = scope.covers(d.place)
        shown[d.pk] = DonorShown(
            full=full,
            contact_name=d.contact_name if full else mask_name(d.contact_name),
            phone=d.phone if full else pii.mask_phone(d.phone),
            document=d.document_number if full else pii.mask_document(d.document_number),
        )
    disclosed = [
        d.pk
        for d in donors
        if shown[d.pk].full and (d.phone or d.document_number or d.contact_name)
    ]
    if disclosed:
        single = donors[0] if len(donors) == 1 else None
        audit.record_access(
            actor=actor, action="supplies.donor.pii.view", object_type=Donor._meta.label_lower,
            object_id=str(single.pk) if single else "", place=single.place if single else None,
            changes={"where": where, "donors": disclosed},
        )  # fmt: skip
    return shown


# --- the register ---------------------------------------------------------------------------


@dataclass(frozen=True)
class DonationFilter:
    kind: str = ""
    place: int | None = None
    q: str = ""  # the donor's name, or a receipt number
    since: dt.date | None = None
    until: dt.date | None = None


def donations_for(
    user: User | AnonymousUser, filters: DonationFilter | None = None
) -> QuerySet[Donation]:
    """Donations received at or below the user's places, newest first."""
    f = filters or DonationFilter()
    rows = Donation.objects.filter(scope_for(user, Capability.VIEW_SUPPLIES).q("place"))
    if f.kind in DonationKind.values:
        rows = rows.filter(kind=f.kind)
    if f.place:
        rows = rows.filter(place_id=f.place)
    if f.q.strip():
        rows = rows.filter(Q(donor__name__icontains=f.q.strip()) | Q(receipt_no=f.q.strip()))
    if f.since:
        rows = rows.filter(received_on__gte=f.since)
    if f.until:
        rows = rows.filter(received_on__lte=f.until)
    return (
        rows.select_related("donor", "place", "warehouse")
        .prefetch_related("lines__item", "purchases__lines__item")
        .order_by("-received_on", "-pk")
    )


def get_donation_for(user: User | AnonymousUser, pk: Any) -> Donation:
    """One donation of the user's places; 404 otherwise."""
    return get_for(donations_for(user), pk, what="donation")


def register_places(user: User | AnonymousUser) -> QuerySet[Place]:
    """The places the register's filter offers: those that received donations the user sees."""
    return Place.objects.filter(pk__in=donations_for(user).values("place_id")).order_by("path")


def donation_totals(rows: QuerySet[Donation]) -> dict[str, int]:
    """Cash received and spent (fen) and the number of donations in `rows`."""
    cash = rows.filter(kind=DonationKind.CASH).aggregate(a=Sum("amount_fen"), s=Sum("spent_fen"))
    return {"count": rows.count(), "amount_fen": cash["a"] or 0, "spent_fen": cash["s"] or 0}


def goods_text(donation: Donation) -> str:
    """'防护服 ×200套、行军床 ×50张' (in kind) or the items bought with it (cash); give
    donations from `donations_for` (their lines prefetched)."""
    if donation.kind == DonationKind.GOODS:
        lines = list(donation.lines.all())
    else:
        lines = [ln for p in donation.purchases.all() for ln in p.lines.all()]
    return "、".join(f"{ln.item.name} ×{ln.quantity}{ln.item.unit}" for ln in lines)


# --- the trace ------------------------------------------------------------------------------


@dataclass
class TraceLine:
    """One batch that came from a donation: received, and where its units went."""

    item: Item
    batch: Batch
    received: int
    how: str  # donation | purchase
    purchase: Any = None
    unit_price_fen: int = 0
    issues: list[Movement] = field(default_factory=list)  # issues the user may see in detail
    issued: int = 0  # every issue, also from warehouses the user does not see
    issued_elsewhere: int = 0
    adjusted: int = 0  # net adjustments (damage, expiry: negative)
    in_stock: int = 0
    in_transit: int = 0
    lost_in_transit: int = 0  # sent − received on arrival

    @property
    def cost_fen(self) -> int:
        return self.received * self.unit_price_fen

    @property
    def balanced(self) -> bool:
        """Received = issued + adjusted out + in stock + in transit + lost on the road."""
        return self.received + self.adjusted == (
            self.issued + self.in_stock + self.in_transit + self.lost_in_transit
        )


@dataclass
class Recipient:
    """Who received units traced to donations: a post, a household, a help request, a team."""

    kind: str
    name: str
    items: dict[str, int] = field(default_factory=dict)


@dataclass
class Trace:
    donations: list[Donation]
    lines: list[TraceLine]
    recipients: list[Recipient]
    amount_fen: int
    spent_fen: int

    @property
    def remaining_fen(self) -> int:
        return self.amount_fen - self.spent_fen

    @property
    def movements(self) -> list[Movement]:
        return [m for line in self.lines for m in line.issues]


def _recipient_key(m: Movement) -> tuple[str, str]:
    if m.help_request_id:
        return ("help_request", f"#{m.help_request_id} {m.household.name if m.household else ''}")
    if m.post_id:
        return ("post", m.post.name)
    if m.household_id:
        return ("household", m.household.name)
    return ("team", m.team)


def trace(user: User | AnonymousUser, donations: Iterable[Donation]) -> Trace:
    """Money → items → recipients for `donations` (already narrowed to the user): each
    batch received from them (in kind or bought), and every movement of those batches."""
    from shequ.supplies.models import DonationLine, PurchaseLine

    donations = list(donations)
    ids = [d.pk for d in donations]
    lines: list[TraceLine] = []
    for g in (
        DonationLine.objects.filter(donation_id__in=ids)
        .select_related("item", "movement__batch")
        .order_by("donation_id", "pk")
    ):
        lines.append(TraceLine(g.item, g.movement.batch, g.quantity, "donation"))
    for p in (
        PurchaseLine.objects.filter(purchase__donation_id__in=ids)
        .select_related("item", "movement__batch", "purchase")
        .order_by("purchase__bought_on", "purchase_id", "pk")
    ):
        lines.append(
            TraceLine(
                p.item, p.movement.batch, p.quantity, "purchase", p.purchase, p.unit_price_fen
            )
        )
    by_batch = {line.batch.pk: line for line in lines}
    seen = Warehouse.objects.filter(scope_for(user, Capability.VIEW_SUPPLIES).q("place"))
    seen_ids = set(seen.values_list("pk", flat=True))
    recipients: dict[tuple[str, str], Recipient] = {}
    moves = (
        Movement.objects.filter(batch_id__in=by_batch)
        .exclude(kind=MovementKind.RECEIVE)
        .select_related("warehouse", "item", "post", "household", "help_request")
        .order_by("at", "pk")
    )
    for m in moves:
        line = by_batch[m.batch_id]
        if m.kind == MovementKind.ISSUE:
            line.issued += -m.delta
            if m.warehouse_id in seen_ids:
                line.issues.append(m)
                key = _recipient_key(m)
                who = recipients.setdefault(key, Recipient(*key))
                label = f"{m.item.name}（{m.item.unit}）"
                who.items[label] = who.items.get(label, 0) - m.delta
            else:
                line.issued_elsewhere += -m.delta
        elif m.kind == MovementKind.ADJUST:
            line.adjusted += m.delta
    stock = (
        Stock.objects.filter(batch_id__in=by_batch).values("batch_id").annotate(n=Sum("quantity"))
    )
    for row in stock:
        by_batch[row["batch_id"]].in_stock = row["n"] or 0
    for t in Transfer.objects.filter(batch_id__in=by_batch):
        if t.status == TransferStatus.IN_TRANSIT:
            by_batch[t.batch_id].in_transit += t.quantity_sent
        elif t.discrepancy:
            by_batch[t.batch_id].lost_in_transit += t.discrepancy
    cash = [d for d in donations if d.kind == DonationKind.CASH]
    order = {"post": 0, "help_request": 1, "household": 2, "team": 3}
    return Trace(
        donations=donations,
        lines=lines,
        recipients=sorted(recipients.values(), key=lambda r: (order[r.kind], r.name)),
        amount_fen=sum(d.amount_fen for d in cash),
        spent_fen=sum(d.spent_fen for d in cash),
    )


def purchases_of(donation: Donation) -> QuerySet[Any]:
    """The purchases paid from a donation, with their lines."""
    return donation.purchases.select_related("warehouse").prefetch_related("lines__item")


def warehouses_under(user: User | AnonymousUser, place: Place) -> QuerySet[Warehouse]:
    """Warehouses the user keeps at or below `place` (where a purchase may be received)."""
    from shequ.supplies.selectors import stocked_warehouses_for

    return stocked_warehouses_for(user).filter(place__path__startswith=place.path)


def get_keeper_warehouse(user: User | AnonymousUser, pk: Any) -> Warehouse:
    """A warehouse the user keeps; 404 otherwise."""
    from shequ.supplies.selectors import stocked_warehouses_for

    return get_for(stocked_warehouses_for(user), pk, what="warehouse")


def get_purchase_warehouse(user: User | AnonymousUser, donation: Donation, pk: Any) -> Warehouse:
    """A warehouse the user keeps under the donation's place; 404 otherwise."""
    return get_for(warehouses_under(user, donation.place), pk, what="warehouse")


def may_buy(user: User | AnonymousUser, donation: Donation) -> bool:
    """Whether the user may record a purchase from the donation: cash with money left, and a
    warehouse they keep under its place."""
    return (
        donation.kind == DonationKind.CASH
        and donation.remaining_fen > 0
        and warehouses_under(user, donation.place).exists()
    )
