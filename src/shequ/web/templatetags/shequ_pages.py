"""The one pager: `{% load shequ_pages %}` … `{% pager page %}` under every paginated list.

Its links keep every filter of the address the list was shown at (request.GET) and replace only
the page number, so page 2 is page 2 *of the same list*. A page holding two lists names the
second one's parameter: `{% pager sites "spage" %}`.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.core.paginator import Page
from django.http import QueryDict

register = template.Library()


def page_url(query: QueryDict | None, number: int, param: str = "page") -> str:
    """The query string of page `number`: the current one with `param` replaced."""
    params = query.copy() if query is not None else QueryDict(mutable=True)
    params[param] = str(number)
    return "?" + params.urlencode()


@register.inclusion_tag("web/pager.html", takes_context=True)
def pager(context: template.Context, page: Page, param: str = "page") -> dict[str, Any]:
    """Previous / "page n of N · count in all" / next, for a Paginator page."""
    request = context.get("request")
    query = request.GET if request is not None else None
    return {
        "page": page,
        "previous_url": page_url(query, page.previous_page_number(), param)
        if page.has_previous()
        else "",
        "next_url": page_url(query, page.next_page_number(), param) if page.has_next() else "",
    }
