"""Writes on notices, each one transaction and one audit row: write a draft, edit it (a
published notice keeps each version), attach a file, publish it to its channels, withdraw it.

Who may: PUBLISH_NOTICES over the notice's whole place (community staff their community and
its compounds and buildings; street, district officers and the HQ theirs). Publishing puts
the notice on the residents' pages of its place, in the inbox of the staff bound within it,
and queues one text to each phone the registry holds there (sent by the worker: texts.py)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any, cast

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from shequ.core import audit
from shequ.core.access import require
from shequ.core.errors import ValidationError
from shequ.core.roles import Capability
from shequ.notices import attachments
from shequ.notices.models import (
    Notice,
    NoticeAttachment,
    NoticeStatus,
    NoticeText,
    NoticeVersion,
)
from shequ.notices.selectors import staff_within
from shequ.notify.services import notify
from shequ.places.models import Place, PlaceKind
from shequ.residents.selectors import reachable_by_phone

if TYPE_CHECKING:
    from shequ.core.models import User

TITLE_MAX = 100
# How far ahead a notice's last day may be set (a year: longer is "until withdrawn").
UNTIL_MAX_DAYS = 366
# notice_edit's `until` when the caller leaves the last day as it is.
KEEP = object()
BODY_MAX = 5000
NOTICE_KIND = "notice"
# A notice goes to a whole place of the tree, from the city down to one building.
NOTICE_KINDS = (
    PlaceKind.CITY,
    PlaceKind.DISTRICT,
    PlaceKind.STREET,
    PlaceKind.COMMUNITY,
    PlaceKind.GRID,
    PlaceKind.COMPOUND,
    PlaceKind.BUILDING,
)


def _check_text(title: str, body: str) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").strip()
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("Give the notice a title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("Keep the title under %d characters.") % TITLE_MAX
    if not body:
        errors["body"] = _("Write what the notice says.")
    elif len(body) > BODY_MAX:
        errors["body"] = _("Keep the text under %d characters.") % BODY_MAX
    if errors:
        raise ValidationError(errors)
    return title, body


def _check_channels(to_public: bool, to_staff: bool, to_sms: bool) -> None:
    if not (to_public or to_staff or to_sms):
        raise ValidationError(
            {"channels": _("Choose at least one channel: residents' page, staff inboxes or SMS.")}
        )


def _check_until(until: dt.date | str | None, was: dt.date | None = None) -> dt.date | None:
    """A notice's last day is today or later, within a year (or none: until withdrawn); the
    one it had (`was`) may stay as it is. As a browser's date input sends it, it is text:
    ISO in every language, empty for none."""
    if isinstance(until, str):
        try:
            until = dt.date.fromisoformat(until.strip()) if until.strip() else None
        except ValueError:
            raise ValidationError(
                {"until": _("Give the last day as a date (e.g. 2022-04-20), or leave it empty.")}
            ) from None
    if until is None or until == was:
        return until
    today = timezone.localdate()
    if until < today:
        raise ValidationError(
            {"until": _("The last day is before today; withdraw the notice to end it now.")}
        )
    if until > today + dt.timedelta(days=UNTIL_MAX_DAYS):
        raise ValidationError(
            {"until": _("The last day is more than a year away; leave it empty instead.")}
        )
    return until


@transaction.atomic
def notice_create(
    *,
    actor: User,
    place: Place | None,
    title: str,
    body: str,
    to_public: bool = True,
    to_staff: bool = False,
    to_sms: bool = False,
    until: dt.date | str | None = None,
) -> Notice:
    """A draft notice to everyone in `place`; nobody sees it before it is published. `until`:
    the last day, a date or a date input's text."""
    errors: dict[str, str] = {}
    if place is None:
        errors["place"] = _("Choose where the notice goes (city … building).")
    else:
        require(actor, Capability.PUBLISH_NOTICES, place)
        if place.kind not in NOTICE_KINDS:
            errors["place"] = _("Choose a place from the city down to a building.")
    # Every field's message at once, so the editor shows them all on one return.
    title, body, until = _checked(
        errors,
        lambda: _check_text(title, body),
        lambda: _check_channels(to_public, to_staff, to_sms),
        lambda: _check_until(until),
    )
    notice = Notice.objects.create(
        token=secrets.token_urlsafe(8)[:10],
        place=place,
        title=title,
        body=body,
        to_public=to_public,
        to_staff=to_staff,
        to_sms=to_sms,
        until=until,
        created_by=actor,
        created_at=timezone.now(),
    )
    audit.record(actor=actor, action="notices.notice_create", obj=notice, place=place)
    return notice


@transaction.atomic
def notice_edit(
    *,
    actor: User,
    notice: Notice,
    title: str,
    body: str,
    to_public: bool | None = None,
    to_staff: bool | None = None,
    to_sms: bool | None = None,
    until: dt.date | str | object | None = KEEP,
) -> Notice:
    """Change the text (and, for a draft, the channels) and the last day (`KEEP`: as it is;
    a published notice's may be moved, e.g. a lockdown extended). A published notice keeps
    what it said before: the edit becomes its next version; a withdrawn one is not edited."""
    require(actor, Capability.PUBLISH_NOTICES, notice.place)
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.status == NoticeStatus.WITHDRAWN:
        raise ValidationError({"status": _("A withdrawn notice is not edited; write a new one.")})
    draft = notice.status == NoticeStatus.DRAFT
    to_public = notice.to_public if to_public is None else to_public
    to_staff = notice.to_staff if to_staff is None else to_staff
    to_sms = notice.to_sms if to_sms is None else to_sms
    # Every field's message at once, as the editor of a new notice shows them.
    last_day = cast("dt.date | str | None", until)
    title, body, new_until = _checked(
        {},
        lambda: _check_text(title, body),
        lambda: _check_channels(to_public, to_staff, to_sms) if draft else None,
        lambda: notice.until if until is KEEP else _check_until(last_day, was=notice.until),
    )
    changes: dict[str, object] = {}
    if new_until != notice.until:
        changes["until"] = [_iso(notice.until), _iso(new_until)]
        notice.until = new_until
    if draft:
        notice.to_public, notice.to_staff, notice.to_sms = to_public, to_staff, to_sms
    elif (title, body) != (notice.title, notice.body):
        number = _version(notice, actor, title, body)
        changes["version"] = number
    if title != notice.title:
        changes["title"] = [notice.title, title]
    notice.title, notice.body = title, body
    notice.save()
    audit.record(
        actor=actor, action="notices.notice_edit", obj=notice, place=notice.place, changes=changes
    )
    return notice


def _checked(errors: dict[str, str], *checks: Callable[[], Any]) -> tuple[Any, ...]:
    """Run the checks of a notice's fields, each one even when another failed, and raise
    every message (with `errors` found before) at once; else (title, body, last day)."""
    results: list[Any] = []
    for check in checks:  # the text's, the channels', the last day's
        try:
            results.append(check())
        except ValidationError as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    (title, body), _channels, day = results
    return title, body, day


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _version(notice: Notice, actor: User, title: str, body: str) -> int:
    last = notice.versions.order_by("-number").values_list("number", flat=True).first() or 0
    NoticeVersion.objects.create(
        notice=notice, number=last + 1, title=title, body=body, by=actor, at=timezone.now()
    )
    return last + 1


@transaction.atomic
def notice_attach(
    *, actor: User, notice: Notice, upload: IO[bytes] | None, name: str = ""
) -> NoticeAttachment:
    """A PDF or an image (≤ 5 MB) to the notice, sealed; at most PER_NOTICE of them."""
    require(actor, Capability.PUBLISH_NOTICES, notice.place)
    if upload is None:
        raise ValidationError({"attachment": _("Choose a PDF or an image to attach.")})
    if notice.status == NoticeStatus.WITHDRAWN:
        raise ValidationError({"attachment": _("A withdrawn notice takes no more files.")})
    if notice.attachments.count() >= attachments.PER_NOTICE:
        raise ValidationError(
            {"attachment": _("A notice has at most %d files.") % attachments.PER_NOTICE}
        )
    path, content_type, size = attachments.store_attachment(notice.pk, upload)
    name = (name or getattr(upload, "name", "") or "").rsplit("/", 1)[-1].strip()[:100]
    attachment = NoticeAttachment.objects.create(
        notice=notice,
        name=name or _("attachment"),
        path=path,
        content_type=content_type,
        size=size,
        uploaded_by=actor,
        uploaded_at=timezone.now(),
    )
    audit.record(
        actor=actor,
        action="notices.notice_attach",
        obj=attachment,
        place=notice.place,
        changes={"type": content_type, "size": size},
    )
    return attachment


@transaction.atomic
def notice_publish(*, actor: User, notice: Notice) -> Notice:
    """Draft → published: version 1, on the residents' pages of its place, in the inboxes of
    the staff bound within it, and one text queued per phone there (at most
    NOTICES_SMS_MAX; the worker sends them). Published once: twice is refused."""
    require(actor, Capability.PUBLISH_NOTICES, notice.place)
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.status != NoticeStatus.DRAFT:
        raise ValidationError({"status": _("Only a draft is published.")})
    texts: list[NoticeText] = []
    if notice.to_sms:
        texts = _texts_for(notice)
    now = timezone.now()
    notice.status = NoticeStatus.PUBLISHED
    notice.published_at = now
    _version(notice, actor, notice.title, notice.body)
    if notice.to_staff:
        notice.staff_told = notify(
            staff_within(notice.place).exclude(pk=actor.pk),
            kind=NOTICE_KIND,
            title=_("Notice: %(title)s") % {"title": notice.title},
            body=notice.place.name,
            url=reverse("notice:page", args=[notice.token]),
        )
    if texts:
        NoticeText.objects.bulk_create(texts, batch_size=1000, ignore_conflicts=True)
        notice.texts_queued = len(texts)
    notice.save()
    audit.record(
        actor=actor,
        action="notices.notice_publish",
        obj=notice,
        place=notice.place,
        changes={"staff": notice.staff_told, "texts": notice.texts_queued},
    )
    return notice


def _texts_for(notice: Notice) -> list[NoticeText]:
    """One text per phone among the residents of the notice's place (a phone shared by a
    household gets one), or ValidationError past the cap."""
    seen: set[str] = set()
    texts = []
    for resident_id, phone_hmac in (
        reachable_by_phone(notice.place)
        .values_list("pk", "phone_hmac")
        .order_by("pk")
        .iterator(chunk_size=2000)
    ):
        if phone_hmac in seen:
            continue
        seen.add(phone_hmac)
        texts.append(NoticeText(notice=notice, resident_id=resident_id))
        if len(texts) > settings.NOTICES_SMS_MAX:
            raise ValidationError(
                {
                    "channels": _(
                        "More than %d phones in this place: send the SMS to smaller places."
                    )
                    % settings.NOTICES_SMS_MAX
                }
            )
    return texts


@transaction.atomic
def notice_withdraw(*, actor: User, notice: Notice) -> Notice:
    """Published → withdrawn: gone from the residents' pages (its page says so); texts not
    yet sent are not sent."""
    require(actor, Capability.PUBLISH_NOTICES, notice.place)
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.status != NoticeStatus.PUBLISHED:
        raise ValidationError({"status": _("Only a published notice is withdrawn.")})
    notice.status = NoticeStatus.WITHDRAWN
    notice.withdrawn_at = timezone.now()
    notice.save()
    dropped = notice.texts.filter(status="queued").delete()[0]
    audit.record(
        actor=actor,
        action="notices.notice_withdraw",
        obj=notice,
        place=notice.place,
        changes={"texts_dropped": dropped},
    )
    return notice
