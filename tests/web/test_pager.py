"""The one pager keeps every filter of the list's address and replaces only the page."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import QueryDict
from django.template import Context, Template
from django.test import RequestFactory

from shequ.web.templatetags.shequ_pages import page_url


def test_a_page_link_keeps_every_filter_and_replaces_only_the_page():
    query = QueryDict("q=%E5%BC%A0&tag=elderly&tag=disabled&page=3&why=%E6%A0%B8%E6%9F%A5")
    assert (
        page_url(query, 4) == "?q=%E5%BC%A0&tag=elderly&tag=disabled&page=4&why=%E6%A0%B8%E6%9F%A5"
    )
    assert page_url(query, 2, "spage").endswith("&spage=2")
    assert page_url(None, 2) == "?page=2"


def _render(path: str, number: int, tag: str = "{% pager page %}") -> str:
    page = Paginator(list(range(30)), 10).get_page(number)
    request = RequestFactory().get(path)
    template = Template("{% load shequ_pages %}" + tag)
    return template.render(Context({"request": request, "page": page, "sites": page}))


def test_the_pager_links_both_ways_escaped_for_html():
    html = _render("/duty/hours/?by=team&from=2026-11-01&page=2", 2)
    assert 'href="?by=team&amp;from=2026-11-01&amp;page=1" rel="prev"' in html
    assert 'href="?by=team&amp;from=2026-11-01&amp;page=3" rel="next"' in html


def test_a_second_list_on_the_page_pages_by_its_own_parameter():
    html = _render("/testing/?status=running&page=2", 1, '{% pager sites "spage" %}')
    assert 'href="?status=running&amp;page=2&amp;spage=2" rel="next"' in html
    assert 'rel="prev"' not in html


def test_one_page_shows_no_pager():
    page = Paginator([1, 2], 10).get_page(1)
    html = Template("{% load shequ_pages %}{% pager page %}").render(Context({"page": page}))
    assert "sq-pager" not in html
