"""Demo data for mass testing: a sampling site with two stations in each community of the
first street; yesterday's round over that street, finished (nearly everyone sampled, tubes
sent, received and negative, a few exemptions); today's round over the same communities,
running: about half sampled so far, tubes open, closed and at the lab, one positive pool
recalled (its ten members await a single-tube retest at home). The team knocking on the
doors of one building's missed residents is outreach's (`outreach/round_demo.py`).

Everything goes through the services and the swab batch ingest, as the devices send it, so
the demo holds exactly what users would produce.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections import defaultdict

from django.db.models import Count
from django.utils import timezone

from shequ.core.models import User
from shequ.places.models import Place, PlaceKind
from shequ.residents.models import Resident
from shequ.testing import labwork, services
from shequ.testing.ingest import swabs_batch
from shequ.testing.models import (
    ExemptReason,
    Round,
    Station,
    Tube,
    TubeResult,
    TubeStatus,
)
from shequ.testing.selectors import EXEMPT_STATUSES

BATCH = 500
POOL = 10
EXEMPT_PER_COMMUNITY = 3
FINISHED_SHARE = 0.985  # of those due, sampled in yesterday's round
RUNNING_SHARE = (0.40, 0.70)  # today's, per community


def _community_people(community: Place) -> list[tuple[int, str]]:
    """(id, health status) of the community's residents, queued building by building."""
    return list(
        Resident.objects.filter(household__path__startswith=community.path)
        .order_by("household__path", "id")
        .values_list("id", "health_status")
    )


def _sample(
    *,
    actor: User,
    round_: Round,
    stations: list[Station],
    people: list[int],
    start: dt.datetime,
    minutes: float,
    tag: str,
    close_last: bool,
) -> None:
    """Swab `people` at the stations, ten to a tube, in queue order from `start` over
    `minutes`; each station's last tube is closed by hand when `close_last`."""
    items: list[dict] = []
    step = dt.timedelta(minutes=minutes) / max(len(people), 1)
    per_station: dict[int, list[int]] = defaultdict(list)
    for n, person in enumerate(people):
        per_station[n % len(stations)].append(person)
    for s, queue in per_station.items():
        station = stations[s]
        barcode = ""
        for k, person in enumerate(queue):
            if k % POOL == 0:
                barcode = f"{tag}-{station.pk}-{k // POOL + 1:04d}"
            at = start + step * (k * len(stations) + s)
            items.append(
                {
                    "client_uuid": str(uuid.uuid4()),
                    "kind": "swab",
                    "round_id": round_.pk,
                    "station_id": station.pk,
                    "tube": barcode,
                    "resident_id": person,
                    "sampled_at": at.isoformat(),
                }
            )
        if close_last and barcode and len(queue) % POOL:
            items.append(
                {
                    "client_uuid": str(uuid.uuid4()),
                    "kind": "close",
                    "round_id": round_.pk,
                    "station_id": station.pk,
                    "tube": barcode,
                    "sampled_at": (start + step * len(people)).isoformat(),
                }
            )
    for i in range(0, len(items), BATCH):
        swabs_batch(actor=actor, items=items[i : i + BATCH])


def _send(
    *, actor: User, lab: User, round_: Round, community: Place, code: str, tubes: list[str]
) -> None:
    transfer = labwork.transfer_create(
        actor=actor, round_=round_, community=community, code=code, barcodes=tubes
    )
    labwork.transfer_receive(actor=lab, transfer=transfer, received_count=len(tubes))


def _exempt(actor: User, round_: Round, residents: list[Resident]) -> None:
    reasons = [
        (ExemptReason.AWAY, "出差外地，持行程卡截图"),
        (ExemptReason.HOSPITAL, ""),
        (ExemptReason.OTHER, "新生儿，父母提供出生证明"),
    ]
    for n, resident in enumerate(residents):
        reason, proof = reasons[n % len(reasons)]
        services.exemption_add(
            actor=actor, round_=round_, resident=resident, reason=reason, proof=proof
        )


def add_demo_testing(*, hq: User, seed: int = 42) -> dict[str, int]:
    """Sites, a finished round and a running one with a positive pool (skips if any round
    exists)."""
    if Round.objects.exists():
        return {}
    street = Place.objects.filter(kind=PlaceKind.STREET).order_by("code").first()
    if street is None:
        return {}
    communities = list(
        Place.objects.filter(kind=PlaceKind.COMMUNITY, parent=street).order_by("code")
    )
    people = {c.pk: _community_people(c) for c in communities}
    if not any(people.values()):
        return {}
    rng = random.Random(seed + 8)  # noqa: S311 - synthetic demo data, not secrets
    lab = User.objects.filter(username="lab").first() or hq
    now = timezone.now()
    today = timezone.localdate()
    yesterday = today - dt.timedelta(days=1)

    stations: dict[int, list[Station]] = {}
    for c in communities:
        site = services.site_create(
            actor=hq,
            community=c,
            name=f"{c.name}广场采样点",
            opens=dt.time(7),
            closes=dt.time(20),
            stations=2,
        )
        stations[c.pk] = list(site.stations.order_by("name"))

    # Yesterday: nearly everyone due, a few exempt with a reason; all negative; finished.
    finished = services.round_create(
        actor=hq,
        name=f"{street.name}第一轮全员核酸",
        places=communities,
        starts_on=yesterday,
        ends_on=yesterday,
        pool_size=POOL,
    )
    morning = timezone.make_aware(dt.datetime.combine(yesterday, dt.time(7, 30)))
    morning = max(morning, now - dt.timedelta(hours=40))
    for c in communities:
        due = [pk for pk, status in people[c.pk] if status not in EXEMPT_STATUSES]
        exempt_ids = set(rng.sample(due, min(EXEMPT_PER_COMMUNITY, len(due))))
        _exempt(hq, finished, list(Resident.objects.filter(pk__in=exempt_ids).order_by("pk")))
        due = [pk for pk in due if pk not in exempt_ids]
        sampled = [pk for pk in due if rng.random() < FINISHED_SHARE]
        _sample(
            actor=hq,
            round_=finished,
            stations=stations[c.pk],
            people=sampled,
            start=morning,
            minutes=10 * 60,
            tag=f"Y{c.pk}",
            close_last=True,
        )
        barcodes = list(
            Tube.objects.filter(round=finished, community=c)
            .order_by("pk")
            .values_list("barcode", flat=True)
        )
        if barcodes:
            _send(
                actor=hq,
                lab=lab,
                round_=finished,
                community=c,
                code=f"JJ-{yesterday:%Y%m%d}-{c.code[-3:]}",
                tubes=barcodes,
            )
            labwork.results_record(
                actor=lab, round_=finished, results=[(b, TubeResult.NEGATIVE) for b in barcodes]
            )
    services.round_finish(actor=hq, round_=finished)

    # Today: under way. Roughly half sampled since 7:30 (or the last few hours), each
    # community's closed tubes partly at the lab, one pool positive.
    running = services.round_create(
        actor=hq,
        name=f"{street.name}第二轮全员核酸",
        places=communities,
        starts_on=today,
        ends_on=today,
        pool_size=POOL,
    )
    start = timezone.make_aware(dt.datetime.combine(today, dt.time(7, 30)))
    start = min(start, now - dt.timedelta(hours=3))
    minutes = (now - start).total_seconds() / 60 - 5
    positive: str | None = None
    for c in communities:
        due = [pk for pk, status in people[c.pk] if status not in EXEMPT_STATUSES]
        exempt_ids = set(rng.sample(due, min(EXEMPT_PER_COMMUNITY - 1, len(due))))
        _exempt(hq, running, list(Resident.objects.filter(pk__in=exempt_ids).order_by("pk")))
        share = rng.uniform(*RUNNING_SHARE)
        queue = [pk for pk in due if pk not in exempt_ids]
        cut = int(len(queue) * share)
        sampled = queue[:cut]  # building by building: the later buildings have not come yet
        _sample(
            actor=hq,
            round_=running,
            stations=stations[c.pk],
            people=sampled,
            start=start,
            minutes=minutes,
            tag=f"T{c.pk}",
            close_last=False,
        )
        closed = list(
            Tube.objects.filter(round=running, community=c, status=TubeStatus.CLOSED)
            .order_by("pk")
            .values_list("barcode", flat=True)
        )
        at_lab = closed[: int(len(closed) * 0.6)]  # the rest wait for the next pick-up
        if not at_lab:
            continue
        _send(
            actor=hq,
            lab=lab,
            round_=running,
            community=c,
            code=f"JJ-{today:%Y%m%d}-{c.code[-3:]}-1",
            tubes=at_lab,
        )
        resulted = at_lab[: int(len(at_lab) * 0.7)]  # the lab is still testing the others
        results = [(b, TubeResult.NEGATIVE) for b in resulted]
        if positive is None:
            full = list(
                Tube.objects.filter(round=running, barcode__in=resulted)
                .annotate(n=Count("samples"))
                .filter(n=POOL)
                .order_by("pk")
                .values_list("barcode", flat=True)
            )
            if full:
                positive = full[len(full) // 2]
                results = [(b, TubeResult.POSITIVE if b == positive else r) for b, r in results]
        labwork.results_record(actor=lab, round_=running, results=results)

    return {
        "testing_round": 2,
        "sampling_site": len(communities),
        "swab": finished.samples.count() + running.samples.count(),
        "recall": running.recalls.count(),
    }
