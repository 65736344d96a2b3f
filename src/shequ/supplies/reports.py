"""The supplies figure of a daily report (reports/figures.py): units of stock issued that
day by each community's own stores (issues, not transfers or adjustments; a street
warehouse's issues belong to no one community and are not counted)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from django.db.models import Sum

from shequ.supplies.ledger import day_start
from shequ.supplies.models import Movement, MovementKind


def daily_figures(community_ids: Collection[int], day: dt.date) -> dict[int, dict[str, int]]:
    """Per community on local day `day`: units issued by its warehouses. One query."""
    figures = {pk: {"stock_issued": 0} for pk in community_ids}
    rows = (
        Movement.objects.filter(
            warehouse__place_id__in=list(community_ids),
            kind=MovementKind.ISSUE,
            at__gte=day_start(day),
            at__lt=day_start(day + dt.timedelta(days=1)),
        )
        .values("warehouse__place_id")
        .annotate(n=Sum("delta"))
        .order_by()
    )
    for row in rows:
        figures[row["warehouse__place_id"]]["stock_issued"] = -row["n"]
    return figures
