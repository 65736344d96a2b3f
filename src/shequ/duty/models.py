"""Duty: posts and their shifts, what each shift needs, the community's rules, rosters,
attendance, swaps and sick reports, urgent calls.

A duty day is a local (city) date; a shift belongs to the day it starts on: the 20:00 night
shift of 11-30 runs into 12-01, and a 00:00 night shift of 11-30 starts at 11-30 00:00.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

NIGHT_START, NIGHT_END = 22 * 60, 6 * 60  # a shift touching 22:00–06:00 is a night shift


def new_token() -> str:
    return secrets.token_urlsafe(16)


class PostKind(models.TextChoices):
    CHECKPOINT = "checkpoint", _("Checkpoint")
    SAMPLING = "sampling", _("Sampling site")
    PATROL = "patrol", _("Patrol / door-to-door grid")
    WAREHOUSE = "warehouse", _("Warehouse")
    HOTLINE = "hotline", _("Hotline")
    OTHER = "other", _("Other")


class Post(models.Model):
    """A place someone must be: a gate, a sampling site, a grid patrol, a warehouse, a hotline."""

    community = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("community")
    )
    # The community itself or a compound in it (where the gate is).
    place = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, related_name="+", verbose_name=_("place")
    )
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=12, choices=PostKind.choices)
    opens = models.TimeField(_("opens"), default=dt.time(0, 0))
    closes = models.TimeField(_("closes"), default=dt.time(0, 0))  # equal to opens: 24 h
    active = models.BooleanField(_("active"), default=True)
    # The post's QR code carries this token: scanning it checks the scanner in here.
    token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["community", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="post_name_per_community")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def all_day(self) -> bool:
        return self.opens == self.closes


class Shift(models.Model):
    """A shift of a post, the same every day: 早班 08:00 for 8 h, 夜班 00:00 for 8 h, …"""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="shifts")
    name = models.CharField(_("name"), max_length=30)
    starts = models.TimeField(_("starts"))
    minutes = models.PositiveSmallIntegerField(
        _("length (minutes)"), validators=[MinValueValidator(30), MaxValueValidator(24 * 60)]
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["post", "position", "starts"]
        constraints = [
            models.UniqueConstraint(fields=["post", "name"], name="shift_name_per_post"),
            models.CheckConstraint(
                name="shift_length_30min_to_24h",
                condition=Q(minutes__gte=30) & Q(minutes__lte=24 * 60),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.post} · {self.name}"

    @property
    def start_minute(self) -> int:
        return self.starts.hour * 60 + self.starts.minute

    @property
    def ends(self) -> dt.time:
        end = (self.start_minute + self.minutes) % (24 * 60)
        return dt.time(end // 60, end % 60)

    @property
    def is_night(self) -> bool:
        """Touches 22:00–06:00 on either side of midnight."""
        start, end = self.start_minute, self.start_minute + self.minutes
        nights = ((NIGHT_START - 1440, NIGHT_END), (NIGHT_START, NIGHT_END + 1440))
        return any(start < b and a < end for a, b in nights) or end > NIGHT_START + 1440

    def hours_label(self) -> str:
        return f"{self.starts:%H:%M}–{self.ends:%H:%M}"


class RequirementRule(models.TextChoices):
    """Extra rules a requirement may carry, as data (the solver and checker know each one)."""

    NOT_ONLY_WOMEN_AT_NIGHT = "not_only_women_at_night", _("Not only women on a night shift")


class ShiftRequirement(models.Model):
    """What a shift needs: every day (`day` empty) or on one day, overriding the default."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="requirements")
    day = models.DateField(_("day"), null=True, blank=True)
    min_people = models.PositiveSmallIntegerField(_("at least"), default=1)
    max_people = models.PositiveSmallIntegerField(_("at most"), default=1)
    party_member = models.BooleanField(_("at least one party member (党员先锋岗)"), default=False)
    skills = models.PositiveIntegerField(_("required skills"), default=0)
    rules = models.JSONField(_("rules"), default=list, blank=True)

    class Meta:
        ordering = ["shift", "day"]
        constraints = [
            models.UniqueConstraint(
                fields=["shift"], condition=Q(day__isnull=True), name="one_default_requirement"
            ),
            models.UniqueConstraint(
                fields=["shift", "day"],
                condition=Q(day__isnull=False),
                name="one_requirement_a_day",
            ),
            models.CheckConstraint(
                name="requirement_min_le_max", condition=Q(min_people__lte=models.F("max_people"))
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shift} {self.day or '*'}: {self.min_people}-{self.max_people}"


class DutyRules(models.Model):
    """A community's hard limits for everyone on its roster."""

    community = models.OneToOneField(
        "places.Place", on_delete=models.PROTECT, related_name="duty_rules"
    )
    max_hours_per_day = models.PositiveSmallIntegerField(
        _("max hours a day"), default=12, validators=[MinValueValidator(1), MaxValueValidator(24)]
    )
    min_rest_hours = models.PositiveSmallIntegerField(
        _("min rest between shifts (hours)"), default=11, validators=[MaxValueValidator(48)]
    )
    max_consecutive_days = models.PositiveSmallIntegerField(
        _("max days in a row"), default=6, validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    max_shifts_per_week = models.PositiveSmallIntegerField(
        _("max shifts in 7 days"), default=6, validators=[MinValueValidator(1)]
    )
    min_days_off_per_week = models.PositiveSmallIntegerField(
        _("days off in 7 days"), default=1, validators=[MaxValueValidator(6)]
    )
    late_after_minutes = models.PositiveSmallIntegerField(_("late after (minutes)"), default=15)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name_plural = "duty rules"

    def __str__(self) -> str:
        return f"{self.community}"


class RequestKind(models.TextChoices):
    UNAVAILABLE = "unavailable", _("Can't work that day")
    PREFER = "prefer", _("Would like this shift")
    AVOID = "avoid", _("Would rather not work this shift")


class DutyRequest(models.Model):
    """A person's availability or wish for one day (optionally one shift)."""

    staff = models.ForeignKey(
        "mobilization.Staff", on_delete=models.CASCADE, related_name="duty_requests"
    )
    day = models.DateField(_("day"))
    kind = models.CharField(_("kind"), max_length=12, choices=RequestKind.choices)
    shift = models.ForeignKey(
        Shift, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["day"]
        indexes = [models.Index(fields=["staff", "day"])]

    def __str__(self) -> str:
        return f"{self.staff} {self.day} {self.kind}"


class RosterStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")
    DISCARDED = "discarded", _("Discarded")


class Roster(models.Model):
    """Who works which shift of which post on which day, for a community or a street."""

    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField(_("from"))
    days = models.PositiveSmallIntegerField(
        _("days"), validators=[MinValueValidator(1), MaxValueValidator(28)]
    )
    status = models.CharField(max_length=12, choices=RosterStatus.choices, default="draft")
    # A re-plan points at the roster it revises.
    based_on = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="revisions"
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    solver_status = models.CharField(max_length=12, blank=True)
    objective = models.IntegerField(null=True, blank=True)
    seconds = models.FloatField(default=0)
    changes = models.PositiveIntegerField(default=0)
    explanation = models.JSONField(default=list)  # [{"code":..., "message":..., ...}]
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["place", "status", "starts_on"])]

    def __str__(self) -> str:
        return f"{self.place} {self.starts_on:%m-%d} +{self.days}"

    @property
    def ends_on(self) -> dt.date:
        return self.starts_on + dt.timedelta(days=self.days - 1)

    def day_list(self) -> list[dt.date]:
        return [self.starts_on + dt.timedelta(days=i) for i in range(self.days)]


class RosterJobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for the solver")
    SOLVING = "solving", _("Solving")
    DONE = "done", _("Done")
    FAILED = "failed", _("Could not be made")


class RosterJob(models.Model):
    """A roster being made in the background (the task queue): its progress for the page."""

    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField(_("from"))
    days = models.PositiveSmallIntegerField(_("days"))
    status = models.CharField(
        max_length=12, choices=RosterJobStatus.choices, default=RosterJobStatus.QUEUED
    )
    percent = models.PositiveSmallIntegerField(default=0)
    message = models.CharField(max_length=300, blank=True)
    seconds = models.FloatField(default=0)  # the solver's time limit
    roster = models.ForeignKey(
        Roster, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Written by the worker at every step of the solve: silent for long, it is taken for dead
    # (planning/jobs.py, fail_dead_roster_jobs).
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # The first complete roster that breaks no rule (the greedy one), shown while it improves.
    draft_objective = models.IntegerField(null=True, blank=True)
    draft_short = models.IntegerField(null=True, blank=True)  # person-shifts nobody covers
    draft_seconds = models.FloatField(null=True, blank=True)  # when it was there

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self) -> str:
        return f"{self.place} {self.starts_on:%m-%d} +{self.days} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (RosterJobStatus.DONE, RosterJobStatus.FAILED)


class Assignment(models.Model):
    """One person on one shift of one day in a roster."""

    roster = models.ForeignKey(Roster, on_delete=models.CASCADE, related_name="assignments")
    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="assignments")
    day = models.DateField()
    staff = models.ForeignKey(
        "mobilization.Staff", on_delete=models.PROTECT, related_name="duty_assignments"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    is_leader = models.BooleanField(_("shift leader"), default=False)
    # Set when an approved sick report takes the person off (the row stays for the record).
    vacated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["day", "shift", "staff"]
        indexes = [
            models.Index(fields=["staff", "starts_at"]),
            models.Index(fields=["roster", "day"]),
        ]
        constraints = [
            # A person taken off sick may be put back on the same shift later.
            models.UniqueConstraint(
                fields=["roster", "shift", "day", "staff"],
                condition=Q(vacated_at__isnull=True),
                name="one_assignment_per_slot",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.shift} {self.staff}"


class AttendanceSource(models.TextChoices):
    QR = "qr", _("Scanned the post's QR")
    APP = "app", _("Tapped in the app")
    MANUAL = "manual", _("Entered by the shift leader")


class Attendance(models.Model):
    """A person's presence at a post: checked in, later checked out; hours from the two."""

    staff = models.ForeignKey(
        "mobilization.Staff", on_delete=models.PROTECT, related_name="attendances"
    )
    post = models.ForeignKey(Post, on_delete=models.PROTECT, related_name="attendances")
    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    assignment = models.ForeignKey(
        Assignment, on_delete=models.SET_NULL, null=True, blank=True, related_name="attendances"
    )
    day = models.DateField(db_index=True)  # the duty day (local)
    check_in_at = models.DateTimeField()
    check_out_at = models.DateTimeField(null=True, blank=True)
    in_source = models.CharField(max_length=8, choices=AttendanceSource.choices)
    out_source = models.CharField(max_length=8, choices=AttendanceSource.choices, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)  # manual entries
    late_minutes = models.PositiveIntegerField(default=0)
    minutes = models.PositiveIntegerField(null=True, blank=True)  # set at check-out
    overtime = models.BooleanField(default=False)  # more than the community's hours a day
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-check_in_at"]
        indexes = [models.Index(fields=["community", "day"]), models.Index(fields=["staff", "day"])]
        constraints = [
            # One open check-in per person: check out before checking in elsewhere.
            models.UniqueConstraint(
                fields=["staff"], condition=Q(check_out_at__isnull=True), name="one_open_check_in"
            )
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.post} {self.day}"


class AttendanceEvent(models.Model):
    """A check-in or check-out as a device sent it; the client UUID makes a resend harmless."""

    client_uuid = models.UUIDField(unique=True)
    kind = models.CharField(max_length=4)  # in / out
    staff = models.ForeignKey("mobilization.Staff", on_delete=models.PROTECT, related_name="+")
    post = models.ForeignKey(Post, on_delete=models.PROTECT, null=True, related_name="+")
    at = models.DateTimeField()
    result = models.CharField(max_length=10)  # created / rejected
    field = models.CharField(max_length=40, blank=True, default="")  # of a rejected item
    reason = models.CharField(max_length=200, blank=True)
    attendance = models.ForeignKey(
        Attendance, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.client_uuid} {self.kind} {self.result}"


class ChangeKind(models.TextChoices):
    SWAP = "swap", pgettext_lazy("shift change", "Swap")
    SICK = "sick", _("Sick")


class ChangeStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", pgettext_lazy("shift change", "Refused")
    CANCELLED = "cancelled", _("Cancelled")


class ShiftChange(models.Model):
    """A request to hand a shift to someone else (swap) or to be taken off it (sick)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=8, choices=ChangeKind.choices)
    requested_by = models.ForeignKey(
        "mobilization.Staff", on_delete=models.PROTECT, related_name="+"
    )
    replacement = models.ForeignKey(
        "mobilization.Staff", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=ChangeStatus.choices, default="pending")
    proposal = models.ForeignKey(
        Roster, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment"],
                condition=Q(status="pending"),
                name="one_pending_change_per_assignment",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.assignment} {self.status}"


class CallStatus(models.TextChoices):
    OPEN = "open", _("Open")
    FILLED = "filled", _("Filled")
    CLOSED = "closed", _("Closed")


class UrgentCall(models.Model):
    """ "Need N people at X now": the first N who answer 我来 are assigned."""

    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    post = models.ForeignKey(
        Post, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    where = models.CharField(_("location"), max_length=100)
    needed = models.PositiveSmallIntegerField(
        _("people needed"), validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    message = models.CharField(_("message"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("from"))
    hours = models.PositiveSmallIntegerField(
        _("for (hours)"), default=2, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    waive_rest = models.BooleanField(_("waive the rest rule"), default=False)
    status = models.CharField(max_length=8, choices=CallStatus.choices, default="open")
    accepted = models.PositiveSmallIntegerField(default=0)
    notified = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    filled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                name="call_accepted_le_needed", condition=Q(accepted__lte=models.F("needed"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.where} ×{self.needed}"

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(hours=self.hours)


class UrgentAnswer(models.Model):
    call = models.ForeignKey(UrgentCall, on_delete=models.CASCADE, related_name="answers")
    staff = models.ForeignKey("mobilization.Staff", on_delete=models.PROTECT, related_name="+")
    accepted = models.BooleanField(default=False)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["answered_at"]
        constraints = [
            models.UniqueConstraint(fields=["call", "staff"], name="one_answer_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.call} {self.staff}"
