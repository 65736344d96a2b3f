"""Inspections (督导检查): a plan over an area with its checklist (items to ask, to check in the
records, to look at on site), visits to a community, a compound or other premises with a
finding per item, and rectification tasks with an owner, a deadline, follow-ups and closure."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Section(models.TextChoices):
    ASK = "ask", _("Ask")  # 问
    CHECK = "check", _("Check records")  # 查
    LOOK = "look", _("Look on site")  # 看


class Checklist(models.Model):
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="items")
    section = models.CharField(_("section"), max_length=8, choices=Section.choices)
    text = models.CharField(_("item"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["checklist", "position", "pk"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")

    def __str__(self) -> str:
        return self.text


class Plan(models.Model):
    """An inspection plan: which checklist, over which area (a district, street, …), when."""

    name = models.CharField(_("name"), max_length=100)
    checklist = models.ForeignKey(Checklist, on_delete=models.PROTECT, related_name="plans")
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-starts_on", "pk"]
        verbose_name = _("inspection plan")
        verbose_name_plural = _("inspection plans")

    def __str__(self) -> str:
        return self.name


class Premises(models.Model):
    """Premises other than a place of the tree: a shop, a market, a clinic."""

    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("premises")
        verbose_name_plural = _("premises")

    def __str__(self) -> str:
        return self.name


class Visit(models.Model):
    """One inspection on site: of a place (community or compound) or of premises in it."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="visits")
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    premises = models.ForeignKey(
        Premises, on_delete=models.PROTECT, null=True, blank=True, related_name="visits"
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    visited_at = models.DateTimeField(_("visited at"))
    notes = models.TextField(_("notes"), max_length=2000, blank=True)
    # The phone's id of a visit recorded offline and synced later (a resend is the same visit).
    client_uuid = models.UUIDField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-visited_at", "-pk"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")

    def __str__(self) -> str:
        return f"{self.target} {self.visited_at:%Y-%m-%d}"

    @property
    def target(self) -> str:
        return self.premises.name if self.premises else self.place.name


class Result(models.TextChoices):
    OK = "ok", _("In order")
    PROBLEM = "problem", _("Problem")


class Finding(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="findings")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(_("result"), max_length=8, choices=Result.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["item__position", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "item"], name="inspection_finding_once")
        ]

    def __str__(self) -> str:
        return f"{self.item} · {self.result}"


class FindingPhoto(models.Model):
    """A photo of a finding: checked to be a JPEG, PNG or WebP under the size cap, kept sealed
    under var/inspections, read back only through the visit's page (inspections/photos.py)."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="photos")
    path = models.CharField(max_length=64)
    content_type = models.CharField(max_length=20)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.path


class TaskStatus(models.TextChoices):
    OPEN = "open", _("To put right")
    REPORTED = "reported", _("Reported done")
    CLOSED = "closed", _("Closed off")


class Rectification(models.Model):
    """A task to put a problem right, by an owner (a user, or a person of the place's staff),
    by a deadline; the owner reports it done, an inspector closes it or sends it back."""

    visit = models.ForeignKey(Visit, on_delete=models.PROTECT, related_name="rectifications")
    finding = models.ForeignKey(
        Finding, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    what = models.CharField(_("what to put right"), max_length=500)
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    owner_staff = models.ForeignKey(
        "mobilization.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    deadline = models.DateField(_("deadline"))
    status = models.CharField(
        _("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # When the owner was told it is overdue (the periodic job tells them once).
    overdue_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return self.what

    @property
    def owner(self) -> str:
        if self.owner_staff_id:
            return self.owner_staff.name
        if self.owner_user_id:
            return self.owner_user.display_name or self.owner_user.username
        return ""


class FollowUpKind(models.TextChoices):
    NOTE = "note", _("Follow-up")
    REPORTED = "reported", _("Reported done")
    REOPENED = "reopened", _("Sent back")
    CLOSED = "closed", _("Closed off")


class FollowUp(models.Model):
    rectification = models.ForeignKey(
        Rectification, on_delete=models.CASCADE, related_name="follow_ups"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=FollowUpKind.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.note}"
