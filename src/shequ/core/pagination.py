"""The page-number pagination of every API list: ninja's, with the page number bounded."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

# Past any list's end, and small enough that (page - 1) × page size stays a 64-bit OFFSET: an
# unbounded page number reached the database as an OFFSET it refused (SQLite: "datatype
# mismatch", answered as a 409 conflict; PostgreSQL: "bigint out of range").
MAX_PAGE = 1_000_000

PageHook = Callable[[HttpRequest, list[Any]], object]


class Pages(PageNumberPagination):
    """`?page=` (1 to 1,000,000; past the end an empty page) and `?page_size=` (at most the
    list's own page size, ninja's NINJA_MAX_PER_PAGE_SIZE). `each_page(request, items)`
    completes one page's rows in bulk (their addresses: places/addresses.py), never per row."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1)

    def __init__(self, *, each_page: PageHook | None = None, **kwargs: Any) -> None:
        self.each_page = each_page
        super().__init__(**kwargs)

    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        result = super().paginate_queryset(queryset, pagination, request, **params)
        if self.each_page is not None:
            items = list(result[self.items_attribute])
            self.each_page(request, items)
            result[self.items_attribute] = items
        return result
