"""Disinfection and patrol logs (巡查消杀, issue #21 part 3): areas to clean and disinfect on a
schedule, the rounds cadres record there, the slots found missed (told once), and what cadres
find on patrol with its follow-up."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AreaKind(models.TextChoices):
    STAIRWELL = "stairwell", _("Stairwell")
    GATE = "gate", _("Gate")
    LIFT = "lift", _("Lift")
    RUBBISH = "rubbish", _("Rubbish point")
    VEHICLE = "vehicle", _("Vehicle")
    OTHER = "other", _("Other")


class Area(models.Model):
    """A place to clean and disinfect on a schedule: the local times of day of its rounds
    (`times`, minutes after midnight, ascending), each done within ± `tolerance` minutes."""

    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    # The community the place lies in (or is): scope, the checklist and who is told.
    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=AreaKind.choices)
    name = models.CharField(_("name"), max_length=80)
    times = models.JSONField(default=list)  # [480, 960]: 08:00 and 16:00 local
    every_hours = models.PositiveSmallIntegerField(null=True, blank=True)  # how it was set
    tolerance = models.PositiveSmallIntegerField(default=60)  # minutes either side
    position = models.PositiveIntegerField(default=0)  # walking order on the checklist
    # The agent used, drawn from this warehouse's stock (supplies) when both are set.
    agent = models.ForeignKey(
        "supplies.Item", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    warehouse = models.ForeignKey(
        "supplies.Warehouse", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dose = models.PositiveIntegerField(default=0)  # units a round usually uses
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["community", "active", "position"])]
        constraints = [
            models.UniqueConstraint(fields=["place", "name"], name="patrols_area_name_per_place"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def times_text(self) -> str:
        from shequ.patrols.schedule import show_times

        return show_times(self.times)


class Round(models.Model):
    """One round of cleaning and disinfecting an area, recorded on a cadre's phone."""

    client_uuid = models.UUIDField(unique=True)
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="rounds")
    done_at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    agent = models.ForeignKey(
        "supplies.Item", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    quantity = models.PositiveIntegerField(default=0)  # units of the agent used
    drawn = models.PositiveIntegerField(default=0)  # of them issued from the warehouse's stock
    note = models.CharField(_("note"), max_length=200, blank=True)
    photo = models.CharField(max_length=64, blank=True)  # sealed name (core.photos)
    photo_type = models.CharField(max_length=20, blank=True)
    recorded_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["area", "done_at"])]

    def __str__(self) -> str:
        return f"{self.area_id} @ {self.done_at:%Y-%m-%d %H:%M}"


class MissedSlot(models.Model):
    """A due slot found with no round in its window: the row is the claim, so the community's
    staff are told once per slot however often the job runs."""

    area = models.ForeignKey(Area, on_delete=models.CASCADE, related_name="missed")
    slot_at = models.DateTimeField()
    found_at = models.DateTimeField()
    told_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["area", "slot_at"], name="patrols_missed_once"),
        ]

    def __str__(self) -> str:
        return f"{self.area_id} missed {self.slot_at:%Y-%m-%d %H:%M}"


class FindingKind(models.TextChoices):
    SHOP_OPEN = "shop_open", _("Shop open against the rules")
    CROWD = "crowd", _("Crowd gathering")
    NO_MASK = "no_mask", _("No mask")
    OTHER = "other", _("Other")


class Finding(models.Model):
    """What a cadre found on patrol, at a place (and, in words, which shop or spot), with
    its follow-up: who puts it right by when, and when it was resolved, with a note."""

    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    spot = models.CharField(_("shop or spot"), max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=FindingKind.choices)
    note = models.CharField(_("what was seen"), max_length=500)
    found_at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    photo = models.CharField(max_length=64, blank=True)
    photo_type = models.CharField(max_length=20, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    due_on = models.DateField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolution = models.CharField(_("how it was resolved"), max_length=500, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["community", "found_at"]),
            models.Index(fields=["resolved_at", "due_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | ~Q(resolution=""),
                name="patrols_resolved_with_a_note",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.spot or self.place_id}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None
