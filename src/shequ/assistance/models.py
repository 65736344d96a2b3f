"""Help requests: a household needs water, gas, food, medicine, a ride to hospital...; a cadre
claims it (我来), goes, delivers; the resident confirms or staff close it. Every step is a
RequestEvent (who, when, from → to)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class HelpKind(models.TextChoices):
    WATER = "water", _("Drinking water")
    GAS = "gas", _("Gas")
    FOOD = "food", _("Food and daily goods")
    MEDICINE = "medicine", _("Medicine")
    MEDICAL = "medical", _("Medical visit or hospital transport")
    RUBBISH = "rubbish", _("Rubbish")
    MEALS = "meals", _("Meals")
    OTHER = "other", _("Other")


class HelpStatus(models.TextChoices):
    NEW = "new", _("New")
    CLAIMED = "claimed", _("Claimed")
    ON_THE_WAY = "on_the_way", _("On the way")
    DELIVERED = "delivered", _("Delivered")
    CONFIRMED = "confirmed", _("Confirmed by the resident")
    CLOSED = "closed", _("Closed by staff")
    CANCELLED = "cancelled", _("Cancelled")


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("Hotline")
    COMMUNITY = "community", _("Community office")
    DOOR = "door", _("At the door (by a cadre)")
    RESIDENT = "resident", _("By the resident, on the public page")


class EventAction(models.TextChoices):
    CREATED = "created", _("Opened")
    CLAIMED = "claimed", _("Claimed")
    SET_OFF = "set_off", _("On the way")
    DELIVERED = "delivered", _("Delivered")
    CONFIRMED = "confirmed", _("Confirmed by the resident")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")
    RELEASED = "released", _("Given back to the queue")
    PURCHASE = "purchase", _("Purchase recorded")
    REPAID = "repaid", _("Paid back by the resident")
    ESCALATED_COMMUNITY = "escalated_community", _("Overdue: community staff told")
    ESCALATED_STREET = "escalated_street", _("Overdue: street told")


OPEN_STATES = (HelpStatus.NEW, HelpStatus.CLAIMED, HelpStatus.ON_THE_WAY)
IN_HAND_STATES = (HelpStatus.CLAIMED, HelpStatus.ON_THE_WAY)
DONE_STATES = (HelpStatus.DELIVERED, HelpStatus.CONFIRMED)

# Hours from opening to delivery, by kind, unless the city sets its own (HelpTarget).
DEFAULT_TARGET_HOURS: dict[str, int] = {
    HelpKind.MEDICAL: 2,
    HelpKind.MEDICINE: 12,
    HelpKind.WATER: 24,
    HelpKind.GAS: 24,
    HelpKind.FOOD: 24,
    HelpKind.RUBBISH: 24,
    HelpKind.MEALS: 24,
    HelpKind.OTHER: 24,
}
URGENT_HOURS = 2  # a request marked urgent is due within this, whatever its kind


class HelpTarget(models.Model):
    """A city's own target time for a kind of request (hours from opening to delivery)."""

    city = models.ForeignKey("places.Place", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=16, choices=HelpKind.choices)
    hours = models.PositiveSmallIntegerField(_("target (hours)"))

    class Meta:
        verbose_name = _("target time")
        verbose_name_plural = _("target times")
        constraints = [
            models.UniqueConstraint(fields=["city", "kind"], name="one_help_target_per_kind"),
            models.CheckConstraint(
                name="help_target_hours_1_to_168", condition=Q(hours__gte=1, hours__lte=168)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind}: {self.hours} h"


class HelpRequest(models.Model):
    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    building = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="help_requests"
    )
    resident = models.ForeignKey(
        "residents.Resident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="help_requests",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=HelpKind.choices)
    urgent = models.BooleanField(_("urgent"), default=False)
    details = models.CharField(_("what is needed"), max_length=500)
    channel = models.CharField(_("received by"), max_length=16, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=HelpStatus.choices, default=HelpStatus.NEW
    )
    for_ledger = models.BooleanField(_("for the supplies ledger"), default=False)
    # None when the resident asked on the public page (channel "resident").
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField(_("due"))
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    set_off_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)  # confirmed, closed or cancelled
    end_reason = models.CharField(_("reason"), max_length=200, blank=True)
    escalated_community_at = models.DateTimeField(null=True, blank=True)
    escalated_street_at = models.DateTimeField(null=True, blank=True)
    # A paid purchase: what it cost, who paid, the receipt, whether the resident paid back.
    amount = models.DecimalField(
        _("amount (yuan)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    receipt_path = models.CharField(max_length=255, blank=True)
    receipt_type = models.CharField(max_length=20, blank=True)
    repaid_at = models.DateTimeField(_("paid back"), null=True, blank=True)

    class Meta:
        verbose_name = _("help request")
        verbose_name_plural = _("help requests")
        ordering = ["due_at", "created_at"]
        indexes = [
            models.Index(fields=["community", "status", "due_at"]),
            models.Index(fields=["claimed_by", "status"]),
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["community", "created_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                name="help_claimed_has_claimer",
                condition=Q(status=HelpStatus.NEW)
                | Q(status=HelpStatus.CANCELLED)
                | Q(status=HelpStatus.CLOSED)
                | Q(claimed_by__isnull=False),
            ),
            models.CheckConstraint(
                name="help_amount_not_negative", condition=Q(amount__isnull=True) | Q(amount__gte=0)
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.kind} {self.household_id}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    def is_overdue(self, now: object = None) -> bool:
        return self.is_open and self.due_at < (now or timezone.now())

    @property
    def has_receipt(self) -> bool:
        return bool(self.receipt_path)

    @property
    def address(self) -> str:
        """The household's address label: its building and its room."""
        return f"{self.building.name} {self.household.name}"


class RequestEvent(models.Model):
    request = models.ForeignKey(HelpRequest, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=24, choices=EventAction.choices)
    from_status = models.CharField(max_length=16, choices=HelpStatus.choices, blank=True)
    to_status = models.CharField(max_length=16, choices=HelpStatus.choices, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["request", "at"])]

    def __str__(self) -> str:
        return f"{self.request_id} {self.action}"


class ReportSlot(models.TextChoices):
    MORNING = "am", _("Morning (by noon)")
    EVENING = "pm", _("Evening (by 20:00)")


class ReportChannel(models.TextChoices):
    RESIDENT = "resident", _("By the resident")
    DOOR = "door", _("At the door (by a cadre)")


class IsolationReport(models.Model):
    """One temperature and symptom report of a resident isolated or monitored at home
    (assistance/isolation.py): the slot it counts for, who entered it."""

    resident = models.ForeignKey(
        "residents.Resident", on_delete=models.CASCADE, related_name="isolation_reports"
    )
    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    slot = models.CharField(_("report"), max_length=2, choices=ReportSlot.choices)
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=3, decimal_places=1)
    symptoms = models.CharField(_("symptoms"), max_length=200, blank=True)
    fever = models.BooleanField(_("fever or symptom"), default=False)
    channel = models.CharField(max_length=10, choices=ReportChannel.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("isolation report")
        verbose_name_plural = _("isolation reports")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["resident", "day"]),
            models.Index(fields=["community", "day"]),
        ]
        constraints = [
            models.CheckConstraint(
                name="isolation_temperature_plausible",
                condition=Q(temperature__gte=34, temperature__lte=43),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} {self.day} {self.slot} {self.temperature}"


class LateNotice(models.Model):
    """That the community's staff were told a resident at home isolation missed a report
    deadline (assistance/late_reports.py): one row per resident, day and slot, so the
    message goes once whoever runs the job and however often."""

    resident = models.ForeignKey("residents.Resident", on_delete=models.CASCADE, related_name="+")
    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    slot = models.CharField(max_length=2, choices=ReportSlot.choices)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "day", "slot"], name="late_notice_once_per_deadline"
            ),
        ]
        indexes = [models.Index(fields=["day", "slot"])]

    def __str__(self) -> str:
        return f"{self.resident_id} {self.day} {self.slot} late"


class WatchOutcome(models.TextChoices):
    PENDING = "pending", _("Not checked yet")
    REACHED = "reached", _("Reached, all well")
    NOT_REACHED = "not_reached", _("Not reached")
    NEEDS_HELP = "needs_help", _("Needs help")


class WatchCheck(models.Model):
    """Today's contact check of one resident at risk (elderly living alone, immobile, ill,
    disabled, pregnant, infant) in a lockdown or control zone (assistance/watch.py): who
    checks, the outcome, the help request it opened, when the community was told it was
    still not reached in the evening."""

    resident = models.ForeignKey(
        "residents.Resident", on_delete=models.CASCADE, related_name="watch_checks"
    )
    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    compound = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    building = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    zone = models.CharField(_("zone"), max_length=16)
    tags = models.PositiveIntegerField(_("special populations"), default=0)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(
        _("outcome"), max_length=12, choices=WatchOutcome.choices, default=WatchOutcome.PENDING
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    help_request = models.ForeignKey(
        HelpRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("watch-list check")
        verbose_name_plural = _("watch-list checks")
        ordering = ["building__path", "resident_id"]
        indexes = [
            models.Index(fields=["community", "day", "outcome"]),
            models.Index(fields=["assigned_to", "day"]),
            models.Index(fields=["day", "outcome", "escalated_at"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["resident", "day"], name="one_watch_check_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} {self.day} {self.outcome}"

    @property
    def is_open(self) -> bool:
        return self.outcome in (WatchOutcome.PENDING, WatchOutcome.NOT_REACHED)
