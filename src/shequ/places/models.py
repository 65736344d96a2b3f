"""The place tree (city → … → household) and zone designations on compounds and buildings."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PlaceKind(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community")
    GRID = "grid", _("Grid")
    COMPOUND = "compound", _("Compound")
    BUILDING = "building", _("Building")
    HOUSEHOLD = "household", _("Household")


# Each kind's parent kind: the tree is strict, so scopes and roll-ups can rely on depth.
PARENT_KIND: dict[str, str | None] = {
    PlaceKind.CITY: None,
    PlaceKind.DISTRICT: PlaceKind.CITY,
    PlaceKind.STREET: PlaceKind.DISTRICT,
    PlaceKind.COMMUNITY: PlaceKind.STREET,
    PlaceKind.GRID: PlaceKind.COMMUNITY,
    PlaceKind.COMPOUND: PlaceKind.GRID,
    PlaceKind.BUILDING: PlaceKind.COMPOUND,
    PlaceKind.HOUSEHOLD: PlaceKind.BUILDING,
}
KIND_ORDER = list(PARENT_KIND)
ZONABLE_KINDS = (PlaceKind.COMPOUND, PlaceKind.BUILDING)


class LevelWord(models.TextChoices):
    """The word a level goes by when it is not its kind's usual one: a town (镇) or township
    (乡) is a street's level, a village (村) a community's, a courtyard (院落) a compound's.
    Empty: the kind's own word (街道, 社区, 小区)."""

    TOWN = "town", _("Town")
    TOWNSHIP = "township", _("Township")
    VILLAGE = "village", _("Village")
    COURTYARD = "courtyard", _("Courtyard")


# Which words each kind may go by (besides its own).
KIND_WORDS: dict[str, tuple[str, ...]] = {
    PlaceKind.STREET: (LevelWord.TOWN, LevelWord.TOWNSHIP),
    PlaceKind.COMMUNITY: (LevelWord.VILLAGE,),
    PlaceKind.COMPOUND: (LevelWord.COURTYARD,),
}


class Place(models.Model):
    kind = models.CharField(_("kind"), max_length=16, choices=PlaceKind.choices, db_index=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    # Materialized path of ids, '/1/7/42/': a subtree is one indexed prefix match.
    path = models.CharField(max_length=255, db_index=True, editable=False)
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    no_property_management = models.BooleanField(
        _("no property management (无主管庭院)"),
        default=False,
        help_text=_("Compounds with nobody managing them need more hands at the gate."),
    )
    # A household's unit (单元) in its building: part of its identity, name and code (see
    # places/households.py). Empty for buildings without units and for every other kind.
    unit = models.CharField(_("unit (单元)"), max_length=10, blank=True, default="")
    # What the UI calls this place's level when not its kind's own word: 镇 and 乡 (streets),
    # 村 (communities), 院落 (compounds). Same level, same rules; only the word differs.
    level_word = models.CharField(
        _("level word"), max_length=16, choices=LevelWord.choices, blank=True, default=""
    )

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["path"]
        indexes = [
            models.Index(fields=["parent", "kind", "code"]),
            models.Index(fields=["kind", "name"]),
        ]
        constraints = [
            models.CheckConstraint(
                name="only_compounds_lack_property_management",
                condition=Q(no_property_management=False) | Q(kind=PlaceKind.COMPOUND),
            ),
            models.CheckConstraint(
                name="only_the_city_has_no_parent",
                condition=Q(parent__isnull=False) | Q(kind=PlaceKind.CITY),
            ),
            models.CheckConstraint(
                name="level_word_fits_the_kind",
                condition=Q(level_word="")
                | Q(kind=PlaceKind.STREET, level_word__in=["town", "township"])
                | Q(kind=PlaceKind.COMMUNITY, level_word="village")
                | Q(kind=PlaceKind.COMPOUND, level_word="courtyard"),
            ),
            models.CheckConstraint(
                name="only_households_have_units",
                condition=Q(unit="") | Q(kind=PlaceKind.HOUSEHOLD),
            ),
            # Flat 801 of unit 1 and flat 801 of unit 3 are two households, never one.
            models.UniqueConstraint(
                fields=["parent", "unit", "name"],
                condition=Q(kind=PlaceKind.HOUSEHOLD),
                name="one_household_per_unit_and_room",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def level_label(self) -> str:
        """The word for this place's level as people say it: 镇 for a town, 村 for a village,
        else the kind's own (街道, 社区, …). Use it wherever a page names a place's level."""
        if self.level_word:
            return str(LevelWord(self.level_word).label)
        return str(self.get_kind_display())

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/")[:-1] if part]


class HouseholdManager(models.Manager["Household"]):
    def get_queryset(self) -> models.QuerySet[Household]:
        return super().get_queryset().filter(kind=PlaceKind.HOUSEHOLD)


class Household(Place):
    """A household is the leaf place: residents (issue #4) point here."""

    objects = HouseholdManager()

    class Meta:
        proxy = True
        verbose_name = _("household")
        verbose_name_plural = _("households")


class ZoneLevel(models.TextChoices):
    # Ordered from strictest: a household under two designations takes the strictest.
    LOCKDOWN = "lockdown", _("Lockdown zone (封控区)")
    CONTROL = "control", _("Control zone (管控区)")
    PRECAUTION = "precaution", _("Precaution zone (防范区)")


ZONE_STRICTNESS = {ZoneLevel.LOCKDOWN: 3, ZoneLevel.CONTROL: 2, ZoneLevel.PRECAUTION: 1}


class ZoneDesignation(models.Model):
    """A zone over a compound or building for [starts_at, ends_at); ends_at NULL = until lifted."""

    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="zone_designations")
    level = models.CharField(_("zone"), max_length=16, choices=ZoneLevel.choices)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("zone designation")
        verbose_name_plural = _("zone designations")
        ordering = ["-starts_at", "-id"]
        indexes = [models.Index(fields=["place", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                name="zone_ends_after_it_starts",
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=models.F("starts_at")),
            ),
            # At most one open-ended designation per place; the service also refuses overlaps.
            models.UniqueConstraint(
                fields=["place"], condition=Q(ends_at__isnull=True), name="one_open_zone_per_place"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.place} {self.get_level_display()}"

    def is_active_at(self, when: datetime.datetime) -> bool:
        return self.starts_at <= when and (self.ends_at is None or when < self.ends_at)
