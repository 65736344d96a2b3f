"""Sending the texts a published notice queued (notices.services.notice_publish): a periodic
job of the worker (core.workers.PERIODIC) takes up to BATCH queued texts a beat, claims each
by a conditional update (two workers never send one twice), reads the resident's phone (it is
decrypted here, at the moment of sending, and nowhere else) and hands it to notify's SMS
adapter (notify.phone.send_text: logged masked, sent by SHEQU_SMS_BACKEND). A notice
withdrawn meanwhile sends nothing more (its queued texts are gone)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.notices.models import NoticeStatus, NoticeText, TextStatus
from shequ.notify.phone import send_text
from shequ.notify.sms import SmsError

logger = logging.getLogger(__name__)

SMS_MAX = 140


def text_of(title: str, url: str) -> str:
    """The SMS: the title and the address of the resident page, within one message."""
    tail = " " + url
    head = _("[Notice] %(title)s") % {"title": title}
    return head[: SMS_MAX - len(tail)] + tail


def send_notice_texts(*, batch: int | None = None) -> int:
    """Send up to `batch` queued texts of published notices; returns how many went."""
    from django.urls import reverse

    batch = batch or settings.NOTICES_SMS_BATCH
    queued = (
        NoticeText.objects.filter(status=TextStatus.QUEUED, notice__status=NoticeStatus.PUBLISHED)
        .select_related("notice", "resident")
        .order_by("pk")[:batch]
    )
    sent = 0
    base = settings.SITE_URL.rstrip("/")
    for row in queued:
        now = timezone.now()
        if not NoticeText.objects.filter(pk=row.pk, status=TextStatus.QUEUED).update(
            status=TextStatus.SENT, sent_at=now
        ):
            continue  # another worker took it
        phone = row.resident.phone
        if not phone:
            NoticeText.objects.filter(pk=row.pk).update(status=TextStatus.FAILED)
            continue
        url = base + reverse("notice:page", args=[row.notice.token])
        try:
            send_text(phone, text_of(row.notice.title, url))
        except SmsError:  # send_text logs and swallows its own; anything else is a failure
            NoticeText.objects.filter(pk=row.pk).update(status=TextStatus.FAILED)
            continue
        sent += 1
    if sent:
        logger.info("notices: %d texts sent", sent)
    return sent
