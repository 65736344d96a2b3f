"""The daily report's patrol figures (reports/figures.py registry): for each community, the
disinfection rounds done and missed on the day (slots, as the checklist counts them) and the
patrol findings open now."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection

from django.db.models import Count

from shequ.patrols import schedule, selectors
from shequ.patrols.models import Area, Finding


def daily_figures(community_ids: Collection[int], day: dt.date) -> dict[int, dict[str, int]]:
    """{community id: {rounds_done, rounds_missed, findings_open}}: three queries."""
    out: dict[int, dict[str, int]] = defaultdict(
        lambda: {"rounds_done": 0, "rounds_missed": 0, "findings_open": 0}
    )
    areas = list(Area.objects.filter(community_id__in=list(community_ids), active=True))
    for rows in selectors.area_days(areas, [day]).values():
        for row in rows:
            figures = out[row.area.community_id]
            figures["rounds_done"] += row.count(schedule.DONE)
            figures["rounds_missed"] += row.count(schedule.MISSED)
    open_ = (
        Finding.objects.filter(community_id__in=list(community_ids), resolved_at__isnull=True)
        .values("community_id")
        .annotate(n=Count("pk"))
    )
    for row in open_:
        out[row["community_id"]]["findings_open"] = row["n"]
    return dict(out)
