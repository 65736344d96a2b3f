"""Benchmark: a door-to-door campaign over a big community on PostgreSQL (issue #21).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<scratch> \
        .venv/bin/python bench/outreach_board.py [--buildings 200] [--floors 18] [--sync 2000]

On the scratch database (its tables are replaced): migrates, builds the demo city, then adds
--buildings buildings × --floors floors × 2 units × 2 flats to its first community (7,200
households at the defaults) and a community staff login. Times `campaign_create` over the
community (the tasks, one per household), gives every building to one cadre, sends --sync
outcomes through `phone.visits_batch` in batches of 500 (as the doors page does; one batch
resent whole to time the duplicates), then the board's selectors (totals, per building, per
team, per compound: one aggregate query each), the board page itself and one building's
doors snapshot. Prints p50 / p95 / max in ms.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BENCH_PASSWORD = "bench-pass-1234"  # noqa: S105 - scratch logins nobody uses
sys.path.insert(0, str(REPO / "src"))


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def _report(name: str, values: list[float]) -> None:
    print(
        f"| {name} | {len(values)} | {_pct(values, 0.5):.1f} | {_pct(values, 0.95):.1f} "
        f"| {max(values):.1f} |"
    )


def _timed(call, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        call()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buildings", type=int, default=200)
    parser.add_argument("--floors", type=int, default=18)
    parser.add_argument("--sync", type=int, default=2000)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a scratch PostgreSQL database.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    os.environ.setdefault("SHEQU_LOCAL_SECRETS", "1")  # a scratch database: bench keys
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from shequ.core import services as core_services
    from shequ.core.roles import Role
    from shequ.mobilization.models import Agency, Staff
    from shequ.outreach import phone, selectors, services
    from shequ.places import services as place_services
    from shequ.places.demo import build_demo_city
    from shequ.places.households import household_code, household_name
    from shequ.places.models import Place, PlaceKind

    settings.ALLOWED_HOSTS = ["*"]
    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", interactive=False, verbosity=0)
    began = time.monotonic()
    build_demo_city(seed=42)
    community = Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("code").first()
    compound = Place.objects.filter(kind=PlaceKind.COMPOUND, path__startswith=community.path)[0]
    buildings = place_services.places_insert(
        [
            Place(kind=PlaceKind.BUILDING, parent=compound, depth=6,
                  code=f"{compound.code}-X{b}", name=f"基准{b}号楼")
            for b in range(args.buildings)
        ]
    )  # fmt: skip
    place_services.places_insert(
        [
            Place(kind=PlaceKind.HOUSEHOLD, parent=b, depth=7, unit=str(u),
                  code=household_code(b.code, str(u), f"{f}{flat:02d}"),
                  name=household_name(str(u), f"{f}{flat:02d}"))
            for b in buildings for u in (1, 2) for f in range(1, args.floors + 1)
            for flat in (1, 2)
        ]
    )  # fmt: skip
    staff = core_services.user_create(
        actor=None, username="bstaff", password=BENCH_PASSWORD, check_password=False
    )
    core_services.role_grant(actor=None, user=staff, role=Role.COMMUNITY_STAFF, place=community)
    agency = Agency.objects.create(code="BENCH", name="基准单位", level="province")
    cadre = Staff.objects.create(
        kind="cadre", name="基准干部", id_number="629999198501010011", phone="",
        birth_year=1985, gender="male", agency=agency,
    )  # fmt: skip
    households = Place.objects.filter(kind=PlaceKind.HOUSEHOLD, path__startswith=community.path)
    print(f"city and {households.count()} households in the community: "
          f"{time.monotonic() - began:.1f} s")  # fmt: skip

    t0 = time.perf_counter()
    campaign = services.campaign_create(
        actor=staff, name="基准入户排查", kind="screening", community=community,
        questions=[{"key": "present", "label": "在家", "type": "yes_no", "required": True}],
    )  # fmt: skip
    create_ms = (time.perf_counter() - t0) * 1000
    all_buildings = selectors.campaign_buildings(campaign)
    t0 = time.perf_counter()
    services.buildings_assign(actor=staff, campaign=campaign, buildings=all_buildings, cadre=cadre)
    assign_ms = (time.perf_counter() - t0) * 1000
    tasks = list(campaign.tasks.order_by("pk").values_list("pk", flat=True)[: args.sync])
    now = timezone.now().isoformat()
    items = [
        {"client_uuid": str(uuid.uuid4()), "task_id": pk, "at": now,
         "outcome": "done" if n % 3 else "nobody_home", "answers": {"present": True}}
        for n, pk in enumerate(tasks)
    ]  # fmt: skip
    batches = []
    for start in range(0, len(items), 500):
        chunk = items[start : start + 500]
        t0 = time.perf_counter()
        phone.visits_batch(actor=staff, items=chunk)
        batches.append((time.perf_counter() - t0) * 1000)
    resend = _timed(lambda: phone.visits_batch(actor=staff, items=items[:500]), 1)

    print(f"campaign_create: {campaign.tasks.count()} tasks in {create_ms:.0f} ms; "
          f"{len(all_buildings)} buildings given out in {assign_ms:.0f} ms")  # fmt: skip
    print("| what | runs | p50 ms | p95 ms | max ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    _report("visits:batch, 500 new outcomes", batches)
    _report("visits:batch, the same 500 again (duplicates)", resend)
    _report("progress totals (1 query)", _timed(lambda: selectors.progress_totals(campaign), 20))
    _report("progress per building", _timed(lambda: selectors.progress_by_building(campaign), 20))
    _report("progress per team", _timed(lambda: selectors.progress_by_team(campaign), 20))
    _report("progress per compound", _timed(lambda: selectors.progress_by_compound(campaign), 20))
    client = Client()
    client.force_login(staff)
    url = f"/outreach/c/{campaign.pk}/"
    assert client.get(url).status_code == 200
    _report("board page (staff)", _timed(lambda: client.get(url), 10))
    building = all_buildings[-1]
    _report(
        "one building's doors (snapshot)",
        _timed(lambda: selectors.building_snapshot(staff, campaign, building), 20),
    )


if __name__ == "__main__":
    main()
