"""Agencies, their cadres and the volunteers; mobilization orders and who reported in where."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shequ.core import pii
from shequ.core.bitsets import ChoiceBits
from shequ.core.fields import BlindIndexedModel, BlindIndexField, EncryptedTextField


class AgencyLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    STREET = "street", _("Street")


class Agency(models.Model):
    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=40, unique=True)
    level = models.CharField(_("level"), max_length=16, choices=AgencyLevel.choices)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    contact_name = models.CharField(_("contact"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Rank(models.TextChoices):
    TING = "ting", _("Department level (厅级)")
    CHU = "chu", _("County level (县处级)")
    KE = "ke", _("Section level (乡科级)")
    KEYUAN = "keyuan", _("Staff member (科员)")
    OTHER = "other", _("Other")


# Seniority for the "one leader of rank ≥ 县处级 per team" rule (issue #5).
RANK_LEVELS = {Rank.TING: 4, Rank.CHU: 3, Rank.KE: 2, Rank.KEYUAN: 1, Rank.OTHER: 0}


class Skill(models.TextChoices):
    """Stored as bits of Staff.skills, in this order."""

    DRIVING = "driving", _("Driving")
    ENGLISH = "english", _("English")
    MEDICAL = "medical", _("Medical")
    IT = "it", _("IT")
    TRICYCLE = "tricycle", _("Tricycle")


SKILL_SET = ChoiceBits(Skill)
SKILL_BITS = SKILL_SET.bits
skills_to_bits = SKILL_SET.to_bits
bits_to_skills = SKILL_SET.to_list


class StaffKind(models.TextChoices):
    CADRE = "cadre", _("Cadre")
    VOLUNTEER = "volunteer", _("Volunteer")


class Fitness(models.TextChoices):
    FIT = "fit", _("Fit for duty")
    UNWELL = "unwell", _("Unwell")
    ISOLATED = "isolated", _("In isolation or monitoring")


class Vetting(models.TextChoices):
    PENDING = "pending", _("Waiting for vetting")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class Staff(BlindIndexedModel):
    """A person who can be mobilized: an agency's cadre or a self-registered volunteer."""

    kind = models.CharField(_("kind"), max_length=10, choices=StaffKind.choices)
    name = models.CharField(_("name"), max_length=50)
    id_number = EncryptedTextField(_("ID number"), normalize=pii.normalize_document)
    id_hmac = BlindIndexField(source="id_number", kind="document")
    phone = EncryptedTextField(_("phone"), normalize=pii.normalize_phone)
    phone_hmac = BlindIndexField(source="phone", kind="phone")
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )
    rank = models.CharField(_("rank"), max_length=8, choices=Rank.choices, default=Rank.OTHER)
    party_member = models.BooleanField(_("party member"), default=False)
    birth_year = models.PositiveSmallIntegerField(_("birth year"))
    gender = models.CharField(
        _("gender"), max_length=8, choices=[("male", _("Male")), ("female", _("Female"))]
    )
    skills = models.PositiveIntegerField(_("skills"), default=0)
    residence_community = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    fitness = models.CharField(
        _("health"), max_length=10, choices=Fitness.choices, default=Fitness.FIT
    )
    available = models.BooleanField(_("available"), default=True)
    vetting = models.CharField(
        _("vetting"), max_length=10, choices=Vetting.choices, default=Vetting.APPROVED
    )
    vetted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Why a volunteer was rejected (told to them if they ask).
    vetting_note = models.CharField(_("reason"), max_length=200, blank=True)
    # A self-registered volunteer's own words: when they can help, who they come with.
    availability = models.CharField(_("availability"), max_length=100, blank=True)
    organisation = models.CharField(_("organisation"), max_length=100, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["agency_id", "name", "id"]
        indexes = [models.Index(fields=["agency", "kind"]), models.Index(fields=["name"])]
        constraints = [
            models.UniqueConstraint(fields=["id_hmac"], name="one_staff_per_id_number"),
            models.CheckConstraint(
                name="cadres_belong_to_an_agency",
                condition=~Q(kind="cadre") | Q(agency__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def picker_label(self) -> str:
        """Name · agency · home community: what a drop-down shows, so two people of the same
        name can be told apart (select_related agency and residence_community for lists)."""
        parts = [self.name, self.agency.name if self.agency else str(_("Volunteer"))]
        if self.residence_community:
            parts.append(self.residence_community.name)
        return " · ".join(parts)

    @property
    def rank_level(self) -> int:
        return RANK_LEVELS[self.rank]

    @property
    def skill_list(self) -> list[str]:
        return bits_to_skills(self.skills)

    @property
    def skill_labels(self) -> list[str]:
        return [str(Skill(s).label) for s in self.skill_list]

    @property
    def phone_masked(self) -> str:
        return pii.mask(self.phone)

    @property
    def id_masked(self) -> str:
        return pii.mask(self.id_number)


class Order(models.Model):
    """An HQ or district order to mobilize: who (scope), by when, and what to tell them."""

    title = models.CharField(_("title"), max_length=100)
    message = models.TextField(_("message"), blank=True)
    scope = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    deadline = models.DateTimeField(_("report by"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("mobilization order")
        verbose_name_plural = _("mobilization orders")
        ordering = ["-issued_at"]

    def __str__(self) -> str:
        return self.title

    def is_open(self, at: dt.datetime | None = None) -> bool:
        return self.closed_at is None or (at or timezone.now()) < self.closed_at


class EnlistmentState(models.TextChoices):
    NOTIFIED = "notified", _("Notified")
    SIGNED_UP = "signed_up", _("Signed up")
    REPORTED_IN = "reported_in", _("Reported in")
    ASSIGNED = "assigned", _("Assigned")
    RELEASED = "released", _("Released")


ACTIVE_STATES = (EnlistmentState.REPORTED_IN, EnlistmentState.ASSIGNED)


def new_token() -> str:
    return secrets.token_urlsafe(16)


class Enlistment(models.Model):
    """One person under one order: notified → signed up → reported in → assigned → released."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="enlistments")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="enlistments")
    state = models.CharField(
        _("state"), max_length=12, choices=EnlistmentState.choices, default=EnlistmentState.NOTIFIED
    )
    # The community the person goes to: their residence community unless changed.
    community = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The personal link in the QR code; a random token, not the id, so it cannot be guessed.
    token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    signed_up_at = models.DateTimeField(null=True, blank=True, db_index=True)
    reported_at = models.DateTimeField(null=True, blank=True, db_index=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    released_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["order", "staff"]
        indexes = [
            models.Index(fields=["community", "state"]),
            models.Index(fields=["order", "state"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["order", "staff"], name="one_enlistment_per_order"),
            # Nobody is on duty in two communities at once (the service says so politely first).
            models.UniqueConstraint(
                fields=["staff"],
                condition=Q(state__in=["reported_in", "assigned"]),
                name="one_active_enlistment_per_person",
            ),
            models.CheckConstraint(
                name="reported_in_somewhere",
                condition=~Q(state__in=["reported_in", "assigned"]) | Q(community__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff} · {self.get_state_display()}"


class ReportInEvent(models.Model):
    """A report-in sent by a device; the client's UUID makes a resend return the same answer."""

    client_uuid = models.UUIDField(unique=True)
    enlistment = models.ForeignKey(
        Enlistment, on_delete=models.CASCADE, null=True, related_name="events"
    )
    result = models.CharField(max_length=16)  # created / rejected
    field = models.CharField(max_length=40, blank=True, default="")  # of a rejected item
    reason = models.CharField(max_length=200, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"{self.client_uuid} {self.result}"


class Need(models.Model):
    """What a community asks for: people per day, skills, from/to."""

    community = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    people_per_day = models.PositiveIntegerField(_("people per day"))
    skills = models.PositiveIntegerField(_("skills"), default=0)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("to"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["community", "starts_on"]
        constraints = [
            models.CheckConstraint(
                name="need_ends_after_start", condition=Q(ends_on__gte=models.F("starts_on"))
            ),
            models.CheckConstraint(name="need_asks_someone", condition=Q(people_per_day__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.people_per_day}/day"


class Posting(models.Model):
    """Who was where, when: report-ins, redistributions, batches, each a period at a place."""

    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="postings")
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=100)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff"], condition=Q(ends_at__isnull=True), name="one_open_posting"
            )
        ]

    def __str__(self) -> str:
        return f"{self.staff} @ {self.place}"


class TeamDraft(models.Model):
    """A proposed formation for an order: previewed, adjusted (swaps), then confirmed."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="team_drafts")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    rules = models.JSONField(default=dict)
    # [{"leader": staff_id, "members": [staff_id, ...], "community": place_id | None}, ...]
    teams = models.JSONField(default=list)
    balance = models.JSONField(default=dict)
    problems = models.JSONField(default=list)
    status = models.CharField(max_length=16, default="draft")  # draft / confirmed / discarded
    seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.order} draft {self.pk}"


class Team(models.Model):
    """A confirmed team: one leader and members, sent to a community."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="teams")
    number = models.PositiveIntegerField()
    leader = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(
        "places.Place", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["order", "number"]
        constraints = [
            models.UniqueConstraint(fields=["order", "number"], name="team_numbers_per_order")
        ]

    def __str__(self) -> str:
        return f"{self.order} #{self.number}"


class TeamMember(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="members")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="team_memberships")
    is_leader = models.BooleanField(default=False)

    class Meta:
        constraints = [
            # Nobody in two teams under one order.
            models.UniqueConstraint(fields=["order", "staff"], name="one_team_per_person_per_order")
        ]

    def __str__(self) -> str:
        return f"{self.staff} in {self.team}"


class Batch(models.Model):
    """People or teams sent to a community or compound for a period (第一批, 第二批…).

    Rotation: the next batch takes over when this one ends, with a handover note.
    """

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="batches")
    name = models.CharField(_("name"), max_length=50)
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    previous = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="next"
    )
    handover_note = models.TextField(_("handover note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    members = models.ManyToManyField(Staff, related_name="batches")

    class Meta:
        ordering = ["place", "starts_at"]
        constraints = [
            models.CheckConstraint(
                name="batch_ends_after_start", condition=Q(ends_at__gt=models.F("starts_at"))
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.place}"


class Pairing(models.Model):
    """对点支援: an agency paired with a compound; its dispatched staff go there."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="pairings")
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["agency", "starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "place", "starts_on"], name="one_pairing_per_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agency} ↔ {self.place}"


class Invitation(models.Model):
    """A personal sign-in link (or its QR code) for one staff member, made by their
    coordinator: opening it signs the person in and binds their login to the record. Only the
    token's SHA-256 is stored; it works once, until `expires_at`."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="invitations")
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    # A newer link for the same person replaces this one.
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"invitation for {self.staff_id}"
