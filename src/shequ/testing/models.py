"""Mass testing (核酸检测): rounds over places, sampling sites and stations, pooled tubes and
the swabs in them, transfers to the lab (交接单), results, recalls of positive and invalid
pools, exemptions. Home sampling (上门采样) and door-to-door reminders for those missed (漏检) are
tasks of `outreach`'s campaigns; their words (`HomeReason`, the door `Outcome`) are here, and
testing asks for home visits through `signals.py`.

A resident is sampled at most once per round (retests of a recalled pool are separate: single
tubes flagged `retest`). Who is missed is never stored: it is the round's scope minus the
sampled minus the exempt, computed when asked (`selectors.missed`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from shequ.core.partial_unique import UniqueWhere


class PoolSize(models.IntegerChoices):
    SINGLE = 1, _("Single tube (单管)")
    FIVE = 5, _("5 to a tube (5混1)")
    TEN = 10, _("10 to a tube (10混1)")
    TWENTY = 20, _("20 to a tube (20混1)")


class RoundStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    RUNNING = "running", _("Running")
    FINISHED = "finished", _("Finished")


class Round(models.Model):
    """One round of mass testing over some places, in a date window."""

    name = models.CharField(_("name"), max_length=60)
    places = models.ManyToManyField("places.Place", related_name="+", verbose_name=_("scope"))
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    pool_size = models.PositiveSmallIntegerField(
        _("pool size"), choices=PoolSize.choices, default=PoolSize.TEN
    )
    status = models.CharField(
        _("status"), max_length=8, choices=RoundStatus.choices, default=RoundStatus.RUNNING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("testing round")
        ordering = ["-starts_on", "-id"]
        constraints = [
            models.CheckConstraint(
                name="round_ends_after_start", condition=Q(ends_on__gte=models.F("starts_on"))
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ExemptReason(models.TextChoices):
    HOSPITAL = "hospital", _("In hospital")
    CENTRAL_ISOLATION = "central_isolation", _("In centralized isolation")
    AWAY = "away", _("Away (with proof)")
    OTHER = "other", _("Other (with proof)")


class Exemption(models.Model):
    """A resident who need not be sampled in this round, and why."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="exemptions")
    resident = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=20, choices=ExemptReason.choices)
    proof = models.CharField(_("proof"), max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "resident"], name="one_exemption_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.resident_id} {self.reason}"


class Site(models.Model):
    """A sampling site (采样点) of a community; its staff come from the duty roster of `post`."""

    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=60)
    post = models.ForeignKey(
        "duty.Post", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["community", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="site_name_per_community")
        ]

    def __str__(self) -> str:
        return self.name


class Station(models.Model):
    """A table at a site where one operator scans tubes and people."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="stations")
    name = models.CharField(_("name"), max_length=30)

    class Meta:
        ordering = ["site", "name"]
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="station_name_per_site")
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.name}"


class TubeStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("tube status", "Open")
    CLOSED = "closed", pgettext_lazy("tube status", "Closed")
    SENT = "sent", pgettext_lazy("tube status", "Sent to the lab")
    RECEIVED = "received", pgettext_lazy("tube status", "Received by the lab")
    RESULTED = "resulted", pgettext_lazy("tube status", "Result in")


class TubeResult(models.TextChoices):
    PENDING = "", _("Pending")
    NEGATIVE = "negative", _("Negative")
    POSITIVE = "positive", _("Positive")
    INVALID = "invalid", _("Invalid sample")


class Transfer(models.Model):
    """A batch of closed tubes handed to the lab (交接单), counted on both sides."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="transfers")
    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    code = models.CharField(_("transfer number"), max_length=40)
    tube_count = models.PositiveIntegerField(_("tubes sent"))
    sent_at = models.DateTimeField(default=timezone.now)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    received_count = models.PositiveIntegerField(_("tubes received"), null=True, blank=True)
    discrepancy = models.CharField(_("discrepancy"), max_length=300, blank=True)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["round", "code"], name="transfer_code_per_round")
        ]

    def __str__(self) -> str:
        return self.code


class Tube(models.Model):
    """A sampling tube: opened by scanning its barcode, filled up to the pool size."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="tubes")
    barcode = models.CharField(_("barcode"), max_length=40)
    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, null=True, blank=True, related_name="tubes"
    )
    pool_size = models.PositiveSmallIntegerField(_("pool size"), choices=PoolSize.choices)
    retest = models.BooleanField(_("single-tube retest"), default=False)
    status = models.CharField(
        _("status"), max_length=8, choices=TubeStatus.choices, default=TubeStatus.OPEN
    )
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    transfer = models.ForeignKey(
        Transfer, on_delete=models.PROTECT, null=True, blank=True, related_name="tubes"
    )
    result = models.CharField(
        _("result"), max_length=8, choices=TubeResult.choices, blank=True, default=""
    )
    result_at = models.DateTimeField(null=True, blank=True)
    result_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["round", "opened_at", "id"]
        indexes = [
            models.Index(fields=["round", "status"]),
            models.Index(fields=["round", "community"]),
            # The day's positive pools (the HQ's today, the daily figures): few rows, found
            # by their time without reading a city's tubes.
            models.Index(
                fields=["result_at"], condition=Q(result="positive"), name="tube_positive_at"
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["round", "barcode"], name="tube_barcode_per_round")
        ]

    def __str__(self) -> str:
        return self.barcode


class Sample(models.Model):
    """One swab of one resident into one tube."""

    client_uuid = models.UUIDField(unique=True)
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="samples")
    tube = models.ForeignKey(Tube, on_delete=models.PROTECT, related_name="samples")
    resident = models.ForeignKey("residents.Resident", on_delete=models.PROTECT, related_name="+")
    retest = models.BooleanField(default=False)
    at_home = models.BooleanField(default=False)
    out_of_scope = models.BooleanField(default=False)
    sampled_at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["round", "resident"])]
        constraints = [
            # Once per round; a recalled pool's members are sampled again as retests.
            models.UniqueConstraint(
                fields=["round", "resident"],
                condition=Q(retest=False),
                name="one_sample_per_round",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tube_id}:{self.resident_id}"


# On PostgreSQL the samples are partitioned by month of `sampled_at` (testing 0007), and a
# partitioned table cannot keep the partial unique index above: the same rule is kept there
# by a side table of the (round, resident) first samples taken (core.partial_unique).
FIRST_SAMPLES = UniqueWhere(
    table="testing_sample",
    name="one_sample_per_round",
    columns=("round_id", "resident_id"),
    where="NOT retest",
)


# -- counts kept by the database (testing/counts.py): coverage and "sampled today" read a row
# per building or community instead of a million residents. Plain ids, no foreign keys: the
# triggers write them, and a deleted place or round leaves a row nobody reads.


class ResidentTally(models.Model):
    """Residents whose household hangs under this building (kept by triggers on residents
    and places)."""

    building_id = models.BigIntegerField(primary_key=True)
    residents = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.building_id}: {self.residents}"


class SampledTally(models.Model):
    """Residents of this building (now) with a first sample in the round (kept by triggers
    on samples, residents and places)."""

    round_id = models.BigIntegerField()
    building_id = models.BigIntegerField()
    sampled = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round_id", "building_id"], name="one_tally_per_building"
            )
        ]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.building_id}: {self.sampled}"


class DaySampled(models.Model):
    """Residents with a first sample in a tube of this community on this local day, each
    once (kept by the ingest: samples never change)."""

    community_id = models.BigIntegerField()
    day = models.DateField()
    sampled = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community_id", "day"], name="one_count_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.community_id} {self.day}: {self.sampled}"


class RecallKind(models.TextChoices):
    POSITIVE = "positive", _("Positive pool: single-tube retest")
    INVALID = "invalid", _("Invalid sample: sample again")


class Recall(models.Model):
    """The members of a positive or invalid tube, called back to be sampled again."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="recalls")
    tube = models.OneToOneField(Tube, on_delete=models.PROTECT, related_name="recall")
    kind = models.CharField(max_length=8, choices=RecallKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.tube_id}"


class HomeReason(models.TextChoices):
    """Why a resident is sampled at home (an outreach home-sampling task's `reason`)."""

    IMMOBILE = "immobile", _("Cannot go out (immobile)")
    ISOLATED = "isolated", _("In home isolation")
    RETEST = "retest", _("Single-tube retest after a positive pool")
    RESAMPLE = "resample", _("Sample again: invalid sample")
    MISSED = "missed", _("Missed at the site")


class Outcome(models.TextChoices):
    """What happened at a missed resident's door (kept in the visit's answers, `door`)."""

    REMINDED = "reminded", pgettext_lazy("door outcome", "Reminded")
    SAMPLED_HOME = "sampled_home", pgettext_lazy("door outcome", "Sampled at home")
    AWAY = "away", pgettext_lazy("door outcome", "Away")
    REFUSED = "refused", pgettext_lazy("door outcome", "Refused")
    NOT_FOUND = "not_found", pgettext_lazy("door outcome", "Not found")
