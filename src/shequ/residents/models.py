"""Residents of households, their special-population tags and health status history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core import pii
from shequ.core.bitsets import ChoiceBits
from shequ.core.fields import BlindIndexedModel, BlindIndexField, EncryptedTextField


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class DocumentType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident ID card (居民身份证)")
    PASSPORT = "passport", _("Passport")
    OTHER = "other", _("Other document")


class Relation(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    GRANDPARENT = "grandparent", _("Grandparent")
    GRANDCHILD = "grandchild", _("Grandchild")
    SIBLING = "sibling", _("Sibling")
    OTHER = "other", _("Other")


class Occupancy(models.TextChoices):
    OWNER = "owner", _("Owner (住户)")
    RENTER = "renter", _("Renter (租户)")
    OTHER = "other", _("Other")


class Tag(models.TextChoices):
    """Special populations (重点人群). Stored as bits of Resident.tags, in this order."""

    ELDERLY_ALONE = "elderly_alone", _("Elderly living alone")
    CHRONIC_ILLNESS = "chronic_illness", _("Chronic or severe illness")
    DISABLED = "disabled", _("Disabled")
    IMMOBILE = "immobile", _("Immobile")
    PREGNANT = "pregnant", _("Pregnant")
    INFANT = "infant", _("Infant")
    FOREIGNER = "foreigner", _("Foreigner")
    RETURNEE = "returnee", _("Returnee")


TAG_SET = ChoiceBits(Tag)
TAG_BITS = TAG_SET.bits
tags_to_bits = TAG_SET.to_bits
bits_to_tags = TAG_SET.to_list

# The special populations checked on every day in lockdown and control zones (the watch list,
# docs/assistance.md) and shown as badges on the gate, station and missed lists.
WATCH_TAGS = (
    Tag.ELDERLY_ALONE,
    Tag.IMMOBILE,
    Tag.CHRONIC_ILLNESS,
    Tag.DISABLED,
    Tag.PREGNANT,
    Tag.INFANT,
)
WATCH_BITS = tags_to_bits(WATCH_TAGS)


def watch_tags(bits: int) -> list[str]:
    """The watch-list tags among `bits` (a Resident.tags value), in declaration order."""
    return bits_to_tags(bits & WATCH_BITS)


def watch_tag_strings() -> dict[str, str]:
    """Each watch tag's name in the active language, keyed "tag_<value>", for the scripts of
    the offline pages (gate, station) that show the tags from their cached lists."""
    return {f"tag_{t}": str(Tag(t).label) for t in WATCH_TAGS}


def watch_tag_labels(bits: int) -> list[str]:
    """The watch-list tags among `bits` by their names, in the active language."""
    return [str(Tag(t).label) for t in watch_tags(bits)]


class HealthStatus(models.TextChoices):
    NORMAL = "normal", _("Normal")
    HOME_MONITORING = "home_monitoring", _("Home health monitoring (居家健康监测)")
    HOME_ISOLATION = "home_isolation", _("Home isolation (居家隔离)")
    CENTRAL_ISOLATION = "central_isolation", _("Centralized isolation (集中隔离)")
    HOSPITAL = "hospital", _("In hospital")
    CLOSE_CONTACT = "close_contact", _("Close contact (密接)")
    SECONDARY_CONTACT = "secondary_contact", _("Secondary contact (次密接)")
    PENDING_RETEST = "pending_retest", _("Pending single-tube retest (待单管复核)")


def document_q(digests: list[str]) -> Q:
    """Residents with any of these document digests, whatever their document type: the unique
    (document_type, document_hmac) index answers it (one probe per type and digest), so the
    digest needs no index of its own, kept up to date on every insert."""
    return Q(document_type__in=DocumentType.values, document_hmac__any=digests)


class Resident(BlindIndexedModel):
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=8, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    document_type = models.CharField(
        _("document type"),
        max_length=16,
        choices=DocumentType.choices,
        default=DocumentType.RESIDENT_ID,
    )
    document_number = EncryptedTextField(_("document number"), normalize=pii.normalize_document)
    # Looked up through the unique (document_type, document_hmac) index: `document_q`.
    document_hmac = BlindIndexField(source="document_number", kind="document", db_index=False)
    phone = EncryptedTextField(_("phone"), normalize=pii.normalize_phone)
    phone_hmac = BlindIndexField(source="phone", kind="phone")
    # Indexed by (household, name) below, which serves every lookup by household.
    household = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="residents", db_index=False
    )
    relation = models.CharField(
        _("relation to head"), max_length=16, choices=Relation.choices, default=Relation.OTHER
    )
    occupancy = models.CharField(
        _("occupancy"), max_length=8, choices=Occupancy.choices, default=Occupancy.OWNER
    )
    tags = models.PositiveIntegerField(_("special populations"), default=0)
    notes = models.CharField(_("notes"), max_length=500, blank=True)
    health_status = models.CharField(
        _("health status"),
        max_length=20,
        choices=HealthStatus.choices,
        default=HealthStatus.NORMAL,
    )  # indexed by (health_status, household) below
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        ordering = ["household_id", "id"]
        indexes = [
            models.Index(fields=["name"]),
            models.Index(fields=["household", "name"]),
            # Who is in hospital / isolation, by household: the exempt of a testing round's
            # coverage (testing/counts.py), read from the index alone on PostgreSQL
            # (`include`; SQLite indexes the two fields). bench/README.md, "The HQ's today".
            models.Index(
                fields=["health_status", "household"],
                include=["id"],
                name="resident_status_household",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["document_type", "document_hmac"], name="one_resident_per_document"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tag_list(self) -> list[str]:
        return bits_to_tags(self.tags)

    def get_tag_labels(self) -> list[str]:
        return [str(Tag(t).label) for t in self.tag_list]

    @property
    def watch_tag_labels(self) -> list[str]:
        """Badges for the gate, station and missed lists (no query: the tags are a column)."""
        return watch_tag_labels(self.tags)


class StatusPeriod(models.Model):
    """One stretch of a health status: [starts_at, ended_at); ended_at NULL = current."""

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="status_periods")
    status = models.CharField(_("status"), max_length=20, choices=HealthStatus.choices)
    starts_at = models.DateTimeField(_("starts"))
    planned_end = models.DateField(_("planned end"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["resident"], condition=Q(ended_at__isnull=True), name="one_open_status"
            ),
            models.CheckConstraint(
                name="status_ends_after_start",
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("starts_at")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident} {self.status}"
