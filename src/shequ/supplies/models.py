"""Supplies: a catalogue of items (with batches and expiry), warehouses at city, street and
community level, stock cached per (warehouse, batch) and every movement that changed it.

Stock never goes negative: a CheckConstraint in the database and, in services, a conditional
UPDATE (`WHERE quantity >= n`) whose row count says whether the units were there."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shequ.core import pii
from shequ.core.fields import BlindIndexedModel, BlindIndexField, EncryptedTextField


class Category(models.TextChoices):
    MEDICAL = "medical", _("Medical")
    LIVING = "living", _("Daily living")


class Item(models.Model):
    """A kind of goods: N95 masks (box), flour (bag), gas cylinder (each)…"""

    name = models.CharField(_("name"), max_length=60, unique=True)
    unit = models.CharField(_("unit"), max_length=12)
    category = models.CharField(_("category"), max_length=8, choices=Category.choices)
    barcode = models.CharField(_("barcode"), max_length=40, blank=True)
    tracks_expiry = models.BooleanField(_("has an expiry date"), default=False)

    class Meta:
        ordering = ("category", "name")
        constraints = [
            models.UniqueConstraint(
                fields=["barcode"], condition=~Q(barcode=""), name="supplies_item_barcode_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Batch(models.Model):
    """A batch of an item (its code may be empty for goods without one) and its expiry."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="batches")
    code = models.CharField(_("batch"), max_length=40, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "code"], name="supplies_batch_unique")
        ]

    def __str__(self) -> str:
        return f"{self.item.name} {self.code}".strip()


class Warehouse(models.Model):
    """A warehouse (city, street) or a community store; its place sets who may use it."""

    name = models.CharField(_("name"), max_length=60)
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="warehouses")
    low_stock = models.PositiveIntegerField(_("low-stock threshold"), default=10)

    class Meta:
        ordering = ("place__path", "name")
        constraints = [
            models.UniqueConstraint(fields=["place", "name"], name="supplies_warehouse_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Stock(models.Model):
    """Units of one batch in one warehouse: the sum of its movements, cached."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="+")
    quantity = models.IntegerField(_("quantity"), default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "batch"], name="supplies_stock_unique"),
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="supplies_stock_never_negative"
            ),
        ]
        indexes = [models.Index(fields=["warehouse", "item"])]

    def __str__(self) -> str:
        return f"{self.warehouse_id}/{self.batch_id}: {self.quantity}"


class MovementKind(models.TextChoices):
    RECEIVE = "receive", _("Received")
    ISSUE = "issue", _("Issued")
    TRANSFER_OUT = "transfer_out", _("Sent to another warehouse")
    TRANSFER_IN = "transfer_in", _("Received from another warehouse")
    ADJUST = "adjust", _("Adjusted")


class Source(models.TextChoices):
    ALLOCATION = "allocation", _("Allocation from above")
    PURCHASE = "purchase", _("Purchase")
    DONATION = "donation", _("Donation")


class AdjustReason(models.TextChoices):
    COUNT = "count", _("Count correction")
    DAMAGE = "damage", _("Damaged")
    EXPIRY = "expiry", _("Expired")


class TransferStatus(models.TextChoices):
    IN_TRANSIT = "in_transit", _("In transit")
    RECEIVED = "received", _("Received")


class Transfer(models.Model):
    """Units sent from one warehouse to another: in transit until the other receives them;
    a different count received is kept as the discrepancy."""

    source = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="sent")
    destination = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="incoming")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="+")
    quantity_sent = models.PositiveIntegerField(_("sent"))
    quantity_received = models.PositiveIntegerField(_("received"), null=True, blank=True)
    status = models.CharField(
        max_length=12, choices=TransferStatus.choices, default=TransferStatus.IN_TRANSIT
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    sent_at = models.DateTimeField()
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    received_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["destination", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source=models.F("destination")), name="supplies_transfer_elsewhere"
            )
        ]

    def __str__(self) -> str:
        return f"{self.source_id} → {self.destination_id}: {self.quantity_sent}"

    @property
    def discrepancy(self) -> int | None:
        """Units sent but not received (negative: more arrived than were sent)."""
        if self.quantity_received is None:
            return None
        return self.quantity_sent - self.quantity_received


class Movement(models.Model):
    """One change of one stock row: `delta` units (negative when they leave)."""

    kind = models.CharField(max_length=12, choices=MovementKind.choices)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="movements")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="+")
    delta = models.IntegerField()
    source = models.CharField(max_length=12, choices=Source.choices, blank=True)
    reason = models.CharField(max_length=8, choices=AdjustReason.choices, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    # Where issued units went: a post, a household, a help request, or a team (by name).
    post = models.ForeignKey(
        "duty.Post", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    household = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    help_request = models.ForeignKey(
        "assistance.HelpRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supplies",
    )
    team = models.CharField(_("team"), max_length=60, blank=True)
    transfer = models.ForeignKey(
        Transfer, on_delete=models.PROTECT, null=True, blank=True, related_name="movements"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["warehouse", "at"])]
        constraints = [models.CheckConstraint(condition=~Q(delta=0), name="supplies_delta_nonzero")]

    def __str__(self) -> str:
        return f"{self.kind} {self.delta:+d}"


# --- Ledgers, alerts and points of use (issue #20 items 5 and 2; migration 0004_ledgers) ---


class AlertKind(models.TextChoices):
    LOW = "low", _("Low stock")
    EXPIRY = "expiry", _("Expiring soon")
    SHORTFALL = "shortfall", _("Short at a point of use")


class StockAlert(models.Model):
    """One alert about one item in one warehouse on one day: the row is the claim, so the
    keepers are told once per item, kind and day however often the job runs."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.CASCADE, related_name="alerts")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=AlertKind.choices)
    day = models.DateField()
    quantity = models.IntegerField(default=0)  # units in stock (or short) when raised
    detail = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse", "item", "kind", "day"], name="supplies_alert_once_a_day"
            )
        ]
        indexes = [models.Index(fields=["day", "warehouse"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.warehouse_id}/{self.item_id} {self.day}"


class PointOfUse(models.Model):
    """A post (a sampling site's, a gate's) that uses an item from a warehouse as it works:
    each sampling tube opened at the site's stations issues one unit (supplies.points)."""

    post = models.ForeignKey("duty.Post", on_delete=models.CASCADE, related_name="+")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="points")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["post", "item"], name="supplies_point_of_use_unique")
        ]

    def __str__(self) -> str:
        return f"{self.post_id}: {self.item_id} ← {self.warehouse_id}"


# --- Donations (issue #20, item 4): donors, donations in kind and in cash, purchases ----------


class DonorKind(models.TextChoices):
    PERSON = "person", _("Person")
    ORGANISATION = "organisation", _("Organisation")


class Donor(BlindIndexedModel):
    """A person or an organisation that gives. The contact's name, phone and ID number are
    personal data: encrypted at rest, masked on screen like residents' (supplies.donation_reads)."""

    kind = models.CharField(_("donor is a"), max_length=12, choices=DonorKind.choices)
    name = models.CharField(_("donor"), max_length=100)
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="donors")
    contact_name = EncryptedTextField(_("contact person"))
    phone = EncryptedTextField(_("phone"), normalize=pii.normalize_phone)
    phone_hmac = BlindIndexField(source="phone", kind="phone")
    document_number = EncryptedTextField(_("ID number"), normalize=pii.normalize_document)
    document_hmac = BlindIndexField(source="document_number", kind="document")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("name", "pk")
        indexes = [models.Index(fields=["place", "name"])]

    def __str__(self) -> str:
        return self.name


class DonationKind(models.TextChoices):
    GOODS = "goods", _("In kind")
    CASH = "cash", _("In cash")


class PayChannel(models.TextChoices):
    BANK = "bank", _("Bank transfer")
    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")
    CASH = "cash", _("Cash")


class Donation(models.Model):
    """A gift received by a place: goods (received into `warehouse`, one line per item) or
    cash (`amount_fen`, spent on purchases: `spent_fen` never passes the amount)."""

    donor = models.ForeignKey(Donor, on_delete=models.PROTECT, related_name="donations")
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=8, choices=DonationKind.choices)
    received_on = models.DateField(_("received on"))
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, null=True, blank=True, related_name="donations"
    )
    amount_fen = models.BigIntegerField(_("amount (fen)"), default=0)
    spent_fen = models.BigIntegerField(_("spent (fen)"), default=0)
    channel = models.CharField(_("channel"), max_length=8, choices=PayChannel.choices, blank=True)
    receipt_no = models.CharField(_("receipt no."), max_length=40, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ("-received_on", "-pk")
        indexes = [models.Index(fields=["place", "received_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(spent_fen__gte=0) & Q(spent_fen__lte=models.F("amount_fen")),
                name="supplies_donation_spent_within_amount",
            ),
            models.CheckConstraint(
                condition=~Q(kind="cash") | Q(amount_fen__gt=0),
                name="supplies_donation_cash_amount",
            ),
            models.UniqueConstraint(
                fields=["place", "receipt_no"],
                condition=~Q(receipt_no=""),
                name="supplies_donation_receipt_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.donor_id} {self.kind} {self.received_on}"

    @property
    def remaining_fen(self) -> int:
        return self.amount_fen - self.spent_fen

    @property
    def number(self) -> str:
        """The thank-you receipt's number: JZ + year + id."""
        return f"JZ{self.received_on:%Y}-{self.pk:05d}"


class DonationLine(models.Model):
    """One item of a donation in kind and the receipt (source=donation) it became."""

    donation = models.ForeignKey(Donation, on_delete=models.PROTECT, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    movement = models.OneToOneField(
        Movement, on_delete=models.PROTECT, related_name="donation_line"
    )

    def __str__(self) -> str:
        return f"{self.donation_id}: {self.item_id} × {self.quantity}"


class Purchase(models.Model):
    """Goods bought with a cash donation; each line a receipt (source=purchase) of its own
    batch, so every later movement of those units leads back here."""

    donation = models.ForeignKey(Donation, on_delete=models.PROTECT, related_name="purchases")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    supplier = models.CharField(_("supplier"), max_length=100)
    bought_on = models.DateField(_("bought on"))
    total_fen = models.BigIntegerField(_("total (fen)"))
    invoice_no = models.CharField(_("invoice no."), max_length=40, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ("bought_on", "pk")
        constraints = [
            models.CheckConstraint(condition=Q(total_fen__gt=0), name="supplies_purchase_total")
        ]

    def __str__(self) -> str:
        return f"{self.supplier} {self.bought_on}: {self.total_fen}"


class PurchaseLine(models.Model):
    purchase = models.ForeignKey(Purchase, on_delete=models.PROTECT, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price_fen = models.BigIntegerField(_("unit price (fen)"))
    movement = models.OneToOneField(
        Movement, on_delete=models.PROTECT, related_name="purchase_line"
    )

    def __str__(self) -> str:
        return f"{self.purchase_id}: {self.item_id} × {self.quantity}"

    @property
    def total_fen(self) -> int:
        return self.quantity * self.unit_price_fen


# --- requisitions (上报所需物资明细): a place asks the level above for goods ------------------


class RequisitionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    PARTLY_APPROVED = "partly", _("Partly approved")
    REJECTED = "rejected", _("Rejected")
    SHIPPED = "shipped", _("Shipped")
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", _("Cancelled")


class Requisition(models.Model):
    """A community (street, district) asks the level above (`supplier`, its parent place) for
    goods into its store (`destination`); shipped from the supplier's warehouse (`source`) as
    transfers (docs/supplies.md, "Requisitions"). Each step says who and when."""

    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    supplier = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    destination = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    source = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=RequisitionStatus.choices, default=RequisitionStatus.DRAFT
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    shipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    shipped_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    received_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["supplier", "status"]),
            models.Index(fields=["place", "status"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.place_id} → {self.supplier_id}: {self.status}"


class RequisitionLine(models.Model):
    """One item asked for; what the level above approved (≤ asked; a note when less) and the
    transfers that shipped it (one per batch, first expiry first)."""

    requisition = models.ForeignKey(Requisition, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity_asked = models.PositiveIntegerField(_("asked"))
    quantity_approved = models.PositiveIntegerField(_("approved"), null=True, blank=True)
    approve_note = models.CharField(_("why less"), max_length=200, blank=True)
    transfers = models.ManyToManyField(Transfer, blank=True, related_name="requisition_lines")

    class Meta:
        ordering = ("pk",)
        constraints = [
            models.UniqueConstraint(
                fields=["requisition", "item"], name="supplies_requisition_line_unique"
            ),
            models.CheckConstraint(
                condition=Q(quantity_approved__isnull=True)
                | Q(quantity_approved__lte=models.F("quantity_asked")),
                name="supplies_requisition_approved_le_asked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.quantity_asked}"
