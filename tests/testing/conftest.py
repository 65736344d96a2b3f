"""A running round over community A (10 to a tube) with a site of two stations, twelve
residents in A's two households, one in B, and a lab operator.

    KA-1-101: 居民 a0 … a5      KA-1-102: a6 … a10, a11 in hospital      KB-1-101: b0
"""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest
from django.utils import timezone

from shequ.core.roles import Role
from shequ.residents.models import HealthStatus, Resident
from shequ.testing import labwork, services
from shequ.testing.ingest import swabs_batch
from shequ.testing.models import Transfer
from tests.conftest import make_user
from tests.residents.factories import ResidentFactory


@pytest.fixture
def rnd(personas, city) -> SimpleNamespace:
    return round_world(personas, city)


def round_world(personas, city) -> SimpleNamespace:
    """The round, its site and stations, the residents and the lab operator (`rnd`)."""
    a = [ResidentFactory(name=f"a{i}", household=city.ha1 if i < 6 else city.ha2)
         for i in range(12)]  # fmt: skip
    Resident.objects.filter(pk=a[11].pk).update(health_status=HealthStatus.HOSPITAL)
    b0 = ResidentFactory(name="b0", household=city.hb1)
    today = timezone.localdate()
    round_ = services.round_create(
        actor=personas.staff_a, name="第一轮", places=[city.a], starts_on=today, ends_on=today,
        pool_size=10,
    )  # fmt: skip
    site = services.site_create(
        actor=personas.staff_a, community=city.a, name="甲小区广场", opens=dt.time(7),
        closes=dt.time(19), stations=2,
    )  # fmt: skip
    s1, s2 = list(site.stations.order_by("name"))
    lab = make_user("lab", Role.LAB_OPERATOR, city.c)
    return SimpleNamespace(round=round_, site=site, s1=s1, s2=s2, a=a, b0=b0, lab=lab)


def swab(rnd, tube: str, resident, station=None, **kw) -> dict:
    item = {
        "client_uuid": str(uuid.uuid4()),
        "kind": "swab",
        "round_id": rnd.round.pk,
        "station_id": (station or rnd.s1).pk,
        "tube": tube,
        "resident_id": resident.pk if resident is not None else None,
        "sampled_at": timezone.now().isoformat(),
    }
    item.update(kw)
    return item


def close(rnd, tube: str, station=None) -> dict:
    """The item a station sends to close `tube` by hand."""
    return swab(rnd, tube, None, station=station, kind="close")


def send_to_lab(actor, rnd, *, a10: bool = True) -> Transfer:
    """T0000001 full with a0–a9 (it closes itself) and, with `a10`, T0000002 holding a10 (from
    the second station, closed by hand), sent to the lab under 交接单 J-1."""
    items = [swab(rnd, "T0000001", r) for r in rnd.a[:10]]
    if a10:
        items.append(swab(rnd, "T0000002", rnd.a[10], station=rnd.s2))
    swabs_batch(actor=actor, items=items)
    if a10:
        swabs_batch(actor=actor, items=[close(rnd, "T0000002", station=rnd.s2)])
    return labwork.transfer_create(
        actor=actor,
        round_=rnd.round,
        community=rnd.site.community,
        code="J-1",
        barcodes=["T0000001", "T0000002"] if a10 else ["T0000001"],
    )


@pytest.fixture
def sent(personas, rnd) -> Transfer:
    """T0000001 (a0–a9) and T0000002 (a10), closed and sent to the lab under J-1."""
    return send_to_lab(personas.staff_a, rnd)


def home_tasks(**filters):
    """Home-sampling visits (outreach tasks of a round's home_sampling campaign)."""
    from shequ.outreach.models import CampaignKind, Task

    return Task.objects.filter(campaign__kind=CampaignKind.HOME_SAMPLING, **filters)
