"""`{% load donation_tags %}` … `{{ fen|yuan }}`: an amount kept in fen shown as ¥5,450.00."""

from __future__ import annotations

from django import template

from shequ.supplies.donations import fen_to_yuan

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    """545000 → '¥5,450.00'."""
    return f"¥{fen_to_yuan(fen or 0):,.2f}"
