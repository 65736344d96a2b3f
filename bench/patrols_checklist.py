"""Benchmark: the disinfection checklist, the week's chart, the missed-rounds job and the
daily figures at city scale on PostgreSQL (issue #21 part 3).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<scratch> \
        .venv/bin/python bench/patrols_checklist.py [--per-building 2] [--runs 30]

On the scratch database (its tables are replaced): migrates, builds the demo city's places,
sets up --per-building areas in every building (twice a day, 08:00 and 16:00) and three in
every compound (gate 3×, rubbish point 2×), bulk-inserts a week of rounds with one slot in
twenty missed, then times, --runs times each: one community's checklist (the page's read),
its week (the chart), the daily figures of every community for yesterday, and once each the
missed-rounds job over the whole city (first run: keeps and tells every slot missed in the
last day; second run: nothing new). Prints p50 / p95 / max in ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def _timed(label: str, runs: int, fn) -> None:
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        times.append((time.perf_counter() - began) * 1000)
    print(
        f"{label:<42} p50 {statistics.median(times):8.1f} ms  p95 {_pct(times, 0.95):8.1f} ms"
        f"  max {max(times):8.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-building", type=int, default=2)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a scratch PostgreSQL database.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    os.environ.setdefault("SHEQU_LOCAL_SECRETS", "1")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from shequ.core import services as core_services
    from shequ.core.roles import Role
    from shequ.patrols import reports, schedule, selectors
    from shequ.patrols.missed import flag_missed
    from shequ.patrols.models import Area, AreaKind, Round
    from shequ.places.demo import build_demo_city
    from shequ.places.models import Place, PlaceKind

    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", interactive=False, verbosity=0)
    build_demo_city(seed=42)
    communities = list(Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("code"))
    user = core_services.user_create(actor=None, username="bench", password="x" * 12,
                                     check_password=False)  # fmt: skip
    for c in communities:
        core_services.role_grant(actor=None, user=user, role=Role.COMMUNITY_STAFF, place=c)
    by_path = {c.path: c for c in communities}

    def community_of(place: Place) -> Place:
        return next(c for p, c in by_path.items() if place.path.startswith(p))

    now = timezone.now()
    since = now - dt.timedelta(days=8)
    areas = []
    for b in Place.objects.filter(kind=PlaceKind.BUILDING).iterator():
        for n in range(args.per_building):
            areas.append(Area(place=b, community=community_of(b), kind=AreaKind.STAIRWELL,
                              name=f"{b.name}楼道{n}", times=[480, 960], tolerance=60,
                              position=len(areas), created_at=since))  # fmt: skip
    for k in Place.objects.filter(kind=PlaceKind.COMPOUND).iterator():
        for kind, times in ((AreaKind.GATE, [480, 840, 1200]), (AreaKind.RUBBISH, [540, 1080])):
            areas.append(
                Area(place=k, community=community_of(k), kind=kind, name=f"{k.name}{kind}",
                     times=times, tolerance=60, position=len(areas), created_at=since)
            )  # fmt: skip
    Area.objects.bulk_create(areas, batch_size=5000)
    tz = selectors.city_zone()
    rounds, missed, n = [], 0, 0
    for area in Area.objects.all().iterator():
        for slot in schedule.slots_between(area.times, 60, since, now, tz):
            n += 1
            if slot.closes >= now or n % 20 == 0:
                missed += slot.closes < now
                continue
            rounds.append(Round(client_uuid=uuid.uuid4(), area=area, done_at=slot.at, by=user,
                                recorded_at=slot.at))  # fmt: skip
    Round.objects.bulk_create(rounds, batch_size=10_000)
    print(f"{len(communities)} communities, {len(areas)} areas, {len(rounds)} rounds, "
          f"{missed} slots missed over 8 days")  # fmt: skip

    biggest = max(communities, key=lambda c: Area.objects.filter(community=c).count())
    size = Area.objects.filter(community=biggest).count()
    print(f"checklist community: {biggest.name}, {size} areas")
    ids = [c.pk for c in communities]
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    _timed("checklist (one community, today)", args.runs, lambda: selectors.checklist(biggest))
    _timed("week chart (one community, 7 days)", args.runs, lambda: selectors.week(biggest))
    _timed("daily figures (every community)", max(3, args.runs // 5),
           lambda: reports.daily_figures(ids, yesterday))  # fmt: skip
    began = time.perf_counter()
    told = flag_missed()
    print(f"missed job, first run: {told} told in {(time.perf_counter() - began) * 1000:.0f} ms")
    began = time.perf_counter()
    again = flag_missed()
    print(f"missed job, second run: {again} told in {(time.perf_counter() - began) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
