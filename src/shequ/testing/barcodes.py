"""What a sampling tube's barcode may be. A station asks for the next tube once one closes;
an operator who scans the next person's ID card or entry pass at that moment would open a
"tube" named after it and swab people into it. Such codes are refused with "scan the tube
first", as is anything that does not match the city's tube barcodes (TUBE_BARCODE_PATTERN).

static/testing/station.js makes the same check before a code becomes the tube being filled.
"""

from __future__ import annotations

import functools
import re

from django.conf import settings
from django.utils.translation import gettext as _

from shequ.residents.idcard import SHAPE as ID_NUMBER_SHAPE

# The text in an entry pass's QR code (checkpoints/passes.py): "P<pass>.<version>:<signature>",
# Django's signed value. Named by shape only: testing does not read checkpoints' passes.
PASS_CODE_SHAPE = re.compile(r"^P\d{1,12}\.\d{1,6}:")


@functools.lru_cache(maxsize=4)
def _pattern(text: str) -> re.Pattern[str]:
    return re.compile(text)


def tube_barcode_problem(code: str) -> str | None:
    """Why `code` cannot be a tube's barcode (in the user's language), or None if it can."""
    code = code.strip()
    # An ID number (GB 11643 shape: 17 digits and a digit or X), valid or mistyped.
    if ID_NUMBER_SHAPE.match(code.upper()):
        return _("This is a person's ID number, not a tube: scan the tube first.")
    if PASS_CODE_SHAPE.match(code):
        return _("This is an entry pass, not a tube: scan the tube first.")
    if not _pattern(settings.TUBE_BARCODE_PATTERN).search(code):
        return _("%(code)s is not a tube barcode: scan the tube first.") % {"code": code[:40]}
    return None
