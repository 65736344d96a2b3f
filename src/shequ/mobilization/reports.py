"""The mobilization figures of a daily report (reports/figures.py): people reported in to
each community, and people needed there."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from django.db.models import Count, Q, Sum
from django.utils import timezone

from shequ.mobilization.models import Need, Posting
from shequ.places.selectors import community_of


def daily_figures(community_ids: Collection[int], day: dt.date) -> dict[int, dict[str, int]]:
    """Per community on local day `day`: people reported in there (a posting at the
    community or a place in it that overlaps the day) and people needed (the needs covering
    the day, summed). Three queries whatever the number of communities."""

    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = start + dt.timedelta(days=1)
    figures = {pk: {"reported_in": 0, "needed": 0} for pk in community_ids}
    within = community_of("place", community_ids)
    postings = (
        Posting.objects.filter(within.q, starts_at__lt=end)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=start))
        .annotate(in_community=within.community)
        .values("in_community")
        .annotate(n=Count("staff_id", distinct=True))
        .order_by()
    )
    for row in postings:
        figures[row["in_community"]]["reported_in"] = row["n"]
    needs = (
        Need.objects.filter(community_id__in=community_ids, starts_on__lte=day, ends_on__gte=day)
        .values("community_id")
        .annotate(n=Sum("people_per_day"))
        .order_by()
    )
    for row in needs:
        figures[row["community_id"]]["needed"] = row["n"] or 0
    return figures
