"""Door-to-door campaigns (入户): one mechanism for every walk from door to door.

A campaign belongs to one community and covers some of its compounds or buildings; its
questions are data (outreach/questions.py validates them). Creating the campaign's tasks makes
one task per household (or per resident) in scope, never two. Buildings are assigned to a team
or a cadre; the people on that team (or that cadre) and the community's staff record outcomes.
Each outcome is a `Visit` (history); the task keeps the latest state. Answers that touch the
registry (a new arrival, a returnee) become `Proposal`s that staff confirm or reject.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shequ.core import pii
from shequ.core.fields import EncryptedTextField


class CampaignKind(models.TextChoices):
    SCREENING = "screening", _("Household screening (入户排查)")
    VACCINATION = "vaccination", _("Vaccination drive")
    NOTICE = "notice", _("Notice delivery")
    MISSED_TEST = "missed_test", _("Missed test follow-up")
    HOME_SAMPLING = "home_sampling", _("Home sampling")
    OTHER = "other", _("Other")


class CampaignUnit(models.TextChoices):
    HOUSEHOLD = "household", _("Per household")
    RESIDENT = "resident", _("Per resident")


class CampaignStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Under way")
    CLOSED = "closed", _("Closed")


class Campaign(models.Model):
    """A door-to-door drive in one community (a street-wide drive is one per community)."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=CampaignKind.choices)
    unit = models.CharField(
        _("one task"), max_length=10, choices=CampaignUnit.choices, default=CampaignUnit.HOUSEHOLD
    )
    community = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    # Compounds or buildings within the community; empty = the whole community.
    places = models.ManyToManyField(
        "places.Place", related_name="+", blank=True, verbose_name=_("scope")
    )
    # [{"key", "label", "type", "choices", "required"}, …] — see outreach/questions.py.
    questions = models.JSONField(_("questions"), default=list, blank=True)
    round = models.ForeignKey(
        "testing.Round",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("testing round"),
    )
    status = models.CharField(
        _("status"), max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        indexes = [
            models.Index(fields=["community", "status"]),
            models.Index(fields=["kind", "round"]),
        ]

    def __str__(self) -> str:
        return self.name


class Assignment(models.Model):
    """A building of a campaign given to a team or to one cadre (exactly one of the two)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="assignments")
    building = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    team = models.ForeignKey(
        "mobilization.Team", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cadre = models.ForeignKey(
        "mobilization.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned at"))

    class Meta:
        ordering = ["campaign", "building__path"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "building"], name="outreach_one_assignment_per_building"
            ),
            models.CheckConstraint(
                name="outreach_assignment_team_xor_cadre",
                condition=Q(team__isnull=False, cadre__isnull=True)
                | Q(team__isnull=True, cadre__isnull=False),
            ),
        ]
        indexes = [models.Index(fields=["team"]), models.Index(fields=["cadre"])]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.building}"


class TaskStatus(models.TextChoices):
    OPEN = "open", _("To visit")
    DONE = "done", _("Done")
    NOBODY_HOME = "nobody_home", _("Nobody home")
    REFUSED = "refused", _("Refused to answer")
    MOVED = "moved", _("Moved away")
    CANCELLED = "cancelled", _("Cancelled")


# The outcomes a visit can record (cancelling is staff's, not a door's).
OUTCOMES = (TaskStatus.DONE, TaskStatus.NOBODY_HOME, TaskStatus.REFUSED, TaskStatus.MOVED)
# Statuses that still need a knock: never visited, or nobody was home (revisit).
PENDING = (TaskStatus.OPEN, TaskStatus.NOBODY_HOME)


class Task(models.Model):
    """One door (household) or one person (resident) to visit in a campaign."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tasks")
    building = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey(
        "residents.Resident", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # Walking order in the building: unit, floor, room (from the household's address).
    unit = models.CharField(_("unit (单元)"), max_length=10, blank=True, default="")
    floor = models.SmallIntegerField(_("floor"), default=0)
    room = models.CharField(_("room"), max_length=20, blank=True, default="")
    status = models.CharField(
        _("status"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.OPEN
    )
    # Visits that found nobody home (revisits).
    visits = models.PositiveSmallIntegerField(_("nobody-home visits"), default=0)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    # Free fields other uses need: e.g. why home sampling, a sample code.
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    ref = models.CharField(_("reference"), max_length=64, blank=True)
    updated_at = models.DateTimeField(_("updated at"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["campaign", "building", "unit", "floor", "room", "pk"]
        verbose_name = _("door task")
        verbose_name_plural = _("door tasks")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "household"],
                condition=Q(resident__isnull=True),
                name="outreach_one_task_per_household",
            ),
            models.UniqueConstraint(
                fields=["campaign", "resident"],
                condition=Q(resident__isnull=False),
                name="outreach_one_task_per_resident",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "building", "unit", "floor", "room"]),
            models.Index(fields=["campaign", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.household}"


class Visit(models.Model):
    """One knock at the door: its outcome and the answers given (history of a task)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="history")
    outcome = models.CharField(_("outcome"), max_length=12, choices=TaskStatus.choices)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"))
    # The phone's id of an outcome recorded offline (a resend is the same visit, not a second).
    client_uuid = models.UUIDField(null=True, blank=True, unique=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("door visit")
        verbose_name_plural = _("door visits")

    def __str__(self) -> str:
        return f"{self.task} · {self.outcome}"


class ProposalKind(models.TextChoices):
    NEW_ARRIVAL = "new_arrival", _("New arrival")
    RETURNEE = "returnee", _("Returnee")


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("To confirm")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")


class Proposal(models.Model):
    """A registry change found at a door, for staff to confirm or reject: a new arrival to
    register as a resident, or a returnee to tag with a proposed health-monitoring status."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="proposals")
    visit = models.ForeignKey(
        Visit, on_delete=models.SET_NULL, null=True, blank=True, related_name="proposals"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ProposalKind.choices)
    household = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    # The resident concerned: a returnee's, or the new arrival's once confirmed.
    resident = models.ForeignKey(
        "residents.Resident", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=50, blank=True)
    document_number = EncryptedTextField(_("document number"), normalize=pii.normalize_document)
    phone = EncryptedTextField(_("phone"), normalize=pii.normalize_phone)
    came_from = models.CharField(_("came from"), max_length=100, blank=True)
    arrived_on = models.DateField(_("arrived on"), null=True, blank=True)
    proposed_status = models.CharField(_("proposed health status"), max_length=20, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED
    )
    created_at = models.DateTimeField(_("created at"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("registry proposal")
        verbose_name_plural = _("registry proposals")
        indexes = [models.Index(fields=["status", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.name}"
