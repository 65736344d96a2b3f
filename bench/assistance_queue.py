"""Benchmark: the help queue and "my tasks" at scale on PostgreSQL (issue #18).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<scratch> \
        .venv/bin/python bench/assistance_queue.py [--requests 200000] [--runs 50]

On the scratch database (its tables are replaced): migrates, builds the demo city's places,
bulk-inserts --requests help requests spread over its communities (a third open, a tenth of
those claimed by 50 cadres of the first community, the rest delivered), then times, --runs
times each, what the pages ask: the first page of a community staff's open queue (count +
25 rows), the same filtered by compound and kind, the overdue filter, a cadre's my tasks,
and the community's home counts. Prints p50 / p95 / max in ms.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH_PASSWORD = "bench-pass-1234"  # noqa: S105 - scratch logins nobody uses
sys.path.insert(0, str(REPO / "src"))


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a scratch PostgreSQL database.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    os.environ.setdefault("SHEQU_LOCAL_SECRETS", "1")  # a scratch database: bench keys
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from shequ.assistance import selectors
    from shequ.assistance.models import HelpKind, HelpRequest, HelpStatus
    from shequ.core import services as core_services
    from shequ.core.models import User
    from shequ.core.roles import Role
    from shequ.places.demo import build_demo_city
    from shequ.places.models import Place, PlaceKind

    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", interactive=False, verbosity=0)
    began = time.monotonic()
    build_demo_city(seed=42)
    communities = list(Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("code"))
    households = {
        c.pk: list(
            Place.objects.filter(path__startswith=c.path, kind=PlaceKind.HOUSEHOLD)
            .select_related("parent")
            .order_by("code")[:400]
        )
        for c in communities
    }
    first = communities[0]
    staff = core_services.user_create(
        actor=None, username="bstaff", password=BENCH_PASSWORD, check_password=False
    )
    core_services.role_grant(actor=None, user=staff, role=Role.COMMUNITY_STAFF, place=first)
    cadres = []
    for i in range(50):
        user = core_services.user_create(
            actor=None, username=f"bc{i}", password=BENCH_PASSWORD, check_password=False
        )
        core_services.role_grant(actor=None, user=user, role=Role.CADRE, place=first)
        cadres.append(user)
    rng = random.Random(1)
    now = timezone.now()
    batch: list[HelpRequest] = []
    for i in range(args.requests):
        community = communities[i % len(communities)]
        household = rng.choice(households[community.pk])
        created = now - dt.timedelta(hours=rng.uniform(0, 24 * 30))
        open_ = rng.random() < 0.33
        claimed = open_ and community == first and rng.random() < 0.1
        status = (
            HelpStatus.CLAIMED if claimed else HelpStatus.NEW if open_ else HelpStatus.DELIVERED
        )
        batch.append(
            HelpRequest(
                community=community,
                building=household.parent,
                household=household,
                kind=rng.choice(HelpKind.values),
                details="bench",
                channel="hotline",
                status=status,
                created_by=staff,
                created_at=created,
                due_at=created + dt.timedelta(hours=24),
                claimed_by=rng.choice(cadres) if claimed or not open_ else None,
                delivered_at=None if open_ else created + dt.timedelta(hours=rng.uniform(1, 30)),
            )
        )
        if len(batch) == 5000:
            HelpRequest.objects.bulk_create(batch)
            batch = []
    HelpRequest.objects.bulk_create(batch)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"seeded {args.requests:,} requests over {len(communities)} communities "
        f"in {time.monotonic() - began:.0f} s"
    )
    compound = Place.objects.filter(path__startswith=first.path, kind=PlaceKind.COMPOUND).first()
    staff = User.objects.get(pk=staff.pk)
    cadre = User.objects.get(pk=cadres[0].pk)

    def queue_page(filters: selectors.QueueFilter) -> None:
        rows = selectors.queue(staff, filters)
        rows.count()
        list(rows[:25])

    cases = {
        "queue, open (count + 25 rows)": lambda: queue_page(selectors.QueueFilter()),
        "queue, compound + kind": lambda: queue_page(
            selectors.QueueFilter(compound=compound.pk, kind=HelpKind.WATER)
        ),
        "queue, overdue": lambda: queue_page(selectors.QueueFilter(status="overdue")),
        "my tasks (cadre)": lambda: selectors.my_tasks(cadre),
        "home counts (staff)": lambda: selectors.community_counts(staff),
    }
    print("| what | runs | p50 ms | p95 ms | max ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name, run in cases.items():
        run()  # warm
        times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            run()
            times.append((time.perf_counter() - start) * 1000)
        print(
            f"| {name} | {args.runs} | {statistics.median(times):.1f} | "
            f"{_pct(times, 0.95):.1f} | {max(times):.1f} |"
        )


if __name__ == "__main__":
    main()
