"""Sampling tubes drawing down supplies: each tube opened at a station draws one from the
stock of its site's post, when that post is a supplies point of use (docs/supplies.md)."""

from __future__ import annotations

from typing import Any


def tubes_used(*, stations: dict[int, Any], actor: Any, tubes: dict, opened: set) -> None:
    """Record the tubes an ingest batch opened against their posts' stock; never blocks
    sampling (shortfalls become alerts to the keepers)."""
    from shequ.supplies.points import record_use

    used: dict[int, int] = {}
    for key, t in tubes.items():
        station = stations.get(t["station_id"]) if t["station_id"] else None
        if key in opened and t["n"] > 0 and station is not None and station.site.post_id:
            used[station.site.post_id] = used.get(station.site.post_id, 0) + 1
    if used:
        record_use(actor=actor, uses=used)
