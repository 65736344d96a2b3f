"""What several mobilization pages share: the order a page is about."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from shequ.mobilization import selectors
from shequ.mobilization.models import Order


def current_order(request: HttpRequest) -> tuple[Order | None, list[Order]]:
    """The order chosen by ?order= (else the newest) and the latest 20, for the order picker."""
    return selectors.current_order(request.user, request.GET.get("order", ""))


def open_order(request: HttpRequest) -> tuple[Order, list[Order]]:
    """`current_order`, or 404 when there is none."""
    order, orders = current_order(request)
    if order is None:
        raise Http404("No order")
    return order, orders
