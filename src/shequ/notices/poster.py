"""The A4 poster of a notice: its title in large words, the place, a large QR code of the
resident page (/n/<token>/) and the first lines of the text, to put up at gates and doors."""

from __future__ import annotations

import datetime as dt
import textwrap

from django.utils.translation import gettext as _

from shequ.core.qr import qr_poster

LINE_CHARS = 24  # Chinese characters per printed line at the poster's size
LINES = 4


def notice_poster(
    *, title: str, place: str, body: str, url: str, until: dt.date | None = None
) -> bytes:
    """One A4 page: the title, the place, the QR code of `url`, a few lines of the text and,
    when the notice has a last day, that day (a poster outlives its notice on the wall)."""
    flat = " ".join(body.split())
    lines = textwrap.wrap(flat, LINE_CHARS)[:LINES]
    if len(textwrap.wrap(flat, LINE_CHARS)) > LINES:
        lines[-1] = lines[-1][: LINE_CHARS - 1] + "…"
    return qr_poster(
        title=title,
        call=title[:16],
        place=place,
        url=url,
        lines=[
            *lines,
            *([_("In force until %(day)s.") % {"day": until.isoformat()}] if until else []),
            _("Scan for the whole notice."),
        ],
    )
