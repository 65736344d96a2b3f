"""The A4 poster a compound puts up at its gate: a large QR code of the residents' public
help page (/h/<compound code>/), in large simple words."""

from __future__ import annotations

from django.utils.translation import gettext as _

from shequ.core.qr import qr_poster


def help_poster(*, compound: str, url: str) -> bytes:
    """One A4 page: the call, the compound, the QR code of `url` and `url` in print."""
    return qr_poster(
        title=_("Ask the community for help"),
        call=_("Need help at home?"),
        place=compound,
        url=url,
        lines=[
            _("Scan with your phone to ask for water, food, medicine or a doctor."),
            _("Use the mobile number the community has for your family."),
        ],
    )
