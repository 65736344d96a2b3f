"""Benchmark: publishing a notice to a street by SMS, sending its texts, the residents' pages
and the policy-answer search on PostgreSQL (issue #21 part 2).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<scratch> SHEQU_SMS_BACKEND=off \
        .venv/bin/python bench/notices_publish.py [--residents 20000] [--notices 2000]

On the scratch database (its tables are replaced): migrates, builds the demo city's places,
bulk-inserts --residents residents with phones in the first street's households and
--notices published notices spread over the city's places, 500 policy answers; then times
`notice_publish` of one notice to the whole street with SMS and staff inboxes (one text
queued per phone), the worker sending those texts (`send_notice_texts`, batches of 200: the
claim, the phone's decryption, notify's adapter; SHEQU_SMS_BACKEND=off so nothing leaves),
the public compound page with its notices (`GET /h/<compound>/`, the whole page) and a
resident notice page (`GET /n/<token>/`, an open counted), and the answers search. Prints
the figures (p50 / p95 / max in ms where repeated).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=20_000)
    parser.add_argument("--notices", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a scratch PostgreSQL database.")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequ.settings")
    os.environ.setdefault("SHEQU_LOCAL_SECRETS", "1")  # a scratch database: bench keys
    os.environ.setdefault("SHEQU_SMS_BACKEND", "off")
    import django

    django.setup()
    import logging

    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from shequ.core import services as core_services
    from shequ.core.roles import Role
    from shequ.notices import selectors, services, texts
    from shequ.notices.models import Answer, AnswerStatus, Notice, NoticeStatus
    from shequ.notify.phone import OUTBOX
    from shequ.places.demo import build_demo_city
    from shequ.places.models import Place, PlaceKind
    from shequ.residents.models import Resident

    logging.getLogger("shequ.sms").setLevel(logging.WARNING)
    settings.ALLOWED_HOSTS = ["*"]
    call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", interactive=False, verbosity=0)
    build_demo_city(seed=42)
    city = Place.objects.get(kind=PlaceKind.CITY)
    street = Place.objects.filter(kind=PlaceKind.STREET).order_by("code").first()
    hq = core_services.user_create(
        actor=None, username="bhq", password=BENCH_PASSWORD, check_password=False
    )
    core_services.role_grant(actor=None, user=hq, role=Role.CITY_HQ, place=city)
    households = list(Place.objects.filter(path__startswith=street.path, kind=PlaceKind.HOUSEHOLD))
    rng = random.Random(1)
    began = time.monotonic()
    batch = []
    for i in range(args.residents):
        batch.append(
            Resident(
                name=f"居民{i}",
                household=rng.choice(households),
                document_number=f"B{i:012d}",
                phone=f"139{i:08d}",
            )
        )
        if len(batch) == 5000:
            Resident.objects.bulk_create(batch)
            batch = []
    Resident.objects.bulk_create(batch)
    places = list(Place.objects.exclude(kind=PlaceKind.HOUSEHOLD).values_list("pk", flat=True))
    now = timezone.now()
    Notice.objects.bulk_create(
        [
            Notice(
                token=f"b{i:09d}",
                place_id=rng.choice(places),
                title=f"通知{i}",
                body="正文",
                status=NoticeStatus.PUBLISHED,
                created_by=hq,
                created_at=now,
                published_at=now,
            )
            for i in range(args.notices)
        ],
        batch_size=1000,
    )
    words = ["核酸", "隔离", "出行", "物资", "疫苗", "报备", "就医", "快递", "学校", "复工"]
    Answer.objects.bulk_create(
        [
            Answer(
                city=city,
                topic=rng.choice(words),
                question=f"{rng.choice(words)}问题{i}",
                answer=f"关于{rng.choice(words)}的回答{i}" * 5,
                status=AnswerStatus.CURRENT,
                checked_on=timezone.localdate(),
                checked_by=hq,
                created_by=hq,
                created_at=now,
            )
            for i in range(500)
        ]
    )
    print(f"seeded in {time.monotonic() - began:.1f} s: {args.residents:,} residents, "
          f"{args.notices:,} notices, 500 answers")  # fmt: skip

    notice = services.notice_create(
        actor=hq, place=street, title="全员核酸告知", body="明天7点", to_staff=True, to_sms=True
    )
    t = time.monotonic()
    notice = services.notice_publish(actor=hq, notice=notice)
    print(f"publish to the street: {(time.monotonic() - t) * 1000:.0f} ms, "
          f"{notice.texts_queued:,} texts queued")  # fmt: skip
    OUTBOX.clear()
    t = time.monotonic()
    sent = 0
    while n := texts.send_notice_texts(batch=200):
        sent += n
        OUTBOX.clear()
    seconds = time.monotonic() - t
    print(f"texts sent: {sent:,} in {seconds:.1f} s ({sent / seconds:,.0f} texts/s)")

    print("| what | runs | p50 ms | p95 ms | max ms |\n| --- | ---: | ---: | ---: | ---: |")
    client = Client()
    compound = Place.objects.filter(path__startswith=street.path, kind=PlaceKind.COMPOUND).first()
    timings = []
    for _ in range(args.runs):
        t = time.monotonic()
        assert client.get(f"/h/{compound.code}/").status_code == 200
        timings.append((time.monotonic() - t) * 1000)
    _report("compound page with its notices", timings)
    timings = []
    for _ in range(args.runs):
        t = time.monotonic()
        assert Client().get(f"/n/{notice.token}/").status_code == 200
        timings.append((time.monotonic() - t) * 1000)
    _report("resident notice page (new device)", timings)
    timings = []
    rows = selectors.current_answers(city)
    for _ in range(args.runs):
        t = time.monotonic()
        selectors.search(rows, f"{rng.choice(words)}怎么办")
        timings.append((time.monotonic() - t) * 1000)
    _report("policy answers search (500)", timings)


if __name__ == "__main__":
    main()
