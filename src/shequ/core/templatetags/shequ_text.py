"""Template filters for text people typed: `{{ resident.name|bdi }}` on pages,
`{{ resident.name|neutral }}` where no tag may stand (a <title>, an attribute)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from shequ.core import bidi

register = template.Library()


@register.filter(name="bdi")
def bdi_filter(value: object) -> SafeString | str:
    """Escaped, bidi controls removed, isolated in <bdi>; empty stays empty (for |default)."""
    if value is None or value == "":
        return ""
    return bidi.isolated(value)


@register.filter(name="neutral")
def neutral_filter(value: object) -> str:
    return bidi.neutral(value)
