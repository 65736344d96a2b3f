"""Benchmark: report-in events through the batch API (issue #5, target ≥ 5,000 events/s).

    .venv/bin/python bench/report_in.py [--events 25000] [--batch 1000] [--postgres]

Builds a fresh database (SQLite in a temp folder, or a scratch PostgreSQL database on
127.0.0.1:5432 with --postgres) with one community, one agency, N cadres under an open order,
then POSTs the report-ins to /api/v1/mobilization/report-ins through Django's test client
(the whole API stack: JSON parsing, token auth, the service, the database; no network), in
batches. Then it sends every batch again (all answered "duplicate") and prints both rates.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid

PG_DB = "shequ_bench_report_in"
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def setup(n: int):
    import datetime as dt

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from django.utils import timezone

    from shequ.core.models import User
    from shequ.core.services import api_token_create, role_grant
    from shequ.mobilization.models import Agency, Enlistment, Order, Staff
    from shequ.places.models import PlaceKind
    from shequ.places.services import place_create
    from shequ.residents.idcard import check_char

    parent = place_create(actor=None, kind=PlaceKind.CITY, code="B", name="基准市")
    for kind in (PlaceKind.DISTRICT, PlaceKind.STREET, PlaceKind.COMMUNITY):
        parent = place_create(
            actor=None, kind=kind, code=f"B-{kind}", name=str(kind), parent=parent
        )
    community = parent
    agency = Agency.objects.create(code="BA", name="基准厅", level="province")
    staff = []
    for i in range(n):
        first17 = f"62999919{70 + i % 30}{(i // 1000) % 12 + 1:02d}{i % 28 + 1:02d}{i % 1000:03d}"
        staff.append(
            Staff(
                kind="cadre",
                name=f"干部{i}",
                id_number=first17 + check_char(first17),
                id_hmac=f"bench-{i}",
                agency=agency,
                birth_year=1980,
                gender="male",
                residence_community=community,
            )
        )
    Staff.objects.bulk_create(staff, batch_size=2000)
    user = User.objects.create_user("gate", "x")
    role_grant(actor=None, user=user, role="community_staff", place=community)
    order = Order.objects.create(
        title="基准",
        scope=community.parent.parent.parent,
        deadline=timezone.now() + dt.timedelta(days=1),
        issued_by=user,
    )
    Enlistment.objects.bulk_create(
        [
            Enlistment(order=order, staff_id=pk, state="signed_up", community=community)
            for pk in Staff.objects.values_list("pk", flat=True)
        ],
        batch_size=2000,
    )
    _token, secret = api_token_create(actor=None, user=user, name="bench")
    tokens = list(Enlistment.objects.values_list("token", flat=True))
    return secret, tokens


def run(n: int, batch: int) -> dict:
    from django.test import Client

    secret, tokens = setup(n)
    client = Client()
    headers = {"Authorization": f"Bearer {secret}"}
    bodies = []
    for start in range(0, len(tokens), batch):
        items = [
            {"client_uuid": str(uuid.uuid4()), "token": t} for t in tokens[start : start + batch]
        ]
        bodies.append(json.dumps({"items": items}))
    rates = {}
    for label in ("first", "resend"):
        counts: dict[str, int] = {}
        t = time.perf_counter()
        for body in bodies:
            response = client.post(
                "/api/v1/mobilization/report-ins",
                body,
                content_type="application/json",
                headers=headers,
            )
            assert response.status_code == 200, response.content[:300]
            for item in response.json():
                counts[item["result"]] = counts.get(item["result"], 0) + 1
        seconds = time.perf_counter() - t
        rates[label] = {"seconds": seconds, "events_per_s": n / seconds, "results": counts}
    return rates


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=25_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["SHEQU_VAR_DIR"] = tmp
        os.environ["SHEQU_LOCAL_SECRETS"] = "1"
        if args.postgres:
            import psycopg

            with psycopg.connect(
                "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
            ) as c:
                c.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
                c.execute(f"CREATE DATABASE {PG_DB}")
            os.environ["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
        try:
            rates = run(args.events, args.batch)
        finally:
            if args.postgres:
                from django.db import connections

                connections.close_all()
                with psycopg.connect(
                    "postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True
                ) as c:
                    c.execute(f"DROP DATABASE IF EXISTS {PG_DB}")
    engine = "PostgreSQL" if args.postgres else "SQLite"
    for label, r in rates.items():
        print(
            f"{engine:10} {label:6} {args.events:,} events in batches of {args.batch}: "
            f"{r['seconds']:.2f} s, {r['events_per_s']:,.0f} events/s  {r['results']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
