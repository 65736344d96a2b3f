"""The testing figures of a daily report (reports/figures.py): residents sampled, positive
tubes and recalls still open, per community."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from django.db.models import Count, Exists, OuterRef
from django.utils import timezone

from shequ.testing import counts
from shequ.testing.models import Recall, Sample, Tube, TubeResult


def daily_figures(community_ids: Collection[int], day: dt.date) -> dict[int, dict[str, int]]:
    """Per community (the tube's) on local day `day`: residents sampled (first samples, not
    retests; each once: the count the ingest keeps, testing/counts.py), positive tubes resulted
    that day, and recalls open at the day's end (a member of the recalled tube not sampled
    again by then). Three queries for all the communities."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = start + dt.timedelta(days=1)
    figures = {pk: {"sampled": 0, "positives": 0, "recalls_open": 0} for pk in community_ids}
    for pk, n in counts.sampled_on(community_ids, day).items():
        if pk in figures:
            figures[pk]["sampled"] = n
    positives = (
        Tube.objects.filter(
            community_id__in=community_ids,
            result=TubeResult.POSITIVE,
            result_at__gte=start,
            result_at__lt=end,
        )
        .values("community_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in positives:
        figures[row["community_id"]]["positives"] = row["n"]
    retested = Sample.objects.filter(
        round_id=OuterRef("round_id"),
        resident_id=OuterRef("resident_id"),
        retest=True,
        sampled_at__lt=end,
    )
    waiting = Sample.objects.filter(tube_id=OuterRef("tube_id"), retest=False).exclude(
        Exists(retested)
    )
    recalls = (
        Recall.objects.filter(tube__community_id__in=community_ids, created_at__lt=end)
        .filter(Exists(waiting))
        .values("tube__community_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in recalls:
        figures[row["tube__community_id"]]["recalls_open"] = row["n"]
    return figures
