"""Checkpoints: entry passes (出入证) per household, each community's gate rules (versioned),
and the passage log (every passage through a gate, append-only).

A gate is a duty `Post` of kind checkpoint: the same post the roster staffs.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core import pii
from shequ.core.fields import EncryptedTextField


class PassStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    REVOKED = "revoked", _("Revoked")
    LOST = "lost", _("Reported lost")


class EntryPass(models.Model):
    """A household's entry pass. Reissuing it raises `version`: older printed copies fail."""

    community = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    household = models.OneToOneField(
        "places.Place",
        on_delete=models.PROTECT,
        related_name="entry_pass",
        verbose_name=_("household"),
    )
    holders = models.ManyToManyField(
        "residents.Resident", related_name="entry_passes", verbose_name=_("holders")
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(
        _("status"), max_length=8, choices=PassStatus.choices, default=PassStatus.ACTIVE
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("entry pass")
        verbose_name_plural = _("entry passes")
        ordering = ["household__path"]
        indexes = [models.Index(fields=["community", "status"])]
        constraints = [
            models.CheckConstraint(
                name="pass_valid_until_after_from",
                condition=Q(valid_until__gte=models.F("valid_from")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household} v{self.version}"


class GateRules(models.Model):
    """One version of a community's gate rules; the highest version is in force."""

    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()
    rules = models.JSONField(default=dict)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["community", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["community", "version"], name="gate_rules_version")
        ]

    def __str__(self) -> str:
        return f"{self.community} v{self.version}"


class Direction(models.TextChoices):
    IN = "in", _("In")
    OUT = "out", _("Out")


class Subject(models.TextChoices):
    RESIDENT = "resident", _("Resident")
    VISITOR = "visitor", _("Visitor")
    VEHICLE = "vehicle", _("Vehicle")


class HealthCode(models.TextChoices):
    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")
    NOT_SEEN = "", _("Not checked")


class Decision(models.TextChoices):
    ALLOW = "allow", _("Allow")
    REFUSE = "refuse", _("Refuse")


class AppendOnly(DjangoValidationError):
    pass


class PassageQuerySet(models.QuerySet["Passage"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnly(_("The passage log is append-only: record a correction instead."))

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnly(_("The passage log is append-only: record a correction instead."))


class Passage(models.Model):
    """One person or vehicle through one gate, as the gate saw it and as the server decided.

    Append-only: a correction is a new row whose `corrects` names the row it replaces. The
    ORM refuses updates and deletes; the database refuses updates too (a trigger, see the
    migration), and deletes on PostgreSQL.
    """

    client_uuid = models.UUIDField(unique=True)
    # No single-column indexes on these four: the composite indexes below start with them.
    gate = models.ForeignKey(
        "duty.Post", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    community = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    device_time = models.DateTimeField(_("time at the gate"))
    server_time = models.DateTimeField(_("time received"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    subject = models.CharField(_("who"), max_length=8, choices=Subject.choices)
    resident = models.ForeignKey(
        "residents.Resident",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    entry_pass = models.ForeignKey(
        EntryPass,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="passages",
        db_index=False,
    )
    pass_version = models.PositiveIntegerField(null=True, blank=True)
    visitor_name = models.CharField(_("visitor"), max_length=50, blank=True)
    visitor_phone = EncryptedTextField(_("visitor's phone"), normalize=pii.normalize_phone)
    plate = models.CharField(_("plate"), max_length=16, blank=True)
    temperature = models.FloatField(_("temperature"), null=True, blank=True)
    health_code = models.CharField(
        _("health code"), max_length=6, choices=HealthCode.choices, blank=True
    )
    travel_star = models.BooleanField(_("travel code star"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=6, choices=Decision.choices)
    reasons = models.JSONField(default=list)
    alert = models.BooleanField(default=False)
    device_decision = models.CharField(max_length=6, choices=Decision.choices, blank=True)
    disagrees = models.BooleanField(default=False)
    rules_version = models.PositiveIntegerField(default=0)
    # No foreign key in the database: the log is partitioned by month on PostgreSQL
    # (core.partitions), and a key cannot point at a partitioned table. The ingest only
    # names a passage it found (by client UUID), and passages are never deleted but by the
    # retention purge, which takes a correction before the passage it corrects.
    corrects = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        db_constraint=False,
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    objects = PassageQuerySet.as_manager()

    class Meta:
        verbose_name = _("passage")
        verbose_name_plural = _("passages")
        ordering = ["-device_time", "-id"]
        indexes = [
            models.Index(fields=["community", "device_time"]),
            models.Index(fields=["gate", "device_time"]),
            models.Index(fields=["resident", "device_time"]),
            models.Index(fields=["entry_pass", "direction", "device_time"]),
        ]
        constraints = [
            models.CheckConstraint(
                name="passage_visitor_has_name",
                condition=~Q(subject="visitor") | ~Q(visitor_name=""),
            ),
            models.CheckConstraint(
                name="passage_vehicle_has_plate", condition=~Q(subject="vehicle") | ~Q(plate="")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gate_id} {self.direction} {self.device_time:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnly(_("The passage log is append-only: record a correction instead."))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnly(_("The passage log is append-only: record a correction instead."))
