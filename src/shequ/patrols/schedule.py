"""An area's schedule as due slots: each local time of day (minutes after midnight) on each
local day is a slot, done by a round within ± the tolerance. Windows never overlap (checked
when the schedule is set), so a round counts for at most one slot; a window may run across
midnight (a 23:30 round with an hour's tolerance is done until 00:30 the next day).

Free of Django's models: plain functions over times, days and time zones, tested alone."""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

DAY = 24 * 60
MAX_SLOTS = 24  # a round at most every hour
MAX_TOLERANCE = 6 * 60
DONE, MISSED, DUE, LATER = "done", "missed", "due", "later"
_TIME = re.compile(r"^([01]?\d|2[0-3])[:：]([0-5]\d)$")


@dataclass(frozen=True)
class Slot:
    at: dt.datetime  # when the round is due (aware)
    opens: dt.datetime
    closes: dt.datetime

    def holds(self, moment: dt.datetime) -> bool:
        return self.opens <= moment <= self.closes


def parse_times(text: str) -> list[int] | None:
    """ "08:00, 16:00" (commas, spaces, Chinese punctuation) → [480, 960]; None if a part is
    not a time of day."""
    parts = [p for p in re.split(r"[,，、;；\s]+", text.strip()) if p]
    found = []
    for part in parts:
        m = _TIME.match(part)
        if m is None:
            return None
        found.append(int(m[1]) * 60 + int(m[2]))
    return sorted(set(found))


def every(hours: int, start: int) -> list[int]:
    """Every `hours` hours from `start` (minutes after midnight) until the day ends."""
    return list(range(start, DAY, hours * 60)) if hours > 0 else []


def show_times(times: Iterable[int]) -> str:
    return ", ".join(f"{m // 60:02d}:{m % 60:02d}" for m in times)


def smallest_gap(times: Sequence[int]) -> int:
    """The shortest time between two slots, across midnight too."""
    if len(times) < 2:
        return DAY
    ordered = sorted(times)
    gaps = [b - a for a, b in itertools.pairwise(ordered)]
    gaps.append(ordered[0] + DAY - ordered[-1])
    return min(gaps)


def slots_on(times: Sequence[int], tolerance: int, day: dt.date, tz: ZoneInfo) -> list[Slot]:
    """The day's slots (local day `day`), in order."""
    midnight = dt.datetime.combine(day, dt.time(), tzinfo=tz)
    window = dt.timedelta(minutes=tolerance)
    out = []
    for minute in sorted(times):
        # Wall-clock arithmetic: 08:00 is 08:00 local on a day the clocks change too.
        at = (midnight + dt.timedelta(minutes=minute)).replace(tzinfo=None).replace(tzinfo=tz)
        out.append(Slot(at=at, opens=at - window, closes=at + window))
    return out


def slots_between(
    times: Sequence[int], tolerance: int, start: dt.datetime, end: dt.datetime, tz: ZoneInfo
) -> list[Slot]:
    """The slots due at or after `start` and before `end`, in order."""
    first, last = start.astimezone(tz).date(), end.astimezone(tz).date()
    out: list[Slot] = []
    day = first
    while day <= last:
        out.extend(s for s in slots_on(times, tolerance, day, tz) if start <= s.at < end)
        day += dt.timedelta(days=1)
    return out


def status(slot: Slot, done_at: Sequence[dt.datetime], now: dt.datetime) -> str:
    """done (a round in the window; `done_at` sorted), missed (window closed, none), due
    (window open now) or later."""
    n = bisect.bisect_left(done_at, slot.opens)
    if n < len(done_at) and done_at[n] <= slot.closes:
        return DONE
    if now > slot.closes:
        return MISSED
    return DUE if now >= slot.opens else LATER
