"""The page-number pagination of every API list: ninja's, with the page number bounded."""

from __future__ import annotations

from ninja import Field, Schema
from ninja.pagination import PageNumberPagination

# Past any list's end, and small enough that (page - 1) × page size stays a 64-bit OFFSET: an
# unbounded page number reached the database as an OFFSET it refused (SQLite: "datatype
# mismatch", answered as a 409 conflict; PostgreSQL: "bigint out of range").
MAX_PAGE = 1_000_000


class Pages(PageNumberPagination):
    """`?page=` (1 to 1,000,000; past the end an empty page) and `?page_size=` (at most the
    list's own page size, ninja's NINJA_MAX_PER_PAGE_SIZE)."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int | None = Field(None, ge=1)
