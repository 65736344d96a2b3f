"""The Excel sheets of the notices, policy answers and hotline lists (through core.exports:
every text written as text)."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from shequ.core.exports import xlsx_table
from shequ.notices.models import Answer, HotlineCall, Notice

MAX_ROWS = 20_000


def notices_xlsx(rows: Iterable[Notice]) -> bytes:
    header = [
        _("Title"), _("Place"), _("Status"), _("Residents' page"), _("Staff inboxes"),
        _("SMS"), _("Published at"), _("In force until"), _("Opens"), _("Staff told"),
        _("Texts sent"),
    ]  # fmt: skip
    return xlsx_table(
        _("Notices"),
        header,
        (
            [
                n.title,
                n.place.name,
                n.get_status_display(),
                n.to_public,
                n.to_staff,
                n.to_sms,
                n.published_at,
                n.until,
                n.opens,
                n.staff_told,
                getattr(n, "texts_sent", 0),
            ]
            for n in rows
        ),
    )


def answers_xlsx(rows: Iterable[Answer]) -> bytes:
    header = [_("Topic"), _("Question"), _("Answer"), _("Status"), _("Last checked"), _("By")]
    return xlsx_table(
        _("Policy answers"),
        header,
        (
            [
                a.topic,
                a.question,
                a.answer,
                a.get_status_display(),
                a.checked_on,
                (a.checked_by.display_name or a.checked_by.username) if a.checked_by else "",
            ]
            for a in rows
        ),
    )


def calls_xlsx(rows: Iterable[HotlineCall]) -> bytes:
    header = [
        _("Taken at"), _("Area"), _("Question"), _("Answer given"), _("Policy answer"),
        _("Taken by"), _("Follow-up needed"),
    ]  # fmt: skip
    return xlsx_table(
        _("Hotline calls"),
        header,
        (
            [
                c.taken_at,
                c.place.name,
                c.question,
                c.answer_given,
                c.answer.question if c.answer else "",
                c.taken_by.display_name or c.taken_by.username,
                c.follow_up,
            ]
            for c in rows
        ),
    )
