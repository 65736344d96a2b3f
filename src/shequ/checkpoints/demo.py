"""Demo data for the gates: entry passes for every household with residents, gate rules in
the first community, and the last 24 hours of passages at the gates of a few communities."""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import TYPE_CHECKING

from django.utils import timezone

from shequ.checkpoints import services
from shequ.checkpoints.ingest import passages_batch
from shequ.checkpoints.models import EntryPass
from shequ.checkpoints.passes import pass_token
from shequ.duty.models import Post, PostKind
from shequ.places.models import Place, PlaceKind
from shequ.residents.models import Resident

if TYPE_CHECKING:
    from shequ.core.models import User

COMMUNITIES_WITH_PASSAGES = 3
PASSAGES_PER_COMMUNITY = 240
PLATES = ["甘A·D3{:03d}", "甘A·5{:04d}"]


def _passages(community: Place, gates: list[Post], rng: random.Random) -> list[dict]:
    """A plausible day at the gates: residents out and back, visitors, vehicles, and a few
    who are refused (fever, a red code, someone in isolation)."""
    passes = list(EntryPass.objects.filter(community=community).order_by("pk"))
    holders = {
        p: list(Resident.objects.filter(entry_passes=p).values_list("pk", flat=True)[:4])
        for p in rng.sample(passes, min(len(passes), 60))
    }
    now = timezone.now()
    items = []
    for n in range(PASSAGES_PER_COMMUNITY):
        at = now - dt.timedelta(minutes=rng.randint(5, 24 * 60 - 5))
        gate = rng.choice(gates)
        base = {
            "client_uuid": str(uuid.uuid4()),
            "gate_id": gate.pk,
            "device_time": at.isoformat(),
            "direction": rng.choice(["out", "in"]),
            "temperature": round(rng.uniform(36.0, 37.1), 1),
            "health_code": "green",
            "travel_star": rng.random() < 0.03,
        }
        kind = rng.random()
        if kind < 0.08:
            items.append(
                {
                    **base,
                    "subject": "visitor",
                    "visitor_name": f"访客{n}",
                    "visitor_phone": f"100{rng.randint(0, 99_999_999):08d}",
                }
            )
        elif kind < 0.14:
            plate = rng.choice(PLATES).format(rng.randint(0, 999))
            items.append({**base, "subject": "vehicle", "plate": plate})
        elif holders:
            p = rng.choice(list(holders))
            if not holders[p]:
                continue
            item = {
                **base,
                "subject": "resident",
                "pass_code": pass_token(p.pk, p.version),
                "resident_id": rng.choice(holders[p]),
            }
            if kind > 0.985:
                item["temperature"] = round(rng.uniform(37.4, 38.6), 1)
            elif kind > 0.975:
                item["health_code"] = "red"
            items.append(item)
    return items


def add_demo_checkpoints(*, hq: User, seed: int = 42) -> dict[str, int]:
    """Passes for every household with residents; a day of passages in a few communities."""
    if EntryPass.objects.exists():
        return {}
    rng = random.Random(seed)  # noqa: S311 - synthetic demo data, not secrets
    today = timezone.localdate()
    valid_from, valid_until = today - dt.timedelta(days=7), today + dt.timedelta(days=30)
    buildings = Place.objects.filter(
        kind=PlaceKind.BUILDING, children__residents__isnull=False
    ).distinct()
    issued = 0
    for building in buildings.order_by("path"):
        issued += len(
            services.passes_issue_building(
                actor=hq, building=building, valid_from=valid_from, valid_until=valid_until
            )
        )
    communities = list(Place.objects.filter(kind=PlaceKind.COMMUNITY).order_by("code"))
    if communities:
        services.rules_set(
            actor=hq, community=communities[0], rules={"exit_quota": {"people": 2, "days": 1}}
        )
    passages = 0
    for community in communities[:COMMUNITIES_WITH_PASSAGES]:
        gates = list(Post.objects.filter(community=community, kind=PostKind.CHECKPOINT))
        if not gates:
            continue
        items = _passages(community, gates, rng)
        for start in range(0, len(items), 500):
            results = passages_batch(actor=hq, items=items[start : start + 500])
            passages += sum(r.status == "created" for r in results)
    return {"entry_pass": issued, "passage": passages}
