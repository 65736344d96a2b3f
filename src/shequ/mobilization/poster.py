"""The A4 poster a community puts up (or forwards in a chat group) to find volunteers: its
name, a large QR code of its public sign-up page, and the address under it."""

from __future__ import annotations

from django.utils.translation import gettext as _

from shequ.core.qr import qr_poster


def volunteer_poster(*, community: str, url: str) -> bytes:
    """One A4 page: the call, the community, the QR code of `url` and `url` in print."""
    return qr_poster(
        title=_("Volunteer for %(community)s") % {"community": community},
        call=_("Volunteers wanted"),
        place=community,
        url=url,
        lines=[
            _("Scan with your phone camera or WeChat to sign up."),
            _("Your phone number is checked with a text message;"),
            _("the community calls you once it has checked your details."),
        ],
    )
