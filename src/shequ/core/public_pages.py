"""Sections other apps add to the residents' public compound page (/h/<compound>/), so the
page's app need not import them (notices sit beside assistance, not below it): an app
registers a function from its AppConfig.ready, the page renders what each returns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils.safestring import SafeString

# Each returns rendered HTML (render_to_string gives a SafeString) or "" for nothing.
CompoundSection = Callable[[HttpRequest, Any], SafeString | str]

COMPOUND_SECTIONS: list[CompoundSection] = []


def register_compound_section(section: CompoundSection) -> None:
    """Add `section(request, compound) -> HTML` to the public compound page (once)."""
    if section not in COMPOUND_SECTIONS:
        COMPOUND_SECTIONS.append(section)


def compound_sections(request: HttpRequest, compound: Any) -> list[SafeString | str]:
    """The registered sections' HTML for this compound, in registration order."""
    return [html for section in COMPOUND_SECTIONS if (html := section(request, compound))]
