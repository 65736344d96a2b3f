"""Notices to residents (告知书) and the answers staff give them: a notice over a place (city …
building) published on the residents' pages, in staff inboxes, on a printed poster and by SMS,
with its versions, attachments and opens; the city's policy answers (政策问答) and the log of
questions taken on the hotline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Notice(models.Model):
    """A notice to everyone in `place` (the whole place must be the writer's)."""

    # The resident page's address (/n/<token>/): random, so notices cannot be counted through.
    token = models.CharField(max_length=16, unique=True)
    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"), max_length=5000)
    status = models.CharField(
        _("status"), max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT
    )
    to_public = models.BooleanField(_("residents' page"), default=True)
    to_staff = models.BooleanField(_("staff inboxes"), default=False)
    to_sms = models.BooleanField(_("SMS to residents"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("written at"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    # The last day the notice holds (a lockdown "until the 20th"); after it, the residents'
    # pages list it no more and its own page says it has ended. Empty: until withdrawn.
    until = models.DateField(_("in force until"), null=True, blank=True)
    # Counted as they happen (one conditional update each), not per page view of the list.
    opens = models.PositiveIntegerField(_("opens"), default=0)
    staff_told = models.PositiveIntegerField(_("staff told"), default=0)
    texts_queued = models.PositiveIntegerField(_("texts queued"), default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        indexes = [models.Index(fields=["status", "place"])]
        constraints = [
            models.CheckConstraint(
                name="notice_published_has_time",
                condition=~models.Q(status="published") | models.Q(published_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def ended(self) -> bool:
        """Published with a last day that has passed (in the city's time zone)."""
        return self.until is not None and self.until < timezone.localdate()


class NoticeVersion(models.Model):
    """What a notice said when it was published, and after each edit while published."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"), max_length=5000)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"))

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["notice", "number"], name="notice_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} v{self.number}"


class NoticeAttachment(models.Model):
    """A PDF or image of a notice, sealed under var/notices (notices/attachments.py)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="attachments")
    name = models.CharField(_("file name"), max_length=100)
    path = models.CharField(max_length=64)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.name


class NoticeOpen(models.Model):
    """One device (a cookie, hashed) opening a notice's page on one day: counted once."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    device = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notice", "day", "device"], name="notice_open_once")
        ]

    def __str__(self) -> str:
        return f"{self.notice_id} {self.day}"


class TextStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class NoticeText(models.Model):
    """One SMS of a notice to one resident with a phone in its place: each resident once."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="texts")
    resident = models.ForeignKey("residents.Resident", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=8, choices=TextStatus.choices, default=TextStatus.QUEUED)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notice", "resident"], name="notice_text_once")
        ]
        indexes = [models.Index(fields=["notice", "status"])]

    def __str__(self) -> str:
        return f"{self.notice_id} → {self.resident_id}: {self.status}"


class AnswerStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CURRENT = "current", _("Current")
    RETIRED = "retired", _("Retired")


class Answer(models.Model):
    """A policy question with the answer the city gives (政策问答), checked by someone on a
    date; residents read the current ones."""

    city = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    topic = models.CharField(_("topic"), max_length=40)
    question = models.CharField(_("question"), max_length=300)
    answer = models.TextField(_("answer"), max_length=3000, blank=True)
    status = models.CharField(
        _("status"), max_length=8, choices=AnswerStatus.choices, default=AnswerStatus.DRAFT
    )
    checked_on = models.DateField(_("last checked"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("written at"))

    class Meta:
        ordering = ["topic", "question", "pk"]
        verbose_name = _("policy answer")
        verbose_name_plural = _("policy answers")
        indexes = [models.Index(fields=["city", "status", "checked_on"])]
        constraints = [
            models.CheckConstraint(
                name="answer_current_is_checked",
                condition=~models.Q(status="current")
                | (models.Q(checked_on__isnull=False) & ~models.Q(answer="")),
            ),
        ]

    def __str__(self) -> str:
        return self.question


class HotlineCall(models.Model):
    """A question taken on the hotline: from which area, what was answered, from which policy
    answer, by whom, and whether someone must call back."""

    place = models.ForeignKey("places.Place", on_delete=models.PROTECT, related_name="+")
    taken_at = models.DateTimeField(_("taken at"))
    question = models.CharField(_("question"), max_length=500)
    answer_given = models.TextField(_("answer given"), max_length=2000, blank=True)
    answer = models.ForeignKey(
        Answer, on_delete=models.SET_NULL, null=True, blank=True, related_name="calls"
    )
    taken_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    follow_up = models.BooleanField(_("follow-up needed"), default=False)

    class Meta:
        ordering = ["-taken_at", "-pk"]
        verbose_name = _("hotline call")
        verbose_name_plural = _("hotline calls")
        indexes = [models.Index(fields=["place", "taken_at"])]

    def __str__(self) -> str:
        return self.question
