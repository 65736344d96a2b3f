"""Text people typed, shown so that it cannot rearrange the page around it.

Names and notes are stored as typed, but a right-to-left override (U+202E) or any other
bidirectional control in a name would flip the text after it on every page and sheet that
shows it: "张三‮7936" reads as "张三6397", a status can be made to look like another. Shown
text goes through `neutral` (controls removed) and, on pages, inside `<bdi>` (the browser
lays it out on its own, so right-to-left names such as Arabic ones still read correctly but
cannot reorder what stands beside them).
"""

from __future__ import annotations

import re

from django.utils.html import format_html
from django.utils.safestring import SafeString

# LRM, RLM, ALM; LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI (Unicode UAX #9).
BIDI_CONTROLS = re.compile("[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")


def neutral(text: object) -> str:
    """The text without bidirectional controls (for titles, sheets, PDFs, offline data)."""
    return BIDI_CONTROLS.sub("", str(text) if text is not None else "")


def isolated(text: object) -> SafeString:
    """The text, escaped and without controls, in a `<bdi>` (for HTML pages)."""
    return format_html("<bdi>{}</bdi>", neutral(text))
