"""A community's daily report, its figures (compiled and as corrected), every correction,
and an agency's own daily report."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")


class DailyReport(models.Model):
    """One community's report for one local day."""

    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFT
    )
    compiled_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    difficulties = models.TextField(_("difficulties"), max_length=2000, blank=True)
    needs = models.TextField(_("needs"), max_length=2000, blank=True)
    good_practice = models.TextField(_("good practice"), max_length=2000, blank=True)

    class Meta:
        ordering = ["-day", "community"]
        indexes = [models.Index(fields=["day", "status"])]
        constraints = [
            models.UniqueConstraint(fields=["community", "day"], name="one_report_per_day"),
            models.CheckConstraint(
                name="submitted_report_has_time",
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.community_id} {self.day}"


class ReportFigure(models.Model):
    """One figure of a report: `compiled_value` as the source said at the last compile,
    `value` as the community stands by it (the same unless corrected)."""

    report = models.ForeignKey(DailyReport, on_delete=models.CASCADE, related_name="figures")
    key = models.CharField(max_length=40)
    value = models.IntegerField()
    compiled_value = models.IntegerField()
    corrected = models.BooleanField(default=False)

    class Meta:
        ordering = ["report", "id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "key"], name="one_figure_per_key"),
        ]

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


class FigureCorrection(models.Model):
    """A figure changed by hand: from what, to what, why, by whom (the history is kept)."""

    figure = models.ForeignKey(ReportFigure, on_delete=models.CASCADE, related_name="corrections")
    old_value = models.IntegerField()
    new_value = models.IntegerField()
    reason = models.CharField(_("reason"), max_length=200)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(name="correction_has_reason", condition=~Q(reason="")),
        ]

    def __str__(self) -> str:
        return f"{self.old_value}→{self.new_value}"


class AgencyDailyReport(models.Model):
    """An agency's own report for one day: staff deployed, where, hours, health."""

    agency = models.ForeignKey("mobilization.Agency", on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    deployed = models.PositiveIntegerField(_("staff deployed"), default=0)
    hours = models.PositiveIntegerField(_("hours worked"), default=0)
    unwell = models.PositiveIntegerField(_("staff unwell"), default=0)
    where = models.TextField(_("where they are deployed"), max_length=2000, blank=True)
    notes = models.TextField(_("difficulties and needs"), max_length=2000, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day", "agency"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "day"], name="one_agency_report_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.day}"


class CompileRun(models.Model):
    """The set-hour compile of one day has run (so the worker runs it once a day)."""

    day = models.DateField(unique=True)
    ran_at = models.DateTimeField(default=timezone.now)
    reports = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}"


class FileFormat(models.TextChoices):
    PDF = "pdf", _("PDF")
    XLSX = "xlsx", _("Excel")


class ReportSubscription(models.Model):
    """A user who wants the daily report (a community's) or the roll-up (a street's,
    district's or city's) of a place in their inbox each day, as PDF or Excel. `last_day` is
    the last day delivered: a day is delivered once, however many workers run."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_subscriptions"
    )
    place = models.ForeignKey("places.Place", on_delete=models.CASCADE, related_name="+")
    format = models.CharField(
        _("format"), max_length=4, choices=FileFormat.choices, default=FileFormat.PDF
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_day = models.DateField(_("last delivered"), null=True, blank=True)

    class Meta:
        ordering = ["user", "place"]
        constraints = [
            models.UniqueConstraint(fields=["user", "place"], name="one_subscription_per_place"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.place_id} {self.format}"
